//! Graphviz DOT: one cluster per root and OU (nested as the OUs are), left to right so that
//! thousands of accounts stay readable, node ids the AWS ids, quoted.

use std::fmt::Write as _;

use super::{Diagram, LEGEND};

/// Text for inside a DOT string: backslashes doubled (so no `\n`, `\N` or `\G` in a name acts)
/// and quotes escaped. The text is a visible form already: it holds no control character.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// The lines of a label, joined by DOT's own line break.
fn label(lines: &[String]) -> String {
    let lines: Vec<String> = lines.iter().filter(|l| !l.is_empty()).map(|l| escape(l)).collect();
    format!("\"{}\"", lines.join("\\n"))
}

pub fn render(diagram: &Diagram) -> String {
    let mut out = String::from(
        "digraph organization {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\"];\n  edge [color=\"#888888\"];\n",
    );
    let shapes = &diagram.shapes;
    // Clusters open in tree order and close when the walk leaves them.
    let mut open: Vec<usize> = Vec::new();
    for (index, shape) in shapes.iter().enumerate() {
        while let Some(&top) = open.last()
            && Some(top) != shape.parent
        {
            open.pop();
            let _ = writeln!(out, "{}}}", "  ".repeat(open.len() + 1));
        }
        let indent = "  ".repeat(open.len() + 1);
        if shape.container {
            let _ = writeln!(out, "{indent}subgraph {} {{", quote(&format!("cluster_{}", shape.id)));
            let _ = writeln!(out, "{indent}  label=\"\"; style=\"rounded\"; color=\"#c8ced6\";");
            open.push(index);
        }
        let indent = "  ".repeat(open.len() + 1);
        let mut attributes = format!("label={}, fillcolor=\"{}\"", label(&shape.lines), shape.fill);
        if let Some(verdict) = shape.verdict {
            let tooltip = verdict.reason.map_or(verdict.status.code(), |r| r.code());
            let _ = write!(attributes, ", tooltip={}", quote(tooltip));
            if verdict.status != crate::model::ProbeStatus::Reachable {
                attributes.push_str(", fontcolor=\"#ffffff\"");
            }
        }
        let _ = writeln!(out, "{indent}{} [{attributes}];", quote(&shape.id));
    }
    while open.pop().is_some() {
        let _ = writeln!(out, "{}}}", "  ".repeat(open.len() + 1));
    }
    for shape in shapes {
        if let Some(parent) = shape.parent {
            let _ = writeln!(out, "  {} -> {};", quote(&shapes[parent].id), quote(&shape.id));
        }
    }
    if diagram.probed {
        out.push_str("  subgraph cluster_legend {\n    label=\"Legend\";\n");
        for (name, fill) in LEGEND {
            let _ = writeln!(out, "    \"legend_{name}\" [label=\"{name}\", fillcolor=\"{fill}\"];");
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::org;
    use super::*;

    #[test]
    fn ids_are_quoted_and_no_name_can_leave_its_string() {
        let (org, verdicts) = org();
        let dot = render(&Diagram::new(&org, Some(&verdicts)));
        assert!(
            dot.contains("\"222222222222\" [label=\"pay\\\\n \\\"q\\\" <svg> end -->\\n222222222222\\naccess_denied\""),
            "{dot}"
        );
        assert!(dot.contains("subgraph \"cluster_ou-ab12-11111111\" {"), "{dot}");
        assert!(dot.contains("\"r-ab12\" -> \"ou-ab12-11111111\";"), "{dot}");
        assert!(dot.contains("fillcolor=\"#d62728\""), "{dot}");
        assert!(!dot.contains('\u{1b}') && !dot.contains("\n[x]"), "{dot}");
        assert_eq!(dot.matches('{').count(), dot.matches('}').count(), "balanced: {dot}");
    }
}
