//! A popup with text the user must read or copy by hand (the clipboard could not be reached, or an
//! error worth more than a toast). Esc closes it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, title: &str, body: &str, scroll: u16, theme: &Theme) {
    // Composed by orgscope from visible parts; this keeps a stray control out all the same.
    let body = crate::text::visible_lines(body);
    let title = crate::text::visible(title);
    let width = (area.width * 9 / 10).max(20).min(area.width);
    let inner_width = width.saturating_sub(2).max(1) as usize;
    let wrapped: usize = body.lines().map(|l| l.chars().count().div_ceil(inner_width).max(1)).sum();
    let height = (wrapped as u16 + 2).min(area.height);
    let [popup] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(popup);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Line::styled(format!(" {title} — ↑↓ scroll, Esc to close "), theme.title()));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(body.as_ref()).block(block).wrap(Wrap { trim: false }).scroll((scroll, 0)),
        popup,
    );
}
