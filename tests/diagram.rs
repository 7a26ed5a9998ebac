//! `tree` and `probe` as diagrams: Graphviz renders every DOT output without a warning, the SVG
//! parses as XML with one group per node filled by status, the Mermaid output keeps the
//! flowchart grammar's rules for ids and labels, no hostile name breaks any of them, and the demo
//! diagram committed under `assets/` is what the binary draws.

mod common;

use std::collections::HashMap;
use std::io::Write as _;
use std::process::{Command, Stdio};

use common::hostile;

const GRAPHVIZ_HINT: &str = "install Graphviz with `apt-get install graphviz` (the README's test command does)";

/// `orgscope ARGS` on the demo (or on `snapshot`), its stdout.
fn draw(home: &std::path::Path, snapshot: Option<&std::path::Path>, args: &[&str]) -> String {
    let mut command = common::orgscope_command(home);
    match snapshot {
        Some(path) => command.arg("--snapshot").arg(path),
        None => command.arg("--demo"),
    };
    let out = command.args(args).output().expect("run orgscope");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The demo and the hostile organization, as `(name, snapshot file)`.
fn sources(home: &std::path::Path) -> Vec<(&'static str, Option<std::path::PathBuf>)> {
    let path = home.join("hostile.json");
    std::fs::write(&path, serde_json::to_vec(&hostile::snapshot()).expect("JSON")).expect("write");
    vec![("demo", None), ("hostile", Some(path))]
}

#[test]
fn graphviz_renders_every_dot_output_without_a_warning() {
    if !common::require_tool("dot", &["-V"], GRAPHVIZ_HINT) {
        return;
    }
    let home = tempfile::tempdir().expect("temp dir");
    for (name, snapshot) in sources(home.path()) {
        for command in ["tree", "probe"] {
            let dot = draw(home.path(), snapshot.as_deref(), &[command, "--format", "dot"]);
            let mut child = Command::new("dot")
                .arg("-Tsvg")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("run dot");
            child.stdin.take().expect("stdin").write_all(dot.as_bytes()).expect("feed dot");
            let out = child.wait_with_output().expect("dot ends");
            let warnings = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success() && warnings.is_empty(), "{name} {command}: {warnings}\n{dot}");
            let svg = String::from_utf8_lossy(&out.stdout);
            assert!(svg.contains("<svg"), "{name} {command}: Graphviz drew an SVG");
        }
    }
}

/// Every node of the organization, by AWS id, and each account's probe status.
fn truth(home: &std::path::Path, snapshot: Option<&std::path::Path>) -> (Vec<String>, HashMap<String, String>) {
    let tree: serde_json::Value =
        serde_json::from_str(&draw(home, snapshot, &["tree", "--format", "json"])).expect("tree JSON");
    fn walk(node: &serde_json::Value, out: &mut Vec<String>) {
        out.push(node["id"].as_str().unwrap_or_default().to_string());
        for child in node["children"].as_array().into_iter().flatten() {
            walk(child, out);
        }
    }
    let mut ids = Vec::new();
    for root in tree["roots"].as_array().into_iter().flatten() {
        walk(root, &mut ids);
    }
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&draw(home, snapshot, &["probe", "--format", "json"])).expect("probe JSON");
    let statuses = rows
        .iter()
        .map(|r| {
            (
                r["account_id"].as_str().unwrap_or_default().to_string(),
                r["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (ids, statuses)
}

#[test]
fn the_svg_is_xml_with_one_filled_group_per_node() {
    let home = tempfile::tempdir().expect("temp dir");
    for (name, snapshot) in sources(home.path()) {
        let (ids, statuses) = truth(home.path(), snapshot.as_deref());
        let svg = draw(home.path(), snapshot.as_deref(), &["probe", "--format", "svg"]);
        let document = roxmltree::Document::parse(&svg).unwrap_or_else(|err| panic!("{name}: not XML: {err}"));
        let groups: Vec<roxmltree::Node> =
            document.descendants().filter(|n| n.has_tag_name("g") && n.attribute("id").is_some()).collect();
        let mut found: Vec<String> = groups.iter().filter_map(|g| g.attribute("id")).map(str::to_string).collect();
        let mut expected = ids.clone();
        found.sort();
        expected.sort();
        assert_eq!(found, expected, "{name}: one group per node");
        for group in &groups {
            let id = group.attribute("id").unwrap_or_default();
            let rects: Vec<_> = group.children().filter(|n| n.has_tag_name("rect")).collect();
            assert_eq!(rects.len(), 1, "{name} {id}: one shape");
            let want = match statuses.get(id).map(String::as_str) {
                Some("blocked") => "#d62728",
                Some("reachable") => "#2ca02c",
                Some("skipped") => "#7f7f7f",
                Some("error") => "#ff7f0e",
                _ => "#eef1f5",
            };
            assert_eq!(rects[0].attribute("fill"), Some(want), "{name} {id}");
        }
        let text: String = document.descendants().filter_map(|n| n.text()).collect();
        hostile::assert_inert(&format!("{name} SVG text"), &text);
        let tree = draw(home.path(), snapshot.as_deref(), &["tree", "--format", "svg"]);
        assert!(roxmltree::Document::parse(&tree).is_ok(), "{name}: tree SVG is XML");
    }
}

/// The rules of Mermaid's flowchart grammar a generated chart must keep: a known statement per
/// line, node ids of letters, digits and `_` (never a keyword), labels in quotes holding no quote,
/// no `<` or `>` but the line breaks, and every edge between declared nodes.
fn check_mermaid(chart: &str) -> Result<(), String> {
    let id_ok = |id: &str| {
        !id.is_empty()
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !["end", "graph", "subgraph", "flowchart", "class", "classDef", "style", "click"].contains(&id)
    };
    let mut lines = chart.lines();
    if lines.next() != Some("flowchart LR") {
        return Err("the chart must start with `flowchart LR`".into());
    }
    let mut declared = std::collections::HashSet::new();
    for line in lines {
        let statement = line.trim();
        if statement.starts_with("classDef ") || statement == "end" {
            continue;
        }
        let node = statement.strip_prefix("subgraph ").unwrap_or(statement);
        if let Some((id, rest)) = node.split_once("[\"") {
            let (label, tail) = rest.rsplit_once("\"]").ok_or(format!("unclosed label: {line}"))?;
            if !id_ok(id) {
                return Err(format!("bad id {id:?}: {line}"));
            }
            if label.contains('"') || label.replace("<br/>", "").contains(['<', '>']) {
                return Err(format!("a raw quote or tag in a label: {line}"));
            }
            if !(tail.is_empty() || tail.strip_prefix(":::").is_some_and(id_ok)) {
                return Err(format!("bad class: {line}"));
            }
            declared.insert(id.to_string());
        } else if let Some((from, to)) = statement.split_once(" --> ") {
            if !declared.contains(from) || !declared.contains(to) {
                return Err(format!("an edge between undeclared nodes: {line}"));
            }
        } else {
            return Err(format!("not a flowchart statement: {line}"));
        }
    }
    Ok(())
}

#[test]
fn mermaid_keeps_the_flowchart_rules_for_ids_and_labels() {
    let home = tempfile::tempdir().expect("temp dir");
    for (name, snapshot) in sources(home.path()) {
        let (ids, _) = truth(home.path(), snapshot.as_deref());
        for command in ["tree", "probe"] {
            let chart = draw(home.path(), snapshot.as_deref(), &[command, "--format", "mermaid"]);
            if let Err(problem) = check_mermaid(&chart) {
                panic!("{name} {command}: {problem}\n{chart}");
            }
            hostile::assert_inert(&format!("{name} {command} mermaid"), &chart);
            let nodes = chart.lines().filter(|l| l.starts_with("  n_") && l.contains("[\"")).count();
            assert_eq!(nodes, ids.len(), "{name} {command}: one node per root, OU and account");
        }
    }
    assert!(check_mermaid("flowchart LR\n  end[\"x\"]").is_err(), "the checker refuses a keyword id");
    assert!(check_mermaid("flowchart LR\n  a[\"say \"hi\"\"]").is_err(), "and a raw quote");
}

#[test]
fn the_committed_demo_diagram_is_what_the_binary_draws() {
    let home = tempfile::tempdir().expect("temp dir");
    let drawn = draw(home.path(), None, &["probe", "--format", "svg"]);
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-org.svg"))
        .expect("assets/demo-org.svg: regenerate it with `cargo run --quiet -- --demo probe --format svg > assets/demo-org.svg`");
    assert!(
        drawn == committed,
        "assets/demo-org.svg is out of date: `cargo run --quiet -- --demo probe --format svg > assets/demo-org.svg`"
    );
}
