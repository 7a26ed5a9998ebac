//! The assignments view (Tab): one row per CreateAccountAssignment attempt, newest first, coloured
//! by status, with the reason AWS gave. Only the visible rows are drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::App;
use crate::app::assignments::Loading;
use crate::model::{AssignmentStatus, Text};
use crate::theme::Theme;

pub fn status_style(status: AssignmentStatus, theme: &Theme) -> Style {
    match status {
        AssignmentStatus::Failed => theme.blocked(),
        AssignmentStatus::InProgress => theme.probing(),
        AssignmentStatus::Succeeded => theme.reachable(),
        AssignmentStatus::ApiError => theme.api_error(),
        AssignmentStatus::Unknown => theme.skipped(),
    }
}

/// `text` padded or cut (with …) to `width` characters.
pub(super) fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        format!("{text:<width$}")
    } else {
        let mut clipped: String = text.chars().take(width.saturating_sub(1)).collect();
        clipped.push('…');
        clipped
    }
}

/// Column widths for `width` columns: (time, account, permission set, principal). Narrow
/// terminals (80 columns) get a short time and narrower names; the detail popup shows all.
fn widths(width: usize) -> (usize, usize, usize, usize) {
    if width >= 150 {
        (16, 28, 20, 22)
    } else if width >= 110 {
        (16, 20, 16, 16)
    } else {
        (11, 14, 12, 12)
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let view = &app.assignments;
    let filter = if view.failed_only { " · failures only (f)" } else { "" };
    // What could not be read, by name in the title ("CloudTrail", "Identity Center's status APIs");
    // the whole sentence was the toast when the rows came.
    let missing: String = view
        .unavailable
        .iter()
        .map(|note| format!(" · {} unavailable", note.raw().split(" could not").next().unwrap_or_default()))
        .collect();
    let title = match &view.loading {
        Loading::Loading(task) => format!(
            " Assignments — loading: {} pages, {} requests, {}/{} described{} ",
            task.progress.pages, task.progress.events, task.progress.described, task.progress.to_describe, filter
        ),
        Loading::Failed(message) => format!(" Assignments — could not be read: {} ", crate::text::visible(message)),
        _ => format!(" Assignments — {} of {} requests{filter}{missing} ", view.rows.len(), view.attempts.len()),
    };
    let block =
        Block::new().borders(Borders::ALL).border_style(theme.border()).title(Line::styled(title, theme.title()));
    let inner_height = area.height.saturating_sub(2) as usize;
    let width = area.width.saturating_sub(2) as usize;
    let (time_w, account_w, set_w, principal_w) = widths(width);
    let mut lines = Vec::with_capacity(inner_height);
    lines.push(Line::styled(
        clip(
            &format!(
                "  {:<time_w$}  {:<11}  {:<9}  {}  {}  {}  {}",
                "time (UTC)",
                "status",
                "operation",
                clip("account", account_w),
                clip("permission set", set_w),
                clip("principal", principal_w),
                "reason"
            ),
            width,
        ),
        theme.label(),
    ));
    let rows = usize::from(app.layout.assignments_list().height);
    for (index, attempt) in view.visible().enumerate().skip(view.cursor.offset).take(rows) {
        let selected = index == view.cursor.selected;
        let marker = if selected { "› " } else { "  " };
        let format = if time_w < 16 { "%m-%d %H:%M" } else { "%Y-%m-%d %H:%M" };
        let time = attempt.event_time.map(|t| t.format(format).to_string()).unwrap_or_else(|| "—".into());
        let account = attempt.account_name.as_ref().or(attempt.account_id.as_ref()).map_or("—".into(), Text::to_string);
        let permission_set = attempt.permission_set_label().unwrap_or_else(|| "—".into());
        let principal =
            attempt.principal_name.as_ref().or(attempt.principal_id.as_ref()).map_or("—".into(), Text::to_string);
        let reason = attempt.failure_reason.as_ref().map(Text::to_string).unwrap_or_default();
        let head = format!("{marker}{time:<time_w$}  ");
        let tail = format!(
            "  {:<9}  {}  {}  {}  {reason}",
            attempt.operation.code(),
            clip(&account, account_w),
            clip(&permission_set, set_w),
            clip(&principal, principal_w)
        );
        let used = head.chars().count() + 11;
        let mut line = Line::from(vec![
            Span::raw(head),
            Span::styled(format!("{:<11}", attempt.status.code()), status_style(attempt.status, theme)),
            Span::raw(clip(&tail, width.saturating_sub(used))),
        ]);
        if selected {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if view.rows.is_empty() && matches!(view.loading, Loading::Loaded) {
        lines.push(Line::styled("  no requests in the window", theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
