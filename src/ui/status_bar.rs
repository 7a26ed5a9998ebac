//! The bottom two lines: who and where, the counts or the progress, and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::{Activity, App};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut first = Vec::new();
    if let Some(caller) = &app.caller {
        first.push(Span::styled(caller.arn.as_str(), theme.label()));
        first.push(Span::raw(" │ "));
    }
    if let Some(region) = &app.region {
        first.push(Span::raw(region.as_str()));
        first.push(Span::raw(" │ "));
    }
    first.push(Span::styled(app.source_label.as_str(), theme.dim()));
    first.push(Span::raw(" │ "));
    match &app.activity {
        Activity::Discovering(progress) => {
            first.push(Span::styled(
                format!(
                    "discovering… {}/{} OUs listed, {} accounts",
                    progress.parents_listed, progress.parents_known, progress.accounts_found
                ),
                theme.probing(),
            ));
            if progress.throttled > 0 {
                first.push(Span::styled(" (slowed by AWS throttling)", theme.probing()));
            }
        }
        Activity::Failed(_) => first.push(Span::styled("discovery failed", theme.blocked())),
        Activity::Idle => {
            first.push(Span::raw(format!("{} accounts in {} OUs │ ", app.tree.account_count(), app.tree.ou_count())));
            let blocked = app.tree.blocked_count();
            let style = if blocked > 0 { theme.blocked() } else { theme.reachable() };
            first.push(Span::styled(format!("{blocked} blocked"), style));
        }
    }
    let hints: Vec<&str> = app.keymap.hints().collect();
    let second = Line::styled(hints.join("  "), theme.dim());
    frame.render_widget(Paragraph::new(vec![Line::from(first), second]), area);
}
