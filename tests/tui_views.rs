//! Every view at 80×24 and 160×48, in colour and under NO_COLOR, as insta snapshots: the text, then
//! a map of each cell's colour (R red, G green, Y yellow, M magenta, C cyan, B blue, d grey, w other,
//! `.` none; upper case on a background). Under NO_COLOR the map is all `.` and `r` (reversed), and
//! the glyphs alone tell blocked accounts apart.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use orgscope::app::App;
use orgscope::app::settings::PortalSettings;
use orgscope::probe::{ProbeSettings, Prober};
use orgscope::source::portal::Portal;
use orgscope::source::snapshot::{DemoPortal, SnapshotSource};
use orgscope::theme::Theme;
use orgscope::tui::run::run;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};

fn key(code: KeyCode) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(c: char) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)))
}

fn cell_mark(cell: &ratatui::buffer::Cell) -> char {
    let mark = match cell.fg {
        Color::Red | Color::LightRed => 'r',
        Color::Green | Color::LightGreen => 'g',
        Color::Yellow | Color::LightYellow | Color::Rgb(150, 100, 0) => 'y',
        Color::Magenta | Color::LightMagenta => 'm',
        Color::Cyan | Color::LightCyan => 'c',
        Color::Blue | Color::LightBlue => 'b',
        Color::DarkGray | Color::Gray => 'd',
        Color::Reset => '.',
        _ => 'w',
    };
    if cell.modifier.contains(Modifier::REVERSED) {
        return 'R';
    }
    if cell.bg != Color::Reset { mark.to_ascii_uppercase() } else { mark }
}

fn render(buffer: &Buffer) -> String {
    let area = buffer.area;
    let text: Vec<String> = (0..area.height)
        .map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>().trim_end().to_string())
        .collect();
    let marks: Vec<String> = (0..area.height)
        .map(|y| {
            (0..area.width).map(|x| cell_mark(&buffer[(x, y)])).collect::<String>().trim_end_matches('.').to_string()
        })
        .collect();
    format!("{}\n--- colours ---\n{}", text.join("\n"), marks.join("\n"))
}

async fn screen(width: u16, height: u16, color: bool, keys: Vec<std::io::Result<Event>>) -> String {
    let source = Arc::new(SnapshotSource::demo_as_recorded().expect("demo parses"));
    let mut app = App::new(orgscope::app::Settings::for_source(source.as_ref()));
    app.settings.theme = Theme { color, light: false };
    // Signed in as the demo is: its own Identity Center sign-in.
    let portal: Arc<dyn Portal> = Arc::new(DemoPortal::new().expect("the demo's portal"));
    app.settings.portal = Some(PortalSettings { label: portal.label(), preferred: Vec::new() });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    let events = futures::stream::iter(keys).then(|event| async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        event
    });
    let prober = Arc::new(Prober::new(source, ProbeSettings::default()).with_portal(Some(portal)));
    let clipboard = |_: &str, _: bool| orgscope::export::clipboard::Copied { system: true, terminal: false };
    run(&mut terminal, &mut app, prober, Box::pin(events), clipboard).await.expect("the app runs");
    render(terminal.backend().buffer())
}

fn views() -> Vec<(&'static str, Vec<std::io::Result<Event>>)> {
    vec![
        ("tree", vec![key(KeyCode::Char('n'))]),
        ("help", vec![key(KeyCode::Char('?'))]),
        // The help scrolls at any size: a page down shows the rest.
        ("help_scrolled", vec![key(KeyCode::Char('?')), key(KeyCode::PageDown)]),
        ("role_picker", vec![key(KeyCode::Char('n')), key(KeyCode::Enter), key(KeyCode::Char('j'))]),
        (
            "filter",
            vec![key(KeyCode::Char('/')), key(KeyCode::Char('p')), key(KeyCode::Char('a')), key(KeyCode::Char('y'))],
        ),
        ("assignments", vec![key(KeyCode::Tab)]),
        // Ctrl+W erases the last word of the filter (and no chord is typed as a letter).
        ("filter_erase", seq(vec![vec![key(KeyCode::Char('/'))], typed("pay web"), vec![ctrl('w'), ctrl('a')]])),
        ("attempt", vec![key(KeyCode::Tab), key(KeyCode::Enter)]),
        ("retry", vec![key(KeyCode::Tab), key(KeyCode::Char('R'))]),
        // R in the request's popup (which says R retries it) asks at once.
        ("attempt_retry", vec![key(KeyCode::Tab), key(KeyCode::Enter), key(KeyCode::Char('R'))]),
        ("access", vec![key(KeyCode::Tab), key(KeyCode::Tab)]),
        (
            "access_filter",
            seq(vec![vec![key(KeyCode::Tab), key(KeyCode::Tab), key(KeyCode::Char('/'))], typed("data")]),
        ),
        // l: admin reach only (the orphaned assignment marked); l l u: privileged and up, unused.
        ("access_admin", vec![key(KeyCode::Tab), key(KeyCode::Tab), key(KeyCode::Char('l'))]),
        ("access_unused", seq(vec![vec![key(KeyCode::Tab), key(KeyCode::Tab)], typed("llu")])),
        ("picker", seq(vec![vec![key(KeyCode::Char('P'))], typed("jane")])),
        ("principal", seq(vec![vec![key(KeyCode::Char('P'))], typed("jane"), vec![key(KeyCode::Enter)]])),
        (
            "principal_access",
            seq(vec![
                vec![key(KeyCode::Char('P'))],
                typed("jane"),
                vec![key(KeyCode::Enter), key(KeyCode::Tab), key(KeyCode::Tab)],
            ]),
        ),
    ]
}

fn seq(parts: Vec<Vec<std::io::Result<Event>>>) -> Vec<std::io::Result<Event>> {
    parts.into_iter().flatten().collect()
}

fn typed(text: &str) -> Vec<std::io::Result<Event>> {
    text.chars().map(|c| key(KeyCode::Char(c))).collect()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn every_view_at_both_sizes_in_colour_and_without() {
    for (width, height) in [(80u16, 24u16), (160, 48)] {
        for color in [true, false] {
            for (name, keys) in views() {
                let shown = screen(width, height, color, keys).await;
                let mode = if color { "colour" } else { "no_color" };
                if !color {
                    let marks = shown.split("--- colours ---").nth(1).unwrap_or_default();
                    assert!(
                        marks.chars().all(|c| matches!(c, '.' | 'R' | '\n')),
                        "{name} {width}x{height}: NO_COLOR draws no colour"
                    );
                }
                insta::assert_snapshot!(format!("{name}_{width}x{height}_{mode}"), shown);
            }
        }
    }
}
