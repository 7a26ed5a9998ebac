//! The `?` overlay: every binding of the keymap, in table order.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::App;
use crate::app::keymap::key_label;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let entries: Vec<(String, &str)> = app
        .settings
        .keymap
        .bindings
        .iter()
        .map(|binding| (binding.keys.iter().map(|&k| key_label(k)).collect::<Vec<_>>().join(" "), binding.description))
        .collect();
    // One column when it fits the height, two side by side otherwise, so no binding is hidden.
    let columns = if entries.len() as u16 + 2 <= area.height { 1 } else { 2 };
    let per_column = entries.len().div_ceil(columns);
    let width = if columns == 1 { 72.min(area.width) } else { area.width.saturating_sub(2).min(150) };
    let column_width = (width.saturating_sub(2) as usize) / columns;
    let cell = |(keys, description): &(String, &str)| {
        let text = format!("{keys:<12}{description}");
        let text: String = text.chars().take(column_width.saturating_sub(1)).collect();
        (format!("{:<12}", keys.chars().take(12).collect::<String>()), text.chars().skip(12).collect::<String>())
    };
    let lines: Vec<Line> = (0..per_column)
        .map(|row| {
            let mut spans = Vec::new();
            for column in 0..columns {
                if let Some(entry) = entries.get(column * per_column + row) {
                    let (keys, description) = cell(entry);
                    let pad = column_width.saturating_sub(12 + description.chars().count());
                    spans.push(Span::styled(keys, theme.label()));
                    spans.push(Span::raw(format!("{description}{}", " ".repeat(pad))));
                }
            }
            Line::from(spans)
        })
        .collect();
    let height = (lines.len() as u16 + 2).min(area.height);
    let [popup] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(popup);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Line::styled(" Keys — Esc or ? to close ", theme.title()));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
