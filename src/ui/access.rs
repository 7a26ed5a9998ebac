//! The access view (Tab): one row per (account, permission set, principal) in the tree's
//! selection, the stale ones in the warning colour. Only the visible rows are drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::assignments::clip;
use crate::app::App;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let view = &app.access;
    let mut filter = if view.stale_only { " · stale only (f)".to_string() } else { String::new() };
    match &view.filter_input {
        Some(typed) => filter.push_str(&format!(" · /{}▏ Enter keeps, Esc clears", crate::text::visible(typed))),
        None if !view.query.is_empty() => {
            filter.push_str(&format!(" · filter \"{}\"", crate::text::visible(&view.query)))
        }
        None => {}
    }
    let title = match (&app.identity.map, &app.identity.error) {
        (Some(_), _) => format!(" Access — {}: {} of {} rows{filter} ", view.scope, view.shown.len(), view.rows.len()),
        (None, Some(error)) => format!(" Access — Identity Center could not be read: {} ", crate::text::visible(error)),
        (None, None) => " Access — reading Identity Center… ".to_string(),
    };
    let block =
        Block::new().borders(Borders::ALL).border_style(theme.border()).title(Line::styled(title, theme.title()));
    let width = area.width.saturating_sub(2) as usize;
    let (account_w, set_w, principal_w) = if width >= 140 { (30, 24, 30) } else { (18, 16, 20) };
    let mut lines = vec![Line::styled(
        clip(
            &format!(
                "  {}  {}  {}  {:<14}  {}",
                clip("account", account_w),
                clip("permission set", set_w),
                clip("principal", principal_w),
                "provisioning",
                "via group"
            ),
            width,
        ),
        theme.label(),
    )];
    let rows = usize::from(app.layout.assignments_list().height);
    for (index, row) in view.visible().enumerate().skip(view.cursor.offset).take(rows) {
        let selected = index == view.cursor.selected;
        let marker = if selected { "› " } else { "  " };
        let principal = format!("{} {}", row.principal_type.word(), row.principal_name);
        let head = format!(
            "{marker}{}  {}  {}  ",
            clip(&row.account_name.to_string(), account_w),
            clip(&row.permission_set_name.to_string(), set_w),
            clip(&principal, principal_w)
        );
        let style = if row.provisioning == "stale" { theme.api_error() } else { theme.reachable() };
        let via = row.via_group.as_ref().map(|v| v.name.to_string()).unwrap_or_default();
        let used = head.chars().count() + 14;
        let mut line = Line::from(vec![
            Span::raw(head),
            Span::styled(format!("{:<14}", row.provisioning), style),
            Span::raw(clip(&format!("  {via}"), width.saturating_sub(used))),
        ]);
        if selected {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if view.shown.is_empty() && app.identity.map.is_some() {
        lines.push(Line::styled(format!("  {}", view.empty_note()), theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
