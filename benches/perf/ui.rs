//! The TUI: the cost of one frame of the tree with 10,000 accounts against the same frame with
//! 100 (same terminal size, every OU unfolded), and a filter keystroke over 10,000 accounts
//! against the same keystroke over 100.

use std::time::{Duration, Instant};

use orgscope::app::App;
use orgscope::app::{Intent, Message, Settings};
use orgscope::model::Org;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::{Bench, Target};

pub const SIZE: (u16, u16) = (160, 48);

fn app(org: &Org) -> App {
    let mut app = App::new(Settings::new("bench".into(), Some("us-east-1".into()), Default::default()));
    app.load_cached(&crate::orgs::snapshot(org));
    app.stale = None;
    app.tree.view.expand_all();
    app.update(Message::Resize(SIZE.0, SIZE.1));
    // Somewhere in the middle, as a user scrolling would be.
    for _ in 0..app.tree.view.rows.len() / 2 / 40 {
        app.update(Intent::PageDown);
    }
    app
}

pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// The median time of one frame over `batches` batches of `frames` frames, the selection moving
/// a row between frames so that every frame draws something new.
pub fn frame_cost(app: &mut App, batches: usize, frames: usize) -> Duration {
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("a test terminal");
    let mut samples = Vec::with_capacity(batches);
    for batch in 0..=batches {
        let started = Instant::now();
        for frame in 0..frames {
            let action = if frame % 2 == 0 { Intent::MoveDown } else { Intent::MoveUp };
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

/// What typing a query costs: the median keystroke, and the slowest keystroke's median with the
/// prefix it completes.
pub struct Typing {
    pub median: Duration,
    pub slowest: (Duration, String),
    /// Rows shown once the whole query is typed.
    pub rows: usize,
}

/// Types `query` into the filter of the view on screen `rounds` times over, timing each
/// keystroke; `shown` counts the rows it leaves.
pub fn keystroke(app: &mut App, query: &str, rounds: usize, shown: fn(&App) -> usize) -> Typing {
    let mut per_key: Vec<Vec<Duration>> = vec![Vec::new(); query.chars().count()];
    let mut rows = 0;
    for _ in 0..rounds {
        app.update(Intent::OpenFilter);
        for (samples, c) in per_key.iter_mut().zip(query.chars()) {
            let started = Instant::now();
            app.update(Intent::FilterChar(c));
            samples.push(started.elapsed());
        }
        rows = shown(app);
        app.update(Intent::FilterCancel);
    }
    let slowest = per_key
        .iter()
        .zip(query.char_indices())
        .map(|(samples, (at, c))| (median(samples.clone()), query[..at + c.len_utf8()].to_string()))
        .max()
        .expect("a query of at least one character");
    Typing { median: median(per_key.concat()), slowest, rows }
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
    let small_key = keystroke(&mut small, query, rounds, |app| app.tree.view.rows.len());
    let big_key = keystroke(&mut big, query, rounds, |app| app.tree.view.rows.len());
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    bench.figure(
        &format!("UI: filter keystroke over {large} accounts (median)"),
        format!(
            "{:.3} ms typing \"{query}\" ({} rows shown; slowest key \"{}\" {:.3} ms); over 100 accounts {:.3} ms",
            ms(big_key.median),
            big_key.rows,
            big_key.slowest.1,
            ms(big_key.slowest.0),
            ms(small_key.median),
        ),
        ms(big_key.median),
        " ms",
        Target::AtMost(2.0),
    );
}
