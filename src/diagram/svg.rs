//! A self-contained SVG drawn by orgscope itself (no Graphviz needed): the tree laid out as an
//! indented outline, one box per root, OU and account, each in a `<g id="<aws id>">` holding its
//! `<rect>` (filled by status) and its text; elbow lines from parent to child; a legend.

use std::fmt::Write as _;

use super::{Diagram, LEGEND, PLAIN_FILL};

const INDENT: usize = 28;
const LINE: usize = 15;
const PAD: usize = 6;
const GAP: usize = 8;
const MARGIN: usize = 12;
/// Width of a character of the bold 12 px name, generously.
const CHAR: usize = 8;

/// XML text or attribute content. The text is a visible form already, so it holds none of the
/// control characters XML 1.0 forbids.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// Where a box sits.
struct Placed {
    x: usize,
    y: usize,
    width: usize,
    height: usize,
}

fn place(diagram: &Diagram) -> Vec<Placed> {
    let mut y = MARGIN;
    diagram
        .shapes
        .iter()
        .map(|shape| {
            let lines = shape.lines.iter().filter(|l| !l.is_empty()).count().max(1);
            let longest = shape.lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
            let placed = Placed {
                x: MARGIN + shape.depth * INDENT,
                y,
                width: (longest * CHAR + 2 * PAD).clamp(120, 640),
                height: lines * LINE + PAD,
            };
            y += placed.height + GAP;
            placed
        })
        .collect()
}

pub fn render(diagram: &Diagram) -> String {
    let placed = place(diagram);
    let legend_height = if diagram.probed { LINE + 2 * PAD } else { 0 };
    let width = placed.iter().map(|p| p.x + p.width).max().unwrap_or(0).max(4 * 110) + MARGIN;
    let height = placed.last().map_or(MARGIN, |p| p.y + p.height) + GAP + legend_height + MARGIN;
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    );
    out.push_str("<g class=\"edges\" fill=\"none\" stroke=\"#8a94a3\">\n");
    for (shape, at) in diagram.shapes.iter().zip(&placed) {
        if let Some(parent) = shape.parent {
            let from = &placed[parent];
            let (x, mid) = (from.x + INDENT / 2, at.y + at.height / 2);
            let _ = writeln!(out, "<path d=\"M{x} {} V{mid} H{}\"/>", from.y + from.height, at.x);
        }
    }
    out.push_str("</g>\n");
    for (shape, at) in diagram.shapes.iter().zip(&placed) {
        let class = match (shape.container, shape.verdict) {
            (true, _) => "container".to_string(),
            (false, Some(verdict)) => format!("account {}", verdict.status.code()),
            (false, None) => "account".to_string(),
        };
        let _ = writeln!(out, "<g id=\"{}\" class=\"{class}\">", xml(&shape.id));
        if let Some(verdict) = shape.verdict {
            let _ = writeln!(out, "<title>{}</title>", xml(verdict.reason.map_or(verdict.status.code(), |r| r.code())));
        }
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"5\" fill=\"{}\" stroke=\"#555555\"/>",
            at.x, at.y, at.width, at.height, shape.fill
        );
        let ink = if shape.fill == PLAIN_FILL || shape.container { "#1b1f24" } else { "#ffffff" };
        for (n, line) in shape.lines.iter().filter(|l| !l.is_empty()).enumerate() {
            let weight = if n == 0 { " font-weight=\"bold\"" } else { "" };
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" fill=\"{ink}\"{weight}>{}</text>",
                at.x + PAD,
                at.y + PAD + (n + 1) * LINE - 4,
                xml(line)
            );
        }
        out.push_str("</g>\n");
    }
    if diagram.probed {
        let y = height - MARGIN - legend_height;
        out.push_str("<g class=\"legend\">\n");
        for (n, (name, fill)) in LEGEND.iter().enumerate() {
            let x = MARGIN + n * 110;
            let _ = writeln!(out, "<rect x=\"{x}\" y=\"{y}\" width=\"14\" height=\"14\" fill=\"{fill}\"/>");
            let _ = writeln!(out, "<text x=\"{}\" y=\"{}\">{name}</text>", x + 20, y + 12);
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::org;
    use super::*;

    #[test]
    fn every_node_is_a_group_with_its_aws_id_and_names_are_escaped() {
        let (org, verdicts) = org();
        let svg = render(&Diagram::new(&org, Some(&verdicts)));
        assert!(svg.contains("<g id=\"222222222222\" class=\"account blocked\">"), "{svg}");
        assert!(svg.contains("fill=\"#d62728\""), "{svg}");
        assert!(svg.contains("&lt;svg&gt; end --&gt;"), "{svg}");
        assert!(svg.contains("Prod &quot;eu&quot;\\n[x]\\e]0;t\\x07&lt;b&gt;&amp;#"), "{svg}");
        assert_eq!(svg.matches("<g id=").count(), 4, "a root, an OU, two accounts");
    }
}
