//! A snapshot is as untrusted as AWS, and its size alone does not bound what parsing it costs: a
//! file of millions of tiny tags took 2.97 GB for `probe`. Such a file is refused, clearly, within
//! a memory bound (this file holds one test, so the children's peak is this run's alone).

mod common;

/// The demo's run with `tags` tiny tags on its first account.
fn many_tags(tags: usize) -> String {
    let mut snapshot: serde_json::Value =
        serde_json::from_str(orgscope::source::snapshot::DEMO_JSON).expect("the demo parses");
    let mut first = &mut snapshot["org"]["roots"][0];
    while first["kind"] != "account" {
        first = &mut first["children"][0];
    }
    first["tags"] = serde_json::json!({});
    let text = serde_json::to_string(&snapshot).expect("JSON");
    let mut body = String::with_capacity(tags * 16);
    for n in 0..tags {
        if n > 0 {
            body.push(',');
        }
        body.push_str(&format!("\"k{n}\":\"v\""));
    }
    text.replacen("\"tags\":{}", &format!("\"tags\":{{{body}}}"), 1)
}

#[test]
fn a_snapshot_of_millions_of_tiny_tags_is_refused_within_a_memory_bound() {
    let home = tempfile::tempdir().expect("temp dir");
    let path = home.path().join("tags.json");
    std::fs::write(&path, many_tags(3_000_000)).expect("write");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let output = common::orgscope_command(home.path())
        .args(["--snapshot", &path.display().to_string(), "probe"])
        .output()
        .expect("orgscope runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "refused: {stderr}");
    assert!(stderr.contains("is not an orgscope snapshot") && stderr.contains("values"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one sentence: {stderr}");
    // SAFETY: getrusage fills the struct it is given.
    let peak_kib = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage.ru_maxrss
    };
    let peak_mib = peak_kib / 1024;
    assert!(peak_mib < 200, "peak memory {peak_mib} MiB for a {} MiB file", size / (1024 * 1024));
}
