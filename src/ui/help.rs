//! The `?` overlay: every binding of the keymap, in table order, one per row (a description too
//! long for the width goes on under itself), scrolled with ↑↓ PgUp PgDn at any terminal size.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::App;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (width, rows) = app.help_rows();
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|(keys, text)| Line::from(vec![Span::styled(keys, theme.label()), Span::raw(text)]))
        .collect();
    let height = (lines.len() as u16 + 2).min(area.height);
    let visible = height.saturating_sub(2);
    let most = (lines.len() as u16).saturating_sub(visible);
    let scroll = app.overlay_scroll.min(most);
    let [popup] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(popup);
    let more =
        if most > 0 { format!(" {}–{} of {},", scroll + 1, scroll + visible, lines.len()) } else { String::new() };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Line::styled(format!(" Keys —{more} ↑↓ PgUp PgDn scroll, Esc or ? closes "), theme.title()));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), popup);
}
