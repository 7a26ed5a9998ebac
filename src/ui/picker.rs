//! The principal picker (`P`): the query on top, the best matches below, the chosen one marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::assignments::clip;
use crate::app::picker::{Picker, SHOWN};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, picker: &Picker, theme: &Theme) {
    let height = (SHOWN as u16 + 4).min(area.height);
    let width = (area.width * 9 / 10).clamp(20.min(area.width), 100.min(area.width));
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    let title = format!(
        " Whose reach? {} of {} — type to narrow, ↑↓, Enter picks, Esc ",
        picker.matches.len(),
        picker.candidates.len()
    );
    let block =
        Block::new().borders(Borders::ALL).border_style(theme.border()).title(Line::styled(title, theme.title()));
    let inner_width = usize::from(width.saturating_sub(2));
    let mut lines = vec![Line::from(vec![
        Span::styled("› ", theme.label()),
        Span::raw(crate::text::visible(&picker.query).into_owned()),
        Span::styled("▏", theme.label()),
    ])];
    let rows = usize::from(height.saturating_sub(3));
    let first = picker.selected.saturating_sub(rows.saturating_sub(1));
    for (n, &index) in picker.matches.iter().enumerate().skip(first).take(rows) {
        let selected = n == picker.selected;
        let text =
            clip(&format!("{}{}", if selected { "› " } else { "  " }, picker.candidates[index].label), inner_width);
        let line = Line::raw(text);
        lines.push(if selected { line.style(theme.selected()) } else { line });
    }
    if picker.matches.is_empty() {
        lines.push(Line::styled("  no user or group matches", theme.dim()));
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
