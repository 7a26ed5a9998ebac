//! `orgscope diff` on two 10,000-account runs: the time to compare them against the time to load
//! the two snapshot files it compares.

use std::time::Instant;

use orgscope::model::{Node, Snapshot};

use crate::{Bench, Target};

pub async fn run(bench: &mut Bench) {
    let accounts = bench.size(300, 10_000);
    println!("\ndiff: two runs of {accounts} accounts, a hundredth of them renamed, moved or gone");
    let org = crate::orgs::discovered(accounts).await;
    let old = crate::orgs::snapshot(&org);
    let mut new = old.clone();
    // Every hundredth account renamed; the first OU's accounts moved to the root.
    for (i, account) in new.org.accounts_mut().into_iter().enumerate() {
        if i % 100 == 7 {
            account.name = format!("{}-renamed", account.name.raw()).into();
        }
    }
    if let Some(Node::Ou(first)) = new.org.roots[0].children.first_mut() {
        let moved: Vec<Node> = first.children.drain(..).filter(|n| matches!(n, Node::Account(_))).collect();
        new.org.roots[0].children.extend(moved);
    }
    let (old_json, new_json) = (serde_json::to_string(&old).expect("JSON"), serde_json::to_string(&new).expect("JSON"));
    let rounds = bench.size(3, 11);
    let mut load = Vec::new();
    let mut compare = Vec::new();
    let mut changes = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        let (a, b) = (
            Snapshot::from_json(&old_json, "old").expect("loads"),
            Snapshot::from_json(&new_json, "new").expect("loads"),
        );
        load.push(started.elapsed());
        let started = Instant::now();
        changes = orgscope::diff::diff(&a, &b).expect("one organization").changes.len();
        compare.push(started.elapsed());
    }
    load.sort_unstable();
    compare.sort_unstable();
    let (load, compare) = (load[rounds / 2], compare[rounds / 2]);
    bench.figure(
        &format!("diff of two {accounts}-account runs: time / loading the two snapshots"),
        format!(
            "{:.1} ms for {changes} changes vs {:.1} ms to load both",
            compare.as_secs_f64() * 1000.0,
            load.as_secs_f64() * 1000.0
        ),
        compare.as_secs_f64() / load.as_secs_f64().max(1e-9),
        "x",
        Target::AtMost(2.0),
    );
}
