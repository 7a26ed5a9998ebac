//! Diagrams of a 2,000-account organization (every tenth account blocked): the time to draw each
//! format against the time to print the same organization as the indented text tree, and the
//! bytes each one takes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use orgscope::diagram::{Diagram, Kind, Verdict};

use crate::{Bench, Target};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// The median time of `rounds` runs of `work`, and what the last one made.
fn time(rounds: usize, mut work: impl FnMut() -> String) -> (Duration, String) {
    let mut out = String::new();
    let samples = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            out = work();
            started.elapsed()
        })
        .collect();
    (median(samples), out)
}

pub async fn run(bench: &mut Bench) {
    let accounts = bench.size(200, 2_000);
    let rounds = bench.size(3, 21);
    println!("\ndiagram: {accounts} accounts in {} OUs five levels deep, every tenth blocked", accounts / 10);
    let org = crate::orgs::discovered(accounts).await;
    let snapshot = crate::orgs::snapshot(&org);
    let verdicts: HashMap<String, Verdict> = snapshot
        .access
        .iter()
        .map(|(id, outcome)| (id.clone(), Verdict { status: outcome.status, reason: outcome.reason }))
        .collect();
    let (text_time, text) = time(rounds, || orgscope::cli::tree::render_text(&org));
    for (name, kind) in [("dot", Kind::Dot), ("mermaid", Kind::Mermaid), ("svg", Kind::Svg)] {
        let (took, out) = time(rounds, || Diagram::new(&org, Some(&verdicts)).render(kind));
        bench.figure(
            &format!("probe --format {name} on {accounts} accounts: time / text tree"),
            format!(
                "{:.2} ms, {} KB vs the text tree {:.2} ms, {} KB",
                took.as_secs_f64() * 1000.0,
                out.len() / 1024,
                text_time.as_secs_f64() * 1000.0,
                text.len() / 1024
            ),
            took.as_secs_f64() / text_time.as_secs_f64().max(1e-9),
            "x",
            Target::AtMost(20.0),
        );
    }
}
