//! Everything that can happen to the app: a user intent from the keymap, or the result of an
//! effect reported back over the app's channel (`X` / `XDone` pairs).

use std::collections::BTreeMap;

use crate::model::{AssignmentAttempt, Org, ProbeOutcome, TempCredentials};
use crate::probe::{CallerContext, ProbeTarget};
use crate::source::{AssignmentProgress, AssignmentQuery, DiscoveryProgress};

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    MoveUp,
    MoveDown,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Collapse,
    Expand,
    Toggle,
    ToggleHelp,
    CloseOverlay,
    Quit,
    /// The terminal changed size (columns, rows).
    Resize(u16, u16),
    Discover,
    DiscoverProgress(DiscoveryProgress),
    DiscoverDone(Result<Org, String>),
    LoadTagsDone {
        account_id: String,
        result: Result<BTreeMap<crate::model::Text, crate::model::Text>, String>,
    },
    /// Re-probe the selection: an account, or every account under an OU or root.
    Probe,
    ProbeResult {
        generation: u64,
        account_id: String,
        outcome: ProbeOutcome,
    },
    ProbeDone {
        generation: u64,
    },
    NextBlocked,
    PreviousBlocked,
    /// Enter: an OU folds or unfolds, an account switches role (exports for the calling shell).
    Activate,
    /// Get credentials for the selected account and use them for `purpose`.
    SwitchRole(Purpose),
    SwitchRoleDone {
        purpose: Purpose,
        account_name: crate::model::Text,
        result: Result<Box<TempCredentials>, Box<ProbeOutcome>>,
    },
    /// A console sign-in URL was made (or could not be).
    ConsoleUrlDone {
        copy: bool,
        result: Result<String, String>,
    },
    /// Copy the template that fixes the selection.
    CopyTemplate,
    /// Tab: the tree or the assignments.
    ToggleView,
    /// `f` in the assignments: failures only, or everything.
    ToggleFailedOnly,
    /// `c`: copy the failure reason (assignments) or the AWS error (tree) exactly.
    CopyReason,
    /// `C`: every failure in view as a Markdown table.
    CopyFailures,
    /// `a`: show the selected attempt's account in the tree.
    JumpToAccount,
    LoadAssignments,
    /// `/`: start typing a filter.
    OpenFilter,
    FilterChar(char),
    FilterBackspace,
    /// Enter while typing: keep the filter.
    FilterAccept,
    /// Esc while typing, or with a filter kept: back to the whole tree and the previous selection.
    FilterCancel,
    /// A mouse click on a row (terminal column, row); `double` for a double click.
    Click {
        column: u16,
        row: u16,
        double: bool,
    },
    /// The mouse wheel: rows to move (negative: up).
    Scroll(isize),
    /// `Y`: copy the selected node's id.
    CopyId,
    /// `A`: copy the selected account's ARN.
    CopyArn,
    AssignmentsProgress(AssignmentProgress),
    AssignmentsDone(Result<Vec<AssignmentAttempt>, String>),
    /// The cache was written (or a warning logged).
    CacheSaved,
    /// An effect's task panicked: the app stops with an error.
    TaskPanicked(String),
    /// Debug builds: start a task that panics (tests only).
    #[cfg(debug_assertions)]
    TestPanic,
    /// A short message for the status bar (a copy landed, a write failed).
    Toast(String),
}

/// What switch-role credentials are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Exit and print exports for the calling shell (Enter).
    Export,
    /// A sub-shell with the credentials; exiting it returns to the TUI (x).
    Shell,
    /// A profile in the shared credentials file (w).
    Profile,
    /// The exports on the clipboard (y).
    Copy,
    /// Open the console in a browser (o).
    Console,
    /// The console sign-in URL on the clipboard (O).
    CopyConsole,
}

/// Work the app asks for; the runner performs it and reports back with an [`Action`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Discover,
    LoadTags(String),
    Probe {
        generation: u64,
        targets: Vec<ProbeTarget>,
        caller: CallerContext,
    },
    SwitchRole {
        purpose: Purpose,
        target: ProbeTarget,
        caller: CallerContext,
    },
    /// Write a profile into the shared credentials file.
    WriteProfile {
        name: String,
        credentials: Box<TempCredentials>,
    },
    /// Make the console sign-in URL; open it in a browser unless `copy`.
    ConsoleUrl {
        credentials: Box<TempCredentials>,
        region: Option<String>,
        copy: bool,
    },
    LoadAssignments(AssignmentQuery),
    /// Save the run for an instant next start.
    SaveCache {
        path: std::path::PathBuf,
        snapshot: Box<crate::model::Snapshot>,
    },
    /// Debug builds: a task that panics (tests only).
    #[cfg(debug_assertions)]
    TestPanic,
    /// Put text on the clipboard; `what` names it in the toast.
    Copy {
        text: String,
        what: String,
    },
}

impl Action {
    /// True for what a user asked for (keys), false for reports from effects.
    pub fn is_user_intent(&self) -> bool {
        !matches!(
            self,
            Action::Resize(..)
                | Action::DiscoverProgress(_)
                | Action::DiscoverDone(_)
                | Action::LoadTagsDone { .. }
                | Action::ProbeResult { .. }
                | Action::ProbeDone { .. }
                | Action::SwitchRoleDone { .. }
                | Action::ConsoleUrlDone { .. }
                | Action::AssignmentsProgress(_)
                | Action::AssignmentsDone(_)
                | Action::CacheSaved
                | Action::TaskPanicked(_)
                | Action::Toast(_)
        )
    }
}
