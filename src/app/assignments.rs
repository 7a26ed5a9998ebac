//! The assignments view (Tab): the requests (newest first: assignments created and deleted,
//! permission sets provisioned), the failures-only filter and the list cursor, and what the view's
//! keys do, `R` (retry, behind a confirmation) included. Filtering is computed here, once per
//! change, never while drawing.

use ratatui::layout::Rect;

use super::cursor::ListCursor;
use super::layout::Layout;
use super::message::{Effect, Intent, Job};
use super::overlay::Overlay;
use super::task::Task;
use super::view::{Context, Reply, Screen};
use crate::model::{AssignmentAttempt, AssignmentStatus, Org, RawText, Text};
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
    /// What could not be read (CloudTrail, the status APIs) while the rest was.
    pub unavailable: Vec<Text>,
    /// Rows being retried: their key → the row as it was, restored if the retry cannot be sent.
    pub retrying: Vec<(Text, AssignmentAttempt)>,
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
        let selected = self.selected_attempt().and_then(|a| a.key().cloned());
        self.attempts = attempts;
        self.rebuild(selected.as_ref().map(|e| e.raw()));
    }

    fn rebuild(&mut self, keep: Option<&str>) {
        self.rows =
            (0..self.attempts.len()).filter(|&i| !self.failed_only || self.attempts[i].status.is_failure()).collect();
        let kept = keep.and_then(|id| self.rows.iter().position(|&i| self.attempts[i].key().is_some_and(|k| k == id)));
        self.cursor.selected = kept.unwrap_or(0);
        self.cursor.clamp(self.rows.len());
    }

    pub fn toggle_failed_only(&mut self) {
        let keep = self.selected_attempt().and_then(|a| a.key().cloned());
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
        if self.cursor.follow(intent, self.rows.len(), height) {
            return Some(Reply::default());
        }
        match intent {
            Intent::ToggleFailedOnly => self.toggle_failed_only(),
            Intent::Activate => return self.selected_attempt().map(|attempt| Reply::overlay(detail_popup(attempt))),
            Intent::CopyReason => return Some(self.copy_reason()),
            Intent::CopyFailures => return Some(self.copy_failures()),
            Intent::Retry => return Some(self.confirm_retry(cx)),
            Intent::JumpToAccount => {
                return Some(match self.selected_attempt().and_then(|a| a.account_id.clone()) {
                    Some(id) => Reply { show_account: Some(id.into_raw()), ..Reply::default() },
                    None => Reply::toast("this attempt's account is not in the tree"),
                });
            }
            Intent::Collapse | Intent::Expand | Intent::Toggle | Intent::NextBlocked | Intent::PreviousBlocked => {}
            Intent::Probe | Intent::CopyTemplate | Intent::SwitchRole(_) | Intent::OpenFilter | Intent::Fix => {
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
            let of = a.key().map_or_else(|| "this row".to_string(), |k| k.to_string());
            Some(Effect::copy(reason.to_string(), format!("the failure reason of {of}")))
        });
        found.map_or_else(|| Reply::toast("nothing to copy: no failure reason or error here"), Reply::effect)
    }

    /// `R`: the confirmation popup naming what would be sent again, or why nothing can be.
    fn confirm_retry(&self, cx: &Context) -> Reply {
        let Some(attempt) = self.selected_attempt() else { return Reply::toast("no request selected") };
        if let Err(why) = attempt.retryable() {
            return Reply::toast(why);
        }
        if self.retrying.iter().any(|(key, _)| Some(key) == attempt.key()) {
            return Reply::toast("this request is being retried");
        }
        let job = Job::RetryAssignment {
            attempt: Box::new(attempt.clone()),
            sso_region: cx.settings.assignments.sso_region.clone(),
        };
        Reply::overlay(Overlay::Confirm {
            title: "Retry this request?".into(),
            body: retry_question(attempt),
            job: Box::new(job),
        })
    }

    /// The user confirmed: the row shows IN_PROGRESS until the retry reports.
    pub fn retrying(&mut self, attempt: &AssignmentAttempt) {
        let Some(key) = attempt.key().cloned() else { return };
        if let Some(row) = self.attempts.iter_mut().find(|a| a.key() == Some(&key)) {
            self.retrying.push((key, row.clone()));
            row.status = AssignmentStatus::InProgress;
        }
    }

    /// The retry's outcome replaces the row in place (the selection stays on it); a retry that
    /// could not be sent restores the row. Returns the toast.
    pub fn retried(&mut self, key: &Text, result: Result<Box<AssignmentAttempt>, String>, org: Option<&Org>) -> String {
        let before = self.retrying.iter().position(|(k, _)| k == key).map(|i| self.retrying.remove(i).1);
        let Some(index) = self.attempts.iter().position(|a| a.key() == Some(key)) else {
            return "the retried request is no longer in the list".to_string();
        };
        let selected = self.selected_attempt().and_then(|a| a.key()) == Some(key);
        match result {
            Ok(new) => {
                let mut rows = vec![*new];
                if let Some(org) = org {
                    crate::model::name_accounts(&mut rows, org);
                    crate::remedy::assignment::explain(&mut rows, &org.organization.management_account_id);
                }
                let new = rows.remove(0);
                let toast = match (&new.status, &new.failure_reason) {
                    (AssignmentStatus::Failed | AssignmentStatus::ApiError, Some(reason)) => {
                        format!("the retry {}: {reason}", new.status.code())
                    }
                    (status, _) => format!("the retry {}", status.code()),
                };
                let new_key = new.key().cloned();
                self.attempts[index] = new;
                let keep = if selected { new_key } else { self.selected_attempt().and_then(|a| a.key().cloned()) };
                self.rebuild(keep.as_ref().map(|k| k.raw()));
                toast
            }
            Err(message) => {
                if let Some(before) = before {
                    self.attempts[index] = before;
                }
                format!("the retry could not be sent: {}", crate::text::visible(&message))
            }
        }
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
            "| time | operation | account | permission set | principal | status | reason | request id |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n",
        );
        for a in self.visible().filter(|a| a.status.is_failure()) {
            let time = a.event_time.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default();
            let shown = |text: &Option<crate::model::Text>| text.as_ref().map(|t| t.to_string()).unwrap_or_default();
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                cell(&time),
                a.operation.code(),
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
    let id = attempt.key().map(Text::to_string).unwrap_or_default();
    Overlay::Text {
        title: format!("{} {} {id}", attempt.status.code(), attempt.operation.code()),
        body: detail_text(attempt),
    }
}

/// What `R` asks before it writes: the request, named in full, and what it will do.
fn retry_question(attempt: &AssignmentAttempt) -> String {
    use crate::model::Operation;
    let field = |label: &str, value: Option<String>| format!("{label:<15}{}\n", value.as_deref().unwrap_or("—"));
    let what = match attempt.operation {
        Operation::Create => "CreateAccountAssignment: give the principal the permission set in the account",
        Operation::Delete => "DeleteAccountAssignment: take the permission set from the principal in the account",
        Operation::Provision => "ProvisionPermissionSet: push the permission set's current version to the account",
    };
    let mut out = format!("This writes to AWS. Identity Center is asked again:\n{what}.\n\n");
    out.push_str(&field(
        "Account",
        attempt.account_label().or_else(|| attempt.target_type.as_ref().map(Text::to_string)),
    ));
    out.push_str(&field("Permission set", attempt.permission_set_label()));
    if attempt.operation != Operation::Provision {
        out.push_str(&field("Principal", principal_text(attempt)));
    }
    out.push_str(&field("Failed request", attempt.request_id.as_ref().map(Text::to_string)));
    if let Some(reason) = &attempt.failure_reason {
        out.push_str(&format!("\nIt failed with\n{reason}\n"));
    }
    out.push_str("\nFix the cause first. Enter sends the request and follows it; Esc cancels.\n");
    out
}

/// "GROUP Platform (g-1)": kind, name and id, visible form.
fn principal_text(attempt: &AssignmentAttempt) -> Option<String> {
    attempt.principal_type.as_ref().map(|t| {
        let id = attempt.principal_id.as_ref().map(Text::to_string).unwrap_or_default();
        match &attempt.principal_name {
            Some(name) => format!("{t} {name} ({id})"),
            None => format!("{t} {id}"),
        }
    })
}

/// Everything about one attempt, for the detail popup. Every AWS field is in its visible form.
pub fn detail_text(attempt: &AssignmentAttempt) -> String {
    use crate::model::Text;
    let field = |label: &str, value: Option<String>| format!("{label:<15}{}\n", value.as_deref().unwrap_or("—"));
    let shown = |text: &Option<Text>| text.as_ref().map(Text::to_string);
    let mut out = String::new();
    out.push_str(&field("Status", Some(attempt.status.code().to_string())));
    out.push_str(&field("Operation", Some(attempt.operation.api().to_string())));
    out.push_str(&field("Time", attempt.event_time.map(|t| t.to_rfc3339())));
    out.push_str(&field("Account", attempt.account_label()));
    out.push_str(&field("Permission set", shown(&attempt.permission_set_name)));
    out.push_str(&field("  ARN", shown(&attempt.permission_set_arn)));
    out.push_str(&field("Principal", principal_text(attempt)));
    out.push_str(&field("Actor", shown(&attempt.actor)));
    out.push_str(&field("Request id", shown(&attempt.request_id)));
    out.push_str(&field("Instance", shown(&attempt.instance_arn)));
    out.push_str(&field("Event id", shown(&attempt.event_id)));
    if let Some(code) = &attempt.error_code {
        out.push_str(&field("Error code", Some(code.to_string())));
    }
    if let Some(reason) = &attempt.failure_reason {
        out.push_str(&format!("\nReason (c copies it)\n{reason}\n"));
    }
    if let Some(hint) = &attempt.hint {
        out.push_str(&format!("\nFix\n{hint}\n"));
    }
    if attempt.retryable().is_ok() {
        out.push_str("\nR retries it (asks first)\n");
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

    fn attempt(id: &str, status: AssignmentStatus) -> AssignmentAttempt {
        AssignmentAttempt {
            event_id: Some(id.into()),
            request_id: Some(format!("req-{id}").into()),
            account_id: Some("2".into()),
            account_name: Some("a|b".into()),
            permission_set_name: Some("PS".into()),
            status,
            failure_reason: Some("reason with | pipe".into()),
            ..AssignmentAttempt::empty(crate::model::Operation::Create)
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
        assert_eq!(view.selected_attempt().and_then(|a| a.key()).map(|k| k.raw()), Some("req-2"));
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
