//! A Mermaid `flowchart` for Markdown renderers (GitHub, GitLab): node ids made from the AWS ids
//! (letters, digits and `_` only, so no id is a keyword or an arrow), labels quoted with every
//! character Mermaid would read written as its entity code.

use std::fmt::Write as _;

use super::{Diagram, LEGEND};
use crate::model::ProbeStatus;

/// `n_` and the AWS id with anything but letters and digits as `_` (`ou-ab12-…` → `n_ou_ab12_…`).
pub fn node_id(aws_id: &str) -> String {
    let id: String = aws_id.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("n_{id}")
}

/// A label line with Mermaid's entity codes for `#` (first, so codes stay codes), `"`, `<`, `>`,
/// `&` and the backtick that would start a Markdown string.
fn escape(line: &str) -> String {
    line.replace('#', "#35;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('&', "#amp;")
        .replace('`', "#96;")
}

fn class(status: Option<ProbeStatus>) -> &'static str {
    match status {
        Some(ProbeStatus::Reachable) => "reachable",
        Some(ProbeStatus::Blocked) => "blocked",
        Some(ProbeStatus::Skipped) => "skipped",
        Some(ProbeStatus::Error) => "error",
        None => "account",
    }
}

pub fn render(diagram: &Diagram) -> String {
    let mut out = String::from("flowchart LR\n");
    out.push_str("  classDef container fill:#eef1f5,stroke:#8a94a3\n  classDef account fill:#ffffff,stroke:#8a94a3\n");
    for (name, fill) in LEGEND {
        let _ = writeln!(out, "  classDef {name} fill:{fill},stroke:#555555,color:#ffffff");
    }
    for shape in &diagram.shapes {
        let lines: Vec<String> = shape.lines.iter().filter(|l| !l.is_empty()).map(|l| escape(l)).collect();
        let class = if shape.container { "container" } else { class(shape.verdict.map(|v| v.status)) };
        let _ = writeln!(out, "  {}[\"{}\"]:::{class}", node_id(&shape.id), lines.join("<br/>"));
    }
    for shape in &diagram.shapes {
        if let Some(parent) = shape.parent {
            let _ = writeln!(out, "  {} --> {}", node_id(&diagram.shapes[parent].id), node_id(&shape.id));
        }
    }
    if diagram.probed {
        out.push_str("  subgraph legend[\"Legend\"]\n");
        for (name, _) in LEGEND {
            let _ = writeln!(out, "    legend_{name}[\"{name}\"]:::{name}");
        }
        out.push_str("  end\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::org;
    use super::*;

    #[test]
    fn labels_carry_entities_and_ids_only_safe_characters() {
        let (org, verdicts) = org();
        let text = render(&Diagram::new(&org, Some(&verdicts)));
        assert!(text.contains("  n_222222222222[\"pay\\n #quot;q#quot; #lt;svg#gt; end --#gt;<br/>222222222222<br/>access_denied\"]:::blocked"), "{text}");
        assert!(text.contains("  n_r_ab12 --> n_ou_ab12_11111111\n"), "{text}");
        assert!(text.contains("#35;"), "a # in a name is an entity: {text}");
        assert!(!text.contains('\u{1b}'));
    }
}
