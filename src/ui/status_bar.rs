//! The bottom two lines: who and where, the counts or the progress, and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut first = Vec::new();
    let tree = &app.tree.view;
    match (&app.discovery, &app.discovery_error) {
        (Some(task), _) => {
            let progress = &task.progress;
            first.push(Span::styled(
                format!(
                    "discovering {} {}/{} OUs listed, {} accounts",
                    bar(progress.parents_listed, progress.parents_known, 10),
                    progress.parents_listed,
                    progress.parents_known,
                    progress.accounts_found
                ),
                theme.probing(),
            ));
            if progress.throttled > 0 {
                first.push(Span::styled(" (slowed by AWS throttling)", theme.probing()));
            }
        }
        (None, Some(_)) => first.push(Span::styled("discovery failed", theme.blocked())),
        (None, None) => {
            first.push(Span::raw(format!("{} accounts in {} OUs │ ", tree.account_count(), tree.ou_count())));
            let blocked = tree.blocked_count();
            let style = if blocked > 0 { theme.blocked() } else { theme.reachable() };
            first.push(Span::styled(format!("{blocked} blocked"), style));
            let expected = tree.expected_count();
            if expected > 0 {
                first.push(Span::styled(format!(" + {expected} expected"), theme.dim()));
            }
        }
    }
    if let Some(task) = &app.probing {
        let progress = &task.progress;
        first.push(Span::raw(" │ "));
        let estimate = estimate(task.started.elapsed(), progress.done, progress.total);
        first.push(Span::styled(
            format!(
                "probing {} {}/{}{}",
                bar(progress.done, progress.total, 12),
                progress.done,
                progress.total,
                estimate.unwrap_or_default()
            ),
            theme.probing(),
        ));
    }
    if let crate::app::assignments::Loading::Loading(task) = &app.assignments.loading {
        let p = &task.progress;
        first.push(Span::raw(" │ "));
        let throttled = if p.throttled > 0 { ", slowed by AWS throttling" } else { "" };
        let estimate = estimate(task.started.elapsed(), p.described, p.to_describe).unwrap_or_default();
        first.push(Span::styled(
            format!(
                "assignments {} {} pages, {}/{} described{estimate}{throttled}",
                bar(p.described, p.to_describe.max(1), 8),
                p.pages,
                p.described,
                p.to_describe
            ),
            theme.probing(),
        ));
    }
    if app.settings.portal.is_some() {
        first.push(Span::raw(" │ "));
        let portal = &app.portal;
        let reach = portal.reached();
        let reach = format!("{reach} account{}", if reach == 1 { "" } else { "s" });
        let (text, style) = match (&portal.error, portal.loading) {
            (_, true) => (format!("{} SSO roles… {reach}", crate::theme::PORTAL_GLYPH), theme.probing()),
            (Some(_), false) => (
                format!("{} SSO unavailable (an account's details say why)", crate::theme::PORTAL_GLYPH),
                theme.blocked(),
            ),
            (None, false) => (format!("{} SSO {reach}", crate::theme::PORTAL_GLYPH), theme.portal()),
        };
        first.push(Span::styled(text, style));
    }
    first.push(Span::raw(" │ "));
    first.push(Span::styled(app.settings.source_label.as_str(), theme.dim()));
    if let Some(region) = &app.settings.region {
        first.push(Span::raw(" │ "));
        first.push(Span::raw(region.as_str()));
    }
    if let Some(caller) = app.caller() {
        first.push(Span::raw(" │ "));
        first.push(Span::styled(short_arn(&caller.arn), theme.label()));
    }
    let hints = app.hints();
    let second = match &app.toast {
        Some(toast) => Line::from(vec![
            Span::styled(crate::text::visible(toast), theme.toast()),
            Span::raw("  "),
            Span::styled(hints.join("  "), theme.dim()),
        ]),
        None => Line::styled(hints.join("  "), theme.dim()),
    };
    frame.render_widget(Paragraph::new(vec![Line::from(first), second]), area);
}

/// ", about 40 s left" once enough is done to tell (a second in, something finished).
fn estimate(elapsed: std::time::Duration, done: usize, total: usize) -> Option<String> {
    if done == 0 || done >= total || elapsed < std::time::Duration::from_secs(1) {
        return None;
    }
    let left = elapsed.as_secs_f64() / done as f64 * (total - done) as f64;
    Some(if left < 90.0 {
        format!(", about {} s left", left.ceil() as u64)
    } else {
        format!(", about {} min left", (left / 60.0).ceil() as u64)
    })
}

/// A progress bar `width` cells wide: `▕████░░░░▏`.
fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done.min(total) * width).checked_div(total).unwrap_or(width);
    format!("▕{}{}▏", "█".repeat(filled), "░".repeat(width - filled))
}

/// `arn:aws:sts::111111111111:assumed-role/Role/session` → `111111111111 Role/session`.
fn short_arn(arn: &str) -> String {
    let mut parts = arn.splitn(6, ':');
    let (account, resource) = (parts.nth(4), parts.next());
    match (account, resource) {
        (Some(account), Some(resource)) => {
            let resource = resource.strip_prefix("assumed-role/").unwrap_or(resource);
            format!("{account} {resource}")
        }
        _ => arn.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bar_fills_in_proportion() {
        assert_eq!(super::bar(0, 4, 4), "▕░░░░▏");
        assert_eq!(super::bar(2, 4, 4), "▕██░░▏");
        assert_eq!(super::bar(9, 4, 4), "▕████▏");
    }

    #[test]
    fn the_estimate_appears_once_it_can_be_told() {
        use std::time::Duration;
        assert_eq!(super::estimate(Duration::from_millis(300), 5, 10), None);
        assert_eq!(super::estimate(Duration::from_secs(10), 0, 10), None);
        assert_eq!(super::estimate(Duration::from_secs(10), 5, 10).as_deref(), Some(", about 10 s left"));
        assert_eq!(super::estimate(Duration::from_secs(60), 1, 10).as_deref(), Some(", about 9 min left"));
    }

    #[test]
    fn short_arn_keeps_account_role_and_session() {
        assert_eq!(super::short_arn("arn:aws:sts::111111111111:assumed-role/Admin/jane"), "111111111111 Admin/jane");
        assert_eq!(super::short_arn("arn:aws:iam::1:user/bob"), "1 user/bob");
        assert_eq!(super::short_arn("garbage"), "garbage");
    }
}
