//! What the app is started with: where the data comes from and everything the command line and
//! the config file chose. Set once, before the first frame.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::keymap::Keymap;
use crate::export::shell::Format;
use crate::model::ProbeOutcome;
use crate::probe::ProbeSettings;
use crate::theme::Theme;

/// How Identity Center is read: its region, the status cache, the window, the access map's cache.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentSettings {
    pub sso_region: Option<String>,
    pub cache_path: Option<PathBuf>,
    pub window: chrono::Duration,
    /// Where the access map is kept, to be refreshed from CloudTrail (None: read whole).
    pub access_cache_path: Option<PathBuf>,
}

impl Default for AssignmentSettings {
    fn default() -> Self {
        AssignmentSettings {
            sso_region: None,
            cache_path: None,
            window: chrono::Duration::days(7),
            access_cache_path: None,
        }
    }
}

/// Where `o`/`O` land and how `o` opens the browser.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConsoleSettings {
    /// A service, a console path or URL (None: the console home).
    pub destination: Option<String>,
    /// The console's region (None: the run's region).
    pub region: Option<String>,
    pub browser: crate::export::browser::Browser,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Where the data comes from ("demo organization", "aws profile prod").
    pub source_label: String,
    pub region: Option<String>,
    /// Probe outcomes known before discovery finished (a snapshot's), applied as accounts appear.
    pub saved_access: BTreeMap<String, ProbeOutcome>,
    /// A saved run's name ("snapshot org.json") when the data cannot reach AWS: switching role and
    /// probing again refuse in one sentence.
    pub saved_run: Option<String>,
    /// When the run on screen was saved (a snapshot's, the demo's): its "now" for windows.
    pub saved_at: Option<chrono::DateTime<chrono::Utc>>,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Roles and external IDs, for the templates `t` copies.
    pub probe: ProbeSettings,
    /// The shell format exports are printed and copied in.
    pub export_format: Format,
    /// How long a copied secret (exports, a sign-in URL) stays on the clipboard.
    pub secret_lifetime: std::time::Duration,
    /// Whether Enter can hand credentials to the calling shell (the shell function's channel, or
    /// a captured stdout); when nothing listens, Enter explains instead of printing the secret.
    pub shell_listens: bool,
    pub assignments: AssignmentSettings,
    /// Where the run is cached for an instant next start (None: no cache).
    pub cache_path: Option<PathBuf>,
    pub console: ConsoleSettings,
    /// Your Identity Center sign-in, when one is available: the portal's roles are read and
    /// Enter on a role-blocked account goes through it.
    pub portal: Option<PortalSettings>,
    /// How long the sessions Enter, `x`, `w`, `y`, `o`, `O` hand out last (`--duration`).
    pub session_seconds: i32,
    /// Whether every account is probed once the organization is read (`probe = "manual"`: only on `p`).
    pub probe_at_start: bool,
}

/// Your own Identity Center sign-in, as the TUI uses it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PortalSettings {
    /// `sso-session corp`, for the status bar and messages.
    pub label: String,
    /// The roles to take, in order of preference, when an account offers several.
    pub preferred: Vec<String>,
}

impl Settings {
    /// The defaults for a source: its label, region and saved verdicts.
    pub fn for_source(source: &dyn crate::source::Source) -> Settings {
        Settings {
            saved_run: source.saved_run(),
            saved_at: source.saved_snapshot().map(|s| s.saved_at),
            ..Settings::new(source.label(), source.region(), source.saved_access())
        }
    }

    /// The one sentence for what needs AWS on a saved run: `doing` is "switch role", "probe again"…
    pub fn refuse_offline(&self, doing: &str) -> Option<String> {
        self.saved_run
            .as_ref()
            .map(|run| format!("{run} is a saved snapshot: run orgscope without --snapshot to {doing}"))
    }

    pub fn new(source_label: String, region: Option<String>, saved_access: BTreeMap<String, ProbeOutcome>) -> Settings {
        Settings {
            source_label,
            region,
            saved_access,
            saved_run: None,
            saved_at: None,
            keymap: Keymap::default(),
            theme: Theme::from_env(),
            probe: ProbeSettings::default(),
            export_format: Format::Sh,
            shell_listens: true,
            secret_lifetime: crate::export::clipboard::SECRET_LIFETIME,
            assignments: AssignmentSettings::default(),
            cache_path: None,
            console: ConsoleSettings::default(),
            portal: None,
            session_seconds: crate::probe::SWITCH_SESSION_SECONDS,
            probe_at_start: true,
        }
    }
}
