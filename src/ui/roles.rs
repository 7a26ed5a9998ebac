//! The role picker: the portal roles your Identity Center sign-in holds in an account, the chosen
//! one marked; Enter switches into it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::assignments::clip;
use crate::app::portal::RolePick;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, pick: &RolePick, theme: &Theme) {
    let rows = pick.roles.len().min(usize::from(area.height.saturating_sub(5)).max(1));
    let height = (rows as u16 + 3).min(area.height);
    let title = format!(" {} through Identity Center — ↑↓, Enter switches, Esc ", pick.account_name);
    // As wide as the title, at least 40 columns, at most nine tenths of the screen (and the screen).
    let width = (title.chars().count() as u16 + 4).max(40).min((area.width * 9 / 10).max(1)).min(area.width);
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    let block =
        Block::new().borders(Borders::ALL).border_style(theme.portal()).title(Line::styled(title, theme.title()));
    let inner_width = usize::from(width.saturating_sub(2));
    let mut lines = vec![Line::styled(
        clip(&format!("Which role in {} ({})?", pick.account_name, pick.account_id), inner_width),
        theme.dim(),
    )];
    let first = pick.selected.saturating_sub(rows.saturating_sub(1));
    for (n, role) in pick.roles.iter().enumerate().skip(first).take(rows) {
        let selected = n == pick.selected;
        let line = Line::raw(clip(&format!("{}{role}", if selected { "› " } else { "  " }), inner_width));
        lines.push(if selected { line.style(theme.selected()) } else { line });
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
