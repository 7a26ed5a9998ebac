//! A popup with text the user must read or copy by hand (the clipboard could not be reached, or an
//! error worth more than a toast), or a question to confirm. Esc closes it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::theme::Theme;

/// Draws the popup into `popup` (the layout's rectangle for this body).
/// `keys` says what the keys do, in the title.
pub fn draw(frame: &mut Frame, popup: Rect, title: &str, body: &str, keys: &str, scroll: u16, theme: &Theme) {
    // Composed by orgscope from visible parts; this keeps a stray control out all the same.
    let body = crate::text::visible_lines(body);
    let title = crate::text::visible(title);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Line::styled(format!(" {title} — {keys} "), theme.title()));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(body.as_ref()).block(block).wrap(Wrap { trim: false }).scroll((scroll, 0)),
        popup,
    );
}
