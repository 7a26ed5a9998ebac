//! The real binary: the time from start to the first frame of the TUI from a cached snapshot of
//! 10,000 accounts (against a cache of 100), that TUI then refreshing the organization live
//! (discovery and the probe of every account) and quitting cleanly, and the peak memory of
//! `orgscope tree --snapshot` on 10,000 accounts (against 100).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use orgscope::export::shell::sh_quote;

use crate::fake_aws::{FakeAws, FakeOrg, Faults};
use crate::{Bench, Target};

const BINARY: &str = env!("CARGO_BIN_EXE_orgscope");

/// Peak resident memory of `orgscope tree --snapshot FILE` in MB. The child's own `ru_maxrss` is
/// not usable from here: Linux carries over the size of the process that forked it, and this one
/// holds the fake endpoint and its organizations. Python (already needed for moto) spawns it
/// instead, without copying itself, and reports the child's peak.
fn tree_peak_memory(snapshot: &Path) -> f64 {
    const MEASURE: &str = "import resource, subprocess, sys\n\
        code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n\
        assert code == 0, f'orgscope tree exited {code}'\n\
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)";
    let out = Command::new("python3")
        .args(["-c", MEASURE, BINARY, "tree", "--snapshot"])
        .arg(snapshot)
        .output()
        .expect("python3 (apt-get install python3)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let kilobytes: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().expect("a number of kilobytes");
    kilobytes / 1024.0
}

/// A tmux server of its own, gone when dropped. Not the tests' `Tmux`: that one starts a shell to
/// type into, and the start-up figure must time orgscope launched as the session's own program.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket, "-f", "/dev/null"]);
        command
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").stderr(Stdio::null()).status();
    }
}

/// Polls `log` until a line contains `needle` or `timeout` passes; the line.
fn wait_for(log: &Path, needle: &str, timeout: Duration) -> Option<String> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if let Ok(text) = std::fs::read_to_string(log)
            && let Some(line) = text.lines().find(|l| l.contains(needle))
        {
            return Some(line.to_string());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    None
}

/// `key=value` from a log line.
fn field(line: &str, key: &str) -> Option<f64> {
    let start = line.find(&format!(" {key}="))? + key.len() + 2;
    line[start..].split_whitespace().next()?.parse().ok()
}

struct Started {
    /// Spawn to the log line, tmux's own start included.
    outside: Duration,
    /// The process's own start to its first frame.
    inside: f64,
    tmux: Tmux,
    log: PathBuf,
    _home: tempfile::TempDir,
}

/// Starts the TUI in tmux against `fake` with `cache` as the cached snapshot; returns once the
/// first frame is drawn.
fn start_tui(fake: &FakeAws, cache: &str, name: &str) -> Started {
    let home = tempfile::tempdir().expect("a temp home");
    let cache_dir = home.path().join("cache");
    std::fs::create_dir_all(cache_dir.join("orgscope")).expect("the cache dir");
    std::fs::write(cache_dir.join("orgscope").join("snapshot-default.json"), cache).expect("the cached snapshot");
    let log = home.path().join("orgscope.log");
    let env = [
        ("HOME", home.path().display().to_string()),
        ("XDG_CACHE_HOME", cache_dir.display().to_string()),
        ("XDG_STATE_HOME", home.path().join("state").display().to_string()),
        ("PATH", std::env::var("PATH").unwrap_or_default()),
        ("TERM", "xterm-256color".to_string()),
        ("AWS_ACCESS_KEY_ID", "AKIDFAKEFAKEFAKE".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "fake-secret-key".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("ORGSCOPE_LOG_FILE", log.display().to_string()),
        ("ORGSCOPE_LOG", "orgscope=info".to_string()),
    ];
    let mut line = String::from("env -i");
    for (key, value) in env {
        line.push_str(&format!(" {key}={}", sh_quote(&value)));
    }
    line.push_str(&format!(" {} --endpoint-url {}", sh_quote(BINARY), sh_quote(&fake.url())));
    let tmux = Tmux { socket: format!("orgscope-bench-{}-{name}", std::process::id()) };
    let started = Instant::now();
    let status = tmux
        .command()
        .args(["new-session", "-d", "-x", "160", "-y", "48", &line])
        .status()
        .expect("tmux (apt-get install tmux)");
    assert!(status.success(), "tmux new-session failed");
    let first = wait_for(&log, "first frame drawn", Duration::from_secs(30)).expect("a first frame within 30 s");
    let outside = started.elapsed();
    let inside = field(&first, "ms").expect("the first frame's ms");
    Started { outside, inside, tmux, log, _home: home }
}

pub async fn run(bench: &mut Bench) {
    let large = bench.size(300, 10_000);
    println!("\nstartup: the binary ({BINARY}) on cached snapshots of {large} and 100 accounts");
    let small_org = crate::orgs::discovered(100).await;
    let big_org = crate::orgs::discovered(large).await;
    let small_snapshot = serde_json::to_string(&crate::orgs::snapshot(&small_org)).expect("encode");
    let big_snapshot = serde_json::to_string(&crate::orgs::snapshot(&big_org)).expect("encode");

    let files = tempfile::tempdir().expect("a temp dir");
    let (small_file, big_file) = (files.path().join("small.json"), files.path().join("big.json"));
    std::fs::write(&small_file, &small_snapshot).expect("write");
    std::fs::write(&big_file, &big_snapshot).expect("write");
    let small_memory = tree_peak_memory(&small_file);
    let big_memory = tree_peak_memory(&big_file);
    bench.figure(
        &format!("`orgscope tree --snapshot` on {large} accounts: peak memory"),
        format!(
            "{big_memory:.1} MB ({:.1} MB snapshot) vs {small_memory:.1} MB on 100 accounts, ratio {:.1}x",
            big_snapshot.len() as f64 / 1e6,
            big_memory / small_memory
        ),
        big_memory,
        " MB",
        Target::AtMost(60.0),
    );

    // The live refresh behind the cached frame is the real thing: discovery and the probe of every
    // account against the fake endpoint, 5 ms a call.
    let faults = Faults { latency: Duration::from_millis(5), ..Faults::default() };
    let small_fake = FakeAws::start_with(FakeOrg::generate(100, 10, 5), faults.clone());
    let big_fake = FakeAws::start_with(FakeOrg::generate(large, large / 10, 5), faults);
    // One at a time: the first one's refresh would otherwise share the CPU with the second's start.
    let small = start_tui(&small_fake, &small_snapshot, "small");
    let small_inside = small.inside;
    drop(small);
    let big = start_tui(&big_fake, &big_snapshot, "big");
    bench.figure(
        &format!("TUI: start to first frame from a cached {large}-account snapshot"),
        format!(
            "{:.1} ms in the process ({:.1} ms from spawning tmux); 100 accounts {:.1} ms, ratio {:.2}x",
            big.inside,
            big.outside.as_secs_f64() * 1000.0,
            small_inside,
            big.inside / small_inside
        ),
        big.outside.as_secs_f64() * 1000.0,
        " ms",
        Target::AtMost(150.0),
    );

    // End to end in the TUI: the refresh finds every account and probes them all, then q quits.
    let discovered = wait_for(&big.log, "discovery finished", Duration::from_secs(300));
    let probed = wait_for(&big.log, "probe finished", Duration::from_secs(600));
    let _ = big.tmux.command().args(["send-keys", "q"]).status();
    let mut gone = false;
    for _ in 0..500 {
        let alive = big.tmux.command().args(["has-session"]).stderr(Stdio::null()).status();
        if alive.map(|s| !s.success()).unwrap_or(true) {
            gone = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let log = std::fs::read_to_string(&big.log).unwrap_or_default();
    let found = discovered.as_deref().and_then(|l| field(l, "accounts")).unwrap_or_default() as usize;
    let probe_seconds = probed.as_deref().and_then(|l| field(l, "seconds")).unwrap_or_default();
    let problems = usize::from(found != large)
        + usize::from(probed.is_none())
        + usize::from(!gone)
        + log.lines().filter(|l| l.contains(" ERROR ") || l.contains("panicked")).count();
    bench.figure(
        &format!("TUI on {large} accounts: live refresh, probe and quit: failures"),
        format!("discovery found {found}, probe of every account {probe_seconds:.1} s, q quit: {gone}"),
        problems as f64,
        "",
        Target::AtMost(0.0),
    );
    assert_eq!(problems, 0, "the TUI at {large} accounts:\n{log}");
}
