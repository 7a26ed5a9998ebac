//! The assignments view (Tab): the attempts (newest first), the failures-only filter and the
//! list cursor, and what the view's keys do. Filtering is computed here, once per change, never
//! while drawing.

use ratatui::layout::Rect;

use super::cursor::ListCursor;
use super::layout::Layout;
use super::message::{Effect, Intent};
use super::overlay::Overlay;
use super::task::Task;
use super::view::{Context, Reply, Screen};
use crate::model::{AssignmentAttempt, RawText};
use crate::source::AssignmentProgress;

/// Loading state of the assignments.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Loading {
    #[default]
    NotStarted,
    Loading(Task<AssignmentProgress>),
    Loaded,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AssignmentsScreen {
    pub attempts: Vec<AssignmentAttempt>,
    /// Indices into `attempts` of the rows shown.
    pub rows: Vec<usize>,
    pub failed_only: bool,
    pub cursor: ListCursor,
    pub loading: Loading,
}

impl Screen for AssignmentsScreen {
    fn update(&mut self, intent: &Intent, cx: &Context) -> Option<Reply> {
        self.update_intent(intent, cx)
    }

    /// A click on `row`: select it, and open its detail on a double click.
    fn click(&mut self, row: usize, double: bool, cx: &Context) -> Reply {
        self.cursor.select(row, self.rows.len());
        if double { self.update_intent(&Intent::Activate, cx).unwrap_or_default() } else { Reply::default() }
    }

    fn list(&self, layout: &Layout) -> (Rect, usize, ListCursor) {
        (layout.assignments_list(), self.rows.len(), self.cursor)
    }
}

impl AssignmentsScreen {
    pub fn set(&mut self, attempts: Vec<AssignmentAttempt>) {
        let selected_event = self.selected_attempt().map(|a| a.event_id.clone());
        self.attempts = attempts;
        self.rebuild(selected_event.as_ref().map(|e| e.raw()));
    }

    fn rebuild(&mut self, keep: Option<&str>) {
        self.rows =
            (0..self.attempts.len()).filter(|&i| !self.failed_only || self.attempts[i].status.is_failure()).collect();
        let kept = keep.and_then(|id| self.rows.iter().position(|&i| self.attempts[i].event_id == id));
        self.cursor.selected = kept.unwrap_or(0);
        self.cursor.clamp(self.rows.len());
    }

    pub fn toggle_failed_only(&mut self) {
        let keep = self.selected_attempt().map(|a| a.event_id.clone());
        self.failed_only = !self.failed_only;
        self.rebuild(keep.as_ref().map(|e| e.raw()));
        self.cursor.offset = 0;
    }

    pub fn selected_attempt(&self) -> Option<&AssignmentAttempt> {
        self.rows.get(self.cursor.selected).map(|&i| &self.attempts[i])
    }

    /// The rows shown, as attempts.
    pub fn visible(&self) -> impl Iterator<Item = &AssignmentAttempt> {
        self.rows.iter().map(|&i| &self.attempts[i])
    }

    /// The most recent attempts on `account_id`, newest first.
    pub fn for_account<'a>(&'a self, account_id: &'a str) -> impl Iterator<Item = &'a AssignmentAttempt> + 'a {
        self.attempts.iter().filter(move |a| a.account_id.raw() == Some(account_id))
    }

    fn update_intent(&mut self, intent: &Intent, cx: &Context) -> Option<Reply> {
        let height = usize::from(cx.layout.assignments_list().height);
        let page = height.saturating_sub(1).max(1) as isize;
        let len = self.rows.len();
        match intent {
            Intent::MoveUp => self.cursor.move_by(-1, len),
            Intent::MoveDown => self.cursor.move_by(1, len),
            Intent::PageUp => self.cursor.move_by(-page, len),
            Intent::PageDown => self.cursor.move_by(page, len),
            Intent::Top => self.cursor.top(),
            Intent::Bottom => self.cursor.bottom(len),
            Intent::Scroll(delta) => self.cursor.move_by(*delta, len),
            Intent::ToggleFailedOnly => self.toggle_failed_only(),
            Intent::Activate => return self.selected_attempt().map(|attempt| Reply::overlay(detail_popup(attempt))),
            Intent::CopyReason => return Some(self.copy_reason()),
            Intent::CopyFailures => return Some(self.copy_failures()),
            Intent::JumpToAccount => {
                return Some(match self.selected_attempt().and_then(|a| a.account_id.clone()) {
                    Some(id) => Reply { show_account: Some(id.into_raw()), ..Reply::default() },
                    None => Reply::toast("this attempt's account is not in the tree"),
                });
            }
            Intent::Collapse | Intent::Expand | Intent::Toggle | Intent::NextBlocked | Intent::PreviousBlocked => {}
            Intent::Probe | Intent::CopyTemplate | Intent::SwitchRole(_) | Intent::OpenFilter => {
                return Some(Reply::toast("Tab back to the tree for this key"));
            }
            _ => return None,
        }
        self.cursor.scroll_into_view(height);
        Some(Reply::default())
    }

    /// `c`: the selected attempt's failure reason, in its visible form (also from its popup).
    pub fn copy_reason(&self) -> Reply {
        let found = self.selected_attempt().and_then(|a| {
            let reason = a.failure_reason.as_ref()?;
            Some(Effect::copy(reason.to_string(), format!("the failure reason of {}", a.event_id)))
        });
        found.map_or_else(|| Reply::toast("nothing to copy: no failure reason or error here"), Reply::effect)
    }

    fn copy_failures(&self) -> Reply {
        let count = self.visible().filter(|a| a.status.is_failure()).count();
        if count == 0 {
            return Reply::toast("no failure in view");
        }
        Reply::effect(Effect::copy(self.failures_markdown(), format!("{count} failures as a Markdown table")))
    }

    /// Every failure in view as a Markdown table (`C`), every cell in its visible form.
    pub fn failures_markdown(&self) -> String {
        let cell = |text: &str| text.replace('|', "\\|");
        let mut out = String::from(
            "| time | account | permission set | principal | status | reason | request id |\n| --- | --- | --- | --- | --- | --- | --- |\n",
        );
        for a in self.visible().filter(|a| a.status.is_failure()) {
            let time = a.event_time.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default();
            let shown = |text: &Option<crate::model::Text>| text.as_ref().map(|t| t.to_string()).unwrap_or_default();
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                cell(&time),
                cell(&a.account_label().unwrap_or_default()),
                cell(&a.permission_set_label().unwrap_or_default()),
                cell(&a.principal_label().unwrap_or_default()),
                a.status.code(),
                cell(&shown(&a.failure_reason)),
                cell(&shown(&a.request_id)),
            ));
        }
        out
    }
}

/// The popup Enter opens on an attempt.
fn detail_popup(attempt: &AssignmentAttempt) -> Overlay {
    Overlay::Text {
        title: format!("{} attempt {}", attempt.status.code(), attempt.event_id),
        body: detail_text(attempt),
    }
}

/// Everything about one attempt, for the detail popup. Every AWS field is in its visible form.
pub fn detail_text(attempt: &AssignmentAttempt) -> String {
    use crate::model::Text;
    let field = |label: &str, value: Option<String>| format!("{label:<15}{}\n", value.as_deref().unwrap_or("—"));
    let shown = |text: &Option<Text>| text.as_ref().map(Text::to_string);
    let mut out = String::new();
    out.push_str(&field("Status", Some(attempt.status.code().to_string())));
    out.push_str(&field("Time", attempt.event_time.map(|t| t.to_rfc3339())));
    out.push_str(&field("Account", attempt.account_label()));
    out.push_str(&field("Permission set", shown(&attempt.permission_set_name)));
    out.push_str(&field("  ARN", shown(&attempt.permission_set_arn)));
    let principal = attempt.principal_type.as_ref().map(|t| {
        let id = attempt.principal_id.as_ref().map(Text::to_string).unwrap_or_default();
        match &attempt.principal_name {
            Some(name) => format!("{t} {name} ({id})"),
            None => format!("{t} {id}"),
        }
    });
    out.push_str(&field("Principal", principal));
    out.push_str(&field("Actor", shown(&attempt.actor)));
    out.push_str(&field("Request id", shown(&attempt.request_id)));
    out.push_str(&field("Instance", shown(&attempt.instance_arn)));
    out.push_str(&field("Event id", Some(attempt.event_id.to_string())));
    if let Some(code) = &attempt.error_code {
        out.push_str(&field("Error code", Some(code.to_string())));
    }
    if let Some(reason) = &attempt.failure_reason {
        out.push_str(&format!("\nReason (c copies it)\n{reason}\n"));
    }
    if let Some(hint) = &attempt.hint {
        out.push_str(&format!("\nFix\n{hint}\n"));
    }
    if let Some(raw) = &attempt.raw_event {
        // Pretty JSON keeps its own line breaks; every string inside it is made visible.
        let pretty = serde_json::from_str::<serde_json::Value>(raw.raw())
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .map(|pretty| crate::text::visible_lines(&pretty).into_owned())
            .unwrap_or_else(|| raw.to_string());
        out.push_str(&format!("\nCloudTrail event\n{pretty}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AssignmentStatus;

    fn attempt(id: &str, status: AssignmentStatus) -> AssignmentAttempt {
        AssignmentAttempt {
            event_id: id.into(),
            event_time: None,
            actor: None,
            request_id: Some(format!("req-{id}").into()),
            instance_arn: None,
            account_id: Some("2".into()),
            account_name: Some("a|b".into()),
            permission_set_arn: None,
            permission_set_name: Some("PS".into()),
            principal_type: None,
            principal_id: None,
            principal_name: None,
            status,
            failure_reason: Some("reason with | pipe".into()),
            error_code: None,
            hint: None,
            raw_event: None,
        }
    }

    #[test]
    fn failures_only_keeps_the_selection_when_it_can() {
        let mut view = AssignmentsScreen::default();
        view.set(vec![
            attempt("1", AssignmentStatus::Succeeded),
            attempt("2", AssignmentStatus::Failed),
            attempt("3", AssignmentStatus::ApiError),
        ]);
        view.cursor.move_by(1, view.rows.len());
        view.toggle_failed_only();
        assert_eq!(view.rows.len(), 2);
        assert_eq!(view.selected_attempt().map(|a| a.event_id.raw()), Some("2"));
        view.toggle_failed_only();
        assert_eq!(view.rows.len(), 3);
    }

    #[test]
    fn the_markdown_table_escapes_pipes_and_lists_failures_only() {
        let mut view = AssignmentsScreen::default();
        view.set(vec![attempt("1", AssignmentStatus::Succeeded), attempt("2", AssignmentStatus::Failed)]);
        let table = view.failures_markdown();
        assert_eq!(table.lines().count(), 3, "{table}");
        assert!(table.contains("a\\|b (2)") && table.contains("reason with \\| pipe"), "{table}");
    }
}
