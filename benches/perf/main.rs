//! orgscope's benchmarks: the real source layer against the local fake endpoint (a generated
//! organization, a latency on every call, token-bucket rate limits in AWS's own throttling
//! shapes), the real TUI drawing into ratatui's test backend, and the real binary. Every figure is
//! printed as a ratio against a reference measured in the same run.
//!
//! `cargo bench --bench perf` runs the full figures; `cargo bench --bench perf -- probe ui` runs
//! only the sections named (discovery, probe, causes, assignments, access, portal, scale, ui, startup,
//! diagram, diff, credentials). Without `--bench`
//! (as `cargo test --all-targets` runs it) every section is a quick smoke run on a small
//! organization that proves the harness works; nothing is timed against a threshold there.

#[path = "../../tests/common/fake_aws.rs"]
#[allow(dead_code)]
mod fake_aws;

mod access;
mod assignments;
mod causes;
mod credentials;
mod diagram;
mod diff;
mod discovery;
mod orgs;
mod portal;
mod probe;
mod scale;
mod startup;
mod ui;

use std::time::Duration;

/// What a figure must be to meet its target.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    AtMost(f64),
    AtLeast(f64),
}

impl Target {
    fn met(self, value: f64) -> bool {
        match self {
            Target::AtMost(limit) => value <= limit,
            Target::AtLeast(limit) => value >= limit,
        }
    }

    fn describe(self, unit: &str) -> String {
        match self {
            Target::AtMost(limit) => format!("<= {limit}{unit}"),
            Target::AtLeast(limit) => format!(">= {limit}{unit}"),
        }
    }
}

/// One row of the results table.
pub struct Figure {
    pub name: String,
    /// What was measured, and the reference it is compared with.
    pub measured: String,
    pub value: f64,
    pub unit: &'static str,
    pub target: Target,
}

/// The run's settings and figures.
pub struct Bench {
    /// Full sizes (`cargo bench`) or the smoke run.
    pub full: bool,
    pub figures: Vec<Figure>,
}

impl Bench {
    /// Records and prints a figure.
    pub fn figure(&mut self, name: &str, measured: String, value: f64, unit: &'static str, target: Target) {
        let verdict = if !self.full {
            "smoke"
        } else if target.met(value) {
            "met"
        } else {
            "MISSED"
        };
        println!("  {name}: {measured} -> {value:.3}{unit} (target {}) {verdict}", target.describe(unit));
        self.figures.push(Figure { name: name.to_string(), measured, value, unit, target });
    }

    /// Smoke or full: `(smoke, full)`.
    pub fn size<T>(&self, smoke: T, full: T) -> T {
        if self.full { full } else { smoke }
    }
}

/// Seconds with millisecond precision, for the figures.
pub fn secs(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", duration.as_secs_f64())
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--bench");
    let only: Vec<&str> = args.iter().filter(|a| !a.starts_with('-')).map(String::as_str).collect();
    let wanted = |section: &str| only.is_empty() || only.contains(&section);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let mut bench = Bench { full, figures: Vec::new() };
    println!("orgscope benchmarks ({})", if full { "full" } else { "smoke run" });
    // Each section in this order, when asked for: `if wanted("probe") { block_on(probe::run(..)) }`.
    macro_rules! sections {
        ($($section:ident),*) => {
            $(if wanted(stringify!($section)) {
                runtime.block_on($section::run(&mut bench));
            })*
        };
    }
    sections!(discovery, probe, causes, assignments, access, portal, scale, ui, startup, diagram, diff, credentials);

    println!("\n| figure | measured (reference in the same run) | result | target |");
    println!("|---|---|---|---|");
    for figure in &bench.figures {
        println!(
            "| {} | {} | **{:.2}{}** | {} |",
            figure.name,
            figure.measured,
            figure.value,
            figure.unit,
            figure.target.describe(figure.unit)
        );
    }
    let missed: Vec<&str> = bench.figures.iter().filter(|f| !f.target.met(f.value)).map(|f| f.name.as_str()).collect();
    if full && !missed.is_empty() {
        println!("\nmissed: {}", missed.join(", "));
    }
}
