//! The TUI: the cost of one frame of the tree with 10,000 accounts against the same frame with
//! 100 (same terminal size, every OU unfolded), and a filter keystroke over 10,000 accounts
//! against the same keystroke over 100.

use std::time::{Duration, Instant};

use orgscope::app::Action;
use orgscope::app::App;
use orgscope::model::Org;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::{Bench, Target};

const SIZE: (u16, u16) = (160, 48);

fn app(org: &Org) -> App {
    let mut app = App::new("bench".into(), Some("us-east-1".into()), Default::default());
    app.load_cached(&crate::orgs::snapshot(org));
    app.stale = None;
    app.tree.expand_all();
    app.update(Action::Resize(SIZE.0, SIZE.1));
    // Somewhere in the middle, as a user scrolling would be.
    for _ in 0..app.tree.rows.len() / 2 / 40 {
        app.update(Action::PageDown);
    }
    app
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// The median time of one frame over `batches` batches of `frames` frames, the selection moving
/// a row between frames so that every frame draws something new.
fn frame_cost(app: &mut App, batches: usize, frames: usize) -> Duration {
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("a test terminal");
    let mut samples = Vec::with_capacity(batches);
    for batch in 0..=batches {
        let started = Instant::now();
        for frame in 0..frames {
            let action = if frame % 2 == 0 { Action::MoveDown } else { Action::MoveUp };
            app.update(action);
            terminal.draw(|f| orgscope::ui::draw(f, app)).expect("draw");
        }
        // The first batch warms the caches up.
        if batch > 0 {
            samples.push(started.elapsed() / frames as u32);
        }
    }
    median(samples)
}

/// The median time of one keystroke typing `query` into the filter, `rounds` times over.
fn keystroke(app: &mut App, query: &str, rounds: usize) -> (Duration, usize) {
    let mut samples = Vec::new();
    let mut matches = 0;
    for _ in 0..rounds {
        app.update(Action::OpenFilter);
        for c in query.chars() {
            let started = Instant::now();
            app.update(Action::FilterChar(c));
            samples.push(started.elapsed());
        }
        matches = app.tree.rows.len();
        app.update(Action::FilterCancel);
    }
    (median(samples), matches)
}

pub async fn run(bench: &mut Bench) {
    let large = bench.size(1_000, 10_000);
    println!("\nui: {large} accounts against 100, a {}x{} terminal, every OU unfolded", SIZE.0, SIZE.1);
    let mut small = app(&crate::orgs::discovered(100).await);
    let mut big = app(&crate::orgs::discovered(large).await);
    let (batches, frames) = bench.size((3, 20), (15, 200));
    let small_frame = frame_cost(&mut small, batches, frames);
    let big_frame = frame_cost(&mut big, batches, frames);
    bench.figure(
        &format!("UI: one frame with {large} accounts / with 100"),
        format!("{:.1} µs vs {:.1} µs", big_frame.as_secs_f64() * 1e6, small_frame.as_secs_f64() * 1e6),
        big_frame.as_secs_f64() / small_frame.as_secs_f64(),
        "x",
        Target::AtMost(1.5),
    );

    let rounds = bench.size(2, 20);
    let query = "acct 0042";
    let (small_key, _) = keystroke(&mut small, query, rounds);
    let (big_key, matches) = keystroke(&mut big, query, rounds);
    bench.figure(
        &format!("UI: filter keystroke over {large} accounts (median)"),
        format!(
            "{:.3} ms for \"{query}\" ({matches} rows shown); over 100 accounts {:.3} ms, ratio {:.1}x",
            big_key.as_secs_f64() * 1000.0,
            small_key.as_secs_f64() * 1000.0,
            big_key.as_secs_f64() / small_key.as_secs_f64()
        ),
        big_key.as_secs_f64() * 1000.0,
        " ms",
        Target::AtMost(2.0),
    );
}
