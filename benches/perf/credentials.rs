//! Credentials at once, the real binary against the fake endpoint at 20 ms a call: a warm `assume
//! ID --format credential-process` (served from the credential cache) against `orgscope
//! --version`; a cold `assume ID` against the chain floor of the calls it makes; and that cold
//! `assume ID` against the discovery-first path every `assume` took before (a name the cache does
//! not know: the whole organization read, then the role).

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::fake_aws::{FakeAws, FakeOrg, Faults};
use crate::ui::median;
use crate::{Bench, Target};

const BINARY: &str = env!("CARGO_BIN_EXE_orgscope");
const LATENCY: Duration = Duration::from_millis(20);

fn command(home: &Path, url: &str) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("AWS_CONFIG_FILE", home.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDFAKEFAKEFAKE")
        .env("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
        .env("AWS_REGION", "us-east-1")
        .args(["--endpoint-url", url]);
    command
}

fn ran(out: Output, what: &str) -> Output {
    assert!(out.status.success(), "{what}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The median time of `runs` runs of `args`.
fn timed(home: &Path, url: &str, args: &[&str], runs: usize) -> Duration {
    let samples = (0..runs)
        .map(|_| {
            let started = Instant::now();
            ran(command(home, url).args(args).output().expect("orgscope runs"), &args.join(" "));
            started.elapsed()
        })
        .collect();
    median(samples)
}

pub async fn run(bench: &mut Bench) {
    let accounts = bench.size(60, 2_000);
    let runs = bench.size(3, 21);
    println!("\ncredentials: the binary ({BINARY}), {accounts} accounts, {} ms a call", LATENCY.as_millis());
    let org = FakeOrg::generate(accounts, (accounts / 10).max(1), 5);
    let fake = FakeAws::start_with(org.clone(), Faults { latency: LATENCY, ..Faults::default() });
    let url = fake.url();
    let home = tempfile::tempdir().expect("a temp home");
    let target = &org.accounts[accounts / 2];

    // Warm: a session kept by a first run, handed out again.
    ran(
        command(home.path(), &url)
            .args(["assume", &target.id, "--format", "credential-process"])
            .output()
            .expect("runs"),
        "first",
    );
    fake.state().calls.clear();
    let warm = timed(home.path(), &url, &["assume", &target.id, "--format", "credential-process"], runs);
    let warm_calls = fake.state().calls.len();
    let version = timed(home.path(), &url, &["--version"], runs);
    bench.figure(
        "warm `assume ID --format credential-process`, whole process: time / `orgscope --version`",
        format!(
            "{:.1} ms vs {:.1} ms (median of {runs}); {warm_calls} AWS calls",
            warm.as_secs_f64() * 1000.0,
            version.as_secs_f64() * 1000.0
        ),
        warm.as_secs_f64() / version.as_secs_f64(),
        "x",
        Target::AtMost(1.5),
    );
    bench.figure(
        "warm `assume ID`: AWS calls",
        format!("{warm_calls} calls over {runs} runs"),
        warm_calls as f64,
        "",
        Target::AtMost(0.0),
    );

    // Cold: no cache, by id.
    fake.state().calls.clear();
    let cold = timed(home.path(), &url, &["assume", &target.id, "--no-cache", "--format", "json"], runs);
    let cold_calls = fake.state().calls.len() / runs;
    let floor = LATENCY * cold_calls as u32;
    bench.figure(
        "cold `assume ID`: time / the chain floor of its calls",
        format!(
            "{:.1} ms for {cold_calls} calls (GetCallerIdentity, AssumeRole; no Organizations call) vs {:.0} ms",
            cold.as_secs_f64() * 1000.0,
            floor.as_secs_f64() * 1000.0
        ),
        cold.as_secs_f64() / floor.as_secs_f64(),
        "x",
        Target::AtMost(1.3),
    );

    // The path every assume took before: the whole organization first.
    fake.state().calls.clear();
    let discovering =
        timed(home.path(), &url, &["assume", &target.name, "--no-cache", "--format", "json"], runs.min(5));
    let discovering_calls = fake.state().calls.len() / runs.min(5);
    bench.figure(
        &format!("cold `assume ID` / discovery-first (a name not cached, {accounts} accounts)"),
        format!(
            "{:.1} ms vs {:.1} ms ({discovering_calls} calls: the organization read, then the role)",
            cold.as_secs_f64() * 1000.0,
            discovering.as_secs_f64() * 1000.0
        ),
        cold.as_secs_f64() / discovering.as_secs_f64(),
        "x",
        Target::AtMost(0.5),
    );
}
