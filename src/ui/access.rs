//! The access view (Tab): one row per (account, permission set, principal) in the tree's
//! selection with the set's level (coloured by reach) and when its role was last used; orphaned
//! and stale rows marked. Only the visible rows are drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::assignments::clip;
use crate::app::App;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let view = &app.access;
    let mut filter = view.narrowing();
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
    let (account_w, set_w, principal_w) = if width >= 140 { (30, 24, 30) } else { (16, 14, 16) };
    let mut lines = vec![Line::styled(
        clip(
            &format!(
                "  {}  {}  {}  {:<10}  {:<5}  {}",
                clip("account", account_w),
                clip("permission set", set_w),
                clip("principal", principal_w),
                "level",
                "used",
                "notes"
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
        let via = row.via_group.as_ref().map(|v| format!("via {}", v.name)).unwrap_or_default();
        let used = crate::app::access::used_short(row, view.now);
        let taken = head.chars().count() + 10 + 2 + 5 + 2;
        let mut tail = Vec::new();
        if row.orphaned {
            tail.push(Span::styled("orphaned ", theme.blocked()));
        }
        if row.provisioning == "stale" {
            tail.push(Span::styled("stale ", theme.api_error()));
        }
        let marks: usize = tail.iter().map(|s| s.content.chars().count()).sum();
        tail.push(Span::raw(clip(&via, width.saturating_sub(taken + marks))));
        let mut spans = vec![
            Span::raw(head),
            Span::styled(format!("{:<10}", row.level.code()), theme.level(row.level)),
            Span::styled(format!("  {used:<5}  "), theme.dim()),
        ];
        spans.extend(tail);
        let mut line = Line::from(spans);
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
