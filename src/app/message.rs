//! What reaches the app, in two kinds that never mix: an [`Intent`] is what the user asked for (a
//! key through the keymap, the mouse), a [`Report`] is what a task reported back (`X` / `XDone`
//! pairs over the app's one channel). Only intents clear the toast and only intents reach a popup;
//! the keymap can name nothing but an intent. What the app asks for in turn is an [`Effect`].

use std::collections::BTreeMap;

use crate::model::{AssignmentAttempt, Org, ProbeOutcome, TempCredentials, Text};
use crate::probe::{CallerContext, ProbeTarget};
use crate::source::{AssignmentProgress, AssignmentQuery, AssignmentsRead, DiscoveryProgress};

/// What the user asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
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
    /// `r`: discover the organization again.
    Refresh,
    /// Re-probe the selection: an account, or every account under an OU or root.
    Probe,
    NextBlocked,
    PreviousBlocked,
    /// Enter: an OU folds or unfolds, an account switches role (exports for the calling shell).
    Activate,
    /// Get credentials for the selected account and use them for `purpose`.
    SwitchRole(Purpose),
    /// Copy the template that fixes the selection.
    CopyTemplate,
    /// Tab: the next view.
    NextView,
    /// `f` in the assignments: failures only, or everything.
    ToggleFailedOnly,
    /// `l` in the access view: admin only, privileged and above, write and above, every level.
    CycleLevel,
    /// `u` in the access view: only rows not used in 90 days (or never), or every row.
    ToggleUnused,
    /// `c`: copy the failure reason (assignments) or the AWS error (tree).
    CopyReason,
    /// `C`: every failure in view as a Markdown table.
    CopyFailures,
    /// `R` in the assignments: send the selected FAILED request again, after a confirmation.
    Retry,
    /// `F` in the tree: repair the selected blocked account (create its role, or add your account
    /// to its trust), after a confirmation.
    Fix,
    /// `a`: show the selected attempt's account in the tree.
    JumpToAccount,
    /// `/`: start typing a filter.
    OpenFilter,
    FilterChar(char),
    FilterBackspace,
    /// Ctrl+W while typing: erase the last word; Ctrl+U: erase everything.
    FilterErase {
        word: bool,
    },
    /// Enter while typing: keep the filter.
    FilterAccept,
    /// Esc while typing, or with a filter kept: back to the whole tree and the previous selection.
    FilterCancel,
    /// A mouse click on a terminal cell (column, row); `double` for a double click.
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
    /// `P`: pick a user or group, and mark on the tree every account they reach.
    PickPrincipal,
    /// Debug builds: start a task that panics (tests only).
    #[cfg(debug_assertions)]
    TestPanic,
}

/// What a task reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    DiscoverProgress(DiscoveryProgress),
    DiscoverDone(Result<Org, String>),
    LoadTagsDone {
        account_id: String,
        result: Result<BTreeMap<Text, Text>, String>,
    },
    ProbeResult {
        generation: u64,
        account_id: String,
        outcome: ProbeOutcome,
    },
    ProbeDone {
        generation: u64,
    },
    SwitchRoleDone {
        purpose: Purpose,
        account_name: Text,
        result: Result<Box<TempCredentials>, Box<ProbeOutcome>>,
    },
    /// A console sign-in URL was made (or could not be).
    ConsoleUrlDone {
        copy: bool,
        result: Result<String, String>,
    },
    AssignmentsProgress(AssignmentProgress),
    AssignmentsDone(Result<AssignmentsRead, String>),
    /// Identity Center's access map was read (or could not be).
    AccessDone(Result<Box<crate::model::identity::IdentityCenter>, String>),
    /// A retry reached its final status (or could not be sent): `key` is the row it replaces.
    RetryDone {
        key: Text,
        result: Result<Box<AssignmentAttempt>, String>,
    },
    /// A repair was written and the account probed again (or it could not be: why).
    FixDone {
        account_id: String,
        account_name: Text,
        result: Result<Box<ProbeOutcome>, String>,
    },
    /// One account's roles as the portal answered them (your own Identity Center sign-in).
    PortalFound(crate::model::portal::PortalAccount),
    /// The portal's roles were read (or could not be: why, and how to sign in).
    PortalDone(Result<(), String>),
    /// The cache was written (or a warning logged).
    CacheSaved,
    /// An effect's task panicked: the app stops with an error.
    TaskPanicked(String),
    /// A short message for the status bar (a profile written, a write failed).
    Toast(String),
}

/// Everything `App::update` takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Intent(Intent),
    Report(Report),
    /// The terminal changed size (columns, rows): neither asked for nor reported.
    Resize(u16, u16),
}

impl From<Intent> for Message {
    fn from(intent: Intent) -> Message {
        Message::Intent(intent)
    }
}

impl From<Report> for Message {
    fn from(report: Report) -> Message {
        Message::Report(report)
    }
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

/// What the app asks the runner for.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Put text on the clipboard; `what` names it in the toast; `secret` for credentials and
    /// sign-in URLs (kept out of clipboard history, cleared after a while). Done by the loop
    /// itself, between frames (OSC 52 writes to the terminal).
    Copy { text: String, what: String, secret: bool },
    /// Work for a tokio task, which reports back with a [`Report`].
    Run(Job),
}

/// Work a task does.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    Discover,
    LoadTags(String),
    Probe {
        generation: u64,
        targets: Vec<ProbeTarget>,
        caller: CallerContext,
    },
    SwitchRole {
        purpose: Purpose,
        target: Box<ProbeTarget>,
        caller: CallerContext,
        /// The session's length in seconds.
        duration: i32,
    },
    /// Write a profile into the shared credentials file.
    WriteProfile {
        name: String,
        credentials: Box<TempCredentials>,
    },
    /// Make the sign-in URL landing on `destination`; open it in `browser` (named after `account`)
    /// unless `copy`.
    ConsoleUrl {
        credentials: Box<TempCredentials>,
        destination: String,
        copy: bool,
        browser: crate::export::browser::Browser,
        account: String,
    },
    LoadAssignments(AssignmentQuery),
    /// Read the roles your Identity Center sign-in holds in every account.
    LoadPortal,
    /// Credentials through the access portal for `role` in the account.
    PortalSwitch {
        purpose: Purpose,
        account_id: String,
        account_name: Text,
        role: Text,
    },
    /// Read Identity Center's access map (refreshed from its cache when there is one).
    /// The access map, read with ways into `targets` (the probe's) for what it means.
    LoadAccess {
        query: crate::source::AccessQuery,
        targets: Vec<crate::probe::ProbeTarget>,
        caller: Option<crate::probe::CallerContext>,
    },
    /// The one write: send a FAILED request again (the user confirmed it) and follow it.
    RetryAssignment {
        attempt: Box<AssignmentAttempt>,
        sso_region: Option<String>,
    },
    /// Repair a blocked account (the user confirmed `action`): probe it, plan through the
    /// foothold, write only if the plan is still `action`, probe again.
    Fix {
        target: Box<ProbeTarget>,
        caller: CallerContext,
        action: crate::remedy::repair::Action,
    },
    /// Save the run for an instant next start.
    SaveCache {
        path: std::path::PathBuf,
        snapshot: Box<crate::model::Snapshot>,
    },
    /// Debug builds: a task that panics (tests only).
    #[cfg(debug_assertions)]
    TestPanic,
}

impl Effect {
    pub fn copy(text: impl Into<String>, what: impl Into<String>) -> Effect {
        Effect::Copy { text: text.into(), what: what.into(), secret: false }
    }

    /// A copy of a secret: credentials' exports, a console sign-in URL.
    pub fn copy_secret(text: impl Into<String>, what: impl Into<String>) -> Effect {
        Effect::Copy { text: text.into(), what: what.into(), secret: true }
    }
}

/// How many characters at the end of `typed` an erase takes: the last word (and the spaces after
/// it), or everything.
pub fn erase_count(typed: &str, word: bool) -> usize {
    if !word {
        return typed.chars().count();
    }
    let trimmed = typed.trim_end();
    let spaces = typed.chars().count() - trimmed.chars().count();
    spaces + trimmed.chars().rev().take_while(|c| !c.is_whitespace()).count()
}

#[cfg(test)]
mod tests {
    #[test]
    fn erasing_takes_a_word_or_everything() {
        assert_eq!(super::erase_count("payments prod  ", true), 6);
        assert_eq!(super::erase_count("payments", true), 8);
        assert_eq!(super::erase_count("payments prod", false), 13);
        assert_eq!(super::erase_count("", true), 0);
    }
}
