//! The TUI's state, and the pure `update` that turns an [`Action`] into new state and
//! [`Effect`]s. The runner ([`run`]) performs effects as tokio tasks that report back as actions.

mod action;
pub mod assignments;
pub mod filter;
pub mod keymap;
pub mod run;
pub mod terminal;
pub mod tree;

use std::collections::BTreeMap;

pub use action::{Action, Effect, Purpose};
use ratatui::crossterm::event::KeyEvent;

use self::keymap::Keymap;
use self::tree::TreeView;
use crate::export::shell::Format;
use crate::model::{AccessState, Caller, Org, OrgInfo, ProbeOutcome, Reason, TempCredentials, Text};
use crate::probe::{CallerContext, ProbeSettings};
use crate::remedy::{Template, TemplateValues};
use crate::source::DiscoveryProgress;
use crate::theme::Theme;

/// What the app is busy with, for the status bar.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Activity {
    #[default]
    Idle,
    Discovering(DiscoveryProgress),
    /// The last discovery failed; the message says what to do.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// Text to read or copy by hand.
    Text {
        title: String,
        body: String,
    },
}

/// Which view has the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Tree,
    Assignments,
}

/// How the assignments are read: Identity Center's region, the status cache, the window.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentSettings {
    pub sso_region: Option<String>,
    pub cache_path: Option<std::path::PathBuf>,
    pub window: chrono::Duration,
}

impl Default for AssignmentSettings {
    fn default() -> Self {
        AssignmentSettings { sso_region: None, cache_path: None, window: chrono::Duration::days(7) }
    }
}

/// How far the running probe has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProbeProgress {
    pub generation: u64,
    pub done: usize,
    pub total: usize,
}

/// Why the app stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// Print these credentials' exports on stdout (Enter on an account).
    Export(Box<TempCredentials>),
    /// Run a sub-shell with these credentials, then come back.
    SubShell(Box<TempCredentials>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub keymap: Keymap,
    pub theme: Theme,
    /// Where the data comes from ("demo organization", "aws profile prod").
    pub source_label: String,
    pub region: Option<String>,
    pub tree: TreeView,
    /// Probe outcomes known before discovery finished (a snapshot's), applied as accounts appear.
    saved_access: BTreeMap<String, ProbeOutcome>,
    pub activity: Activity,
    /// The probe in flight, if any.
    pub probing: Option<ProbeProgress>,
    probe_generation: u64,
    /// Roles and external IDs, for the templates `t` copies.
    pub probe_settings: ProbeSettings,
    /// A short message shown until the next key.
    pub toast: Option<String>,
    /// The shell format exports are printed and copied in.
    pub export_format: Format,
    pub view: View,
    pub assignments: assignments::AssignmentsView,
    pub assignment_settings: AssignmentSettings,
    /// How far the text popup is scrolled.
    pub overlay_scroll: u16,
    /// The filter being typed (Some while typing).
    pub filter_input: Option<String>,
    /// The selection before the filter, restored by Esc.
    filter_restore: Option<String>,
    /// The results of the shorter queries typed before this one, so backspace steps back
    /// without searching again.
    filter_history: Vec<filter::FilterResult>,
    /// The age of the cached snapshot on screen while a refresh runs ("4 min ago").
    pub stale: Option<String>,
    /// The organization as last discovered, for the cache.
    pub org: Option<Org>,
    /// Where the run is cached for an instant next start (None: no cache).
    pub cache_path: Option<std::path::PathBuf>,
    /// The probe of everything that discovery started; its end saves the cache.
    full_probe: u64,
    /// Accounts whose tags were asked for.
    tags_requested: std::collections::HashSet<String>,
    /// When the running probe started, for its estimate.
    pub probe_started: Option<std::time::Instant>,
    /// When reading the assignments started, for its estimate.
    pub assignments_started: Option<std::time::Instant>,
    /// The last click (row, when), to tell a double click.
    last_click: Option<(usize, std::time::Instant)>,
    /// When the credentials handed out for an account expire, for the detail pane.
    pub sessions: BTreeMap<String, chrono::DateTime<chrono::Utc>>,
    pub overlay: Option<Overlay>,
    /// Terminal size (columns, rows), for paging and scrolling.
    pub size: (u16, u16),
    pub exit: Option<Exit>,
}

impl App {
    pub fn new(source_label: String, region: Option<String>, saved_access: BTreeMap<String, ProbeOutcome>) -> App {
        App {
            keymap: Keymap::default(),
            theme: Theme::from_env(),
            source_label,
            region,
            tree: TreeView::default(),
            saved_access,
            activity: Activity::Idle,
            probing: None,
            probe_generation: 0,
            probe_settings: ProbeSettings::default(),
            toast: None,
            export_format: Format::Sh,
            sessions: BTreeMap::new(),
            view: View::Tree,
            assignments: assignments::AssignmentsView::default(),
            assignment_settings: AssignmentSettings::default(),
            overlay_scroll: 0,
            filter_input: None,
            filter_restore: None,
            filter_history: Vec::new(),
            stale: None,
            last_click: None,
            tags_requested: Default::default(),
            probe_started: None,
            assignments_started: None,
            org: None,
            cache_path: None,
            full_probe: 0,
            overlay: None,
            size: (80, 24),
            exit: None,
        }
    }

    /// The effects to run when the app starts.
    pub fn start(&mut self) -> Vec<Effect> {
        // Coming back from a sub-shell the tree is there already; a cached one is refreshed.
        if !self.tree.nodes.is_empty() && self.stale.is_none() {
            return Vec::new();
        }
        self.update(Action::Discover)
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match self.keymap.action_for(key) {
            Some(action) => self.update(action),
            None => Vec::new(),
        }
    }

    /// Rows the tree pane shows at the current size.
    fn tree_height(&self) -> usize {
        crate::ui::tree_rows(self.size)
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if action.is_user_intent() {
            self.toast = None;
        }
        // A popup takes the keys: the close keys close it, every other key waits.
        if self.overlay.is_some() && action.is_user_intent() {
            let page = self.size.1.saturating_sub(6).max(1);
            match action {
                Action::ToggleHelp | Action::CloseOverlay | Action::Quit => {
                    self.overlay = None;
                    self.overlay_scroll = 0;
                }
                Action::MoveDown => self.overlay_scroll = self.overlay_scroll.saturating_add(1),
                Action::MoveUp => self.overlay_scroll = self.overlay_scroll.saturating_sub(1),
                Action::PageDown => self.overlay_scroll = self.overlay_scroll.saturating_add(page),
                Action::PageUp => self.overlay_scroll = self.overlay_scroll.saturating_sub(page),
                Action::Top => self.overlay_scroll = 0,
                // `c` in an attempt's popup still copies its reason.
                Action::CopyReason if self.view == View::Assignments => return self.copy_reason(),
                _ => {}
            }
            return Vec::new();
        }
        if self.view == View::Assignments
            && let Some(effects) = self.update_assignments(&action)
        {
            return effects;
        }
        let page = self.tree_height().saturating_sub(1).max(1) as isize;
        match action {
            Action::MoveUp => self.navigate(|tree| tree.move_by(-1)),
            Action::MoveDown => self.navigate(|tree| tree.move_by(1)),
            Action::PageUp => self.navigate(|tree| tree.move_by(-page)),
            Action::PageDown => self.navigate(|tree| tree.move_by(page)),
            Action::Top => self.navigate(TreeView::select_first),
            Action::Bottom => self.navigate(TreeView::select_last),
            Action::Collapse => self.navigate(TreeView::collapse),
            Action::Expand => self.navigate(TreeView::expand),
            Action::Toggle => self.navigate(TreeView::toggle),
            Action::ToggleHelp => {
                self.overlay = Some(Overlay::Help);
                Vec::new()
            }
            Action::CloseOverlay => {
                if self.tree.filter.is_some() {
                    self.clear_filter();
                }
                Vec::new()
            }
            Action::Quit => {
                self.exit = Some(Exit::Quit);
                Vec::new()
            }
            Action::Resize(columns, rows) => {
                self.size = (columns, rows);
                self.tree.scroll_into_view(self.tree_height());
                Vec::new()
            }
            Action::Discover => {
                if matches!(self.activity, Activity::Discovering(_)) {
                    return Vec::new();
                }
                self.activity = Activity::Discovering(DiscoveryProgress::default());
                vec![Effect::Discover]
            }
            Action::DiscoverProgress(progress) => {
                if let Activity::Discovering(current) = &mut self.activity {
                    *current = progress;
                }
                Vec::new()
            }
            Action::DiscoverDone(Ok(org)) => {
                self.load_org(&org);
                self.activity = Activity::Idle;
                self.stale = None;
                let mut effects = self.start_probe(self.tree.all_probe_targets());
                self.full_probe = self.probe_generation;
                effects.extend(self.update(Action::LoadAssignments));
                effects
            }
            Action::ToggleView => {
                self.view = match self.view {
                    View::Tree => View::Assignments,
                    View::Assignments => View::Tree,
                };
                Vec::new()
            }
            Action::CopyReason => self.copy_reason(),
            Action::OpenFilter => {
                if self.filter_restore.is_none() {
                    self.filter_restore = self.tree.selected_node().map(|n| n.id.clone());
                }
                self.filter_input = Some(self.tree.filter.as_ref().map(|f| f.query.clone()).unwrap_or_default());
                // Built now rather than on the first keystroke.
                self.tree.search_index();
                Vec::new()
            }
            Action::FilterChar(c) => {
                if let Some(query) = &mut self.filter_input {
                    query.push(c);
                    let query = query.clone();
                    let previous = self.tree.filter.take();
                    self.apply_filter(&query, previous.as_ref());
                    self.filter_history.extend(previous);
                }
                Vec::new()
            }
            Action::FilterBackspace => {
                if let Some(query) = &mut self.filter_input {
                    query.pop();
                    let query = query.clone();
                    match self.filter_history.pop() {
                        Some(earlier) if earlier.query == query && earlier.revision() == self.tree.revision() => {
                            self.tree.set_filter(Some(earlier));
                            self.tree.scroll_into_view(self.tree_height());
                        }
                        _ => {
                            self.filter_history.clear();
                            self.apply_filter(&query, None);
                        }
                    }
                }
                Vec::new()
            }
            Action::FilterAccept => {
                self.filter_input = None;
                if self.tree.filter.as_ref().is_some_and(|f| f.query.trim().is_empty()) {
                    self.clear_filter();
                }
                Vec::new()
            }
            Action::FilterCancel => {
                self.clear_filter();
                Vec::new()
            }
            Action::Click { column, row, double } => self.click(column, row, double),
            Action::Scroll(delta) => self.navigate(|tree| tree.move_by(delta)),
            Action::CopyId => match self.tree.selected_node() {
                Some(node) => vec![Effect::Copy { text: node.id.clone(), what: format!("the id of {}", node.name) }],
                None => Vec::new(),
            },
            Action::CopyArn => {
                let arn = self.tree.selected_node().and_then(|node| {
                    let (account, _) = node.account()?;
                    let org = self.org.as_ref()?;
                    let partition = CallerContext::of(org).partition().to_string();
                    let info = &org.organization;
                    Some((
                        format!(
                            "arn:{partition}:organizations::{}:account/{}/{}",
                            info.management_account_id, info.id, account.id
                        ),
                        account.name.clone(),
                    ))
                });
                match arn {
                    Some((arn, name)) => vec![Effect::Copy { text: arn, what: format!("the ARN of {name}") }],
                    None => {
                        self.toast = Some("select an account to copy its ARN".to_string());
                        Vec::new()
                    }
                }
            }
            Action::ToggleFailedOnly | Action::CopyFailures | Action::JumpToAccount => {
                self.toast = Some("Tab opens the assignments, where this key works".to_string());
                Vec::new()
            }
            Action::LoadAssignments => {
                if matches!(self.assignments.loading, assignments::Loading::Loading(_)) {
                    return Vec::new();
                }
                let now = chrono::Utc::now();
                let query = crate::source::AssignmentQuery {
                    start: now - self.assignment_settings.window,
                    end: now,
                    sso_region: self.assignment_settings.sso_region.clone(),
                    cache_path: self.assignment_settings.cache_path.clone(),
                };
                self.assignments.loading = assignments::Loading::Loading(Default::default());
                self.assignments_started = Some(std::time::Instant::now());
                vec![Effect::LoadAssignments(query)]
            }
            Action::AssignmentsProgress(progress) => {
                if let assignments::Loading::Loading(current) = &mut self.assignments.loading {
                    *current = progress;
                }
                Vec::new()
            }
            Action::AssignmentsDone(Ok(mut attempts)) => {
                if let Some(org) = &self.org {
                    crate::model::name_accounts(&mut attempts, org);
                    crate::remedy::assignment::explain(&mut attempts, &org.organization.management_account_id);
                }
                self.assignments.set(attempts);
                self.assignments.loading = assignments::Loading::Loaded;
                Vec::new()
            }
            Action::AssignmentsDone(Err(message)) => {
                self.assignments.loading = assignments::Loading::Failed(message);
                Vec::new()
            }
            Action::Probe => {
                let targets = self.tree.selected_index().map(|i| self.tree.probe_targets(i)).unwrap_or_default();
                self.start_probe(targets)
            }
            Action::ProbeResult { generation, account_id, outcome } => {
                self.tree.set_access(&account_id, AccessState::Probed(outcome));
                if let Some(progress) = self.probing.as_mut().filter(|p| p.generation == generation) {
                    progress.done += 1;
                }
                Vec::new()
            }
            Action::ProbeDone { generation } => {
                if self.probing.is_some_and(|p| p.generation == generation) {
                    self.probing = None;
                }
                let seconds = self.probe_started.map(|s| s.elapsed().as_secs_f64());
                let (accounts, blocked) = (self.tree.account_count(), self.tree.blocked_count());
                tracing::info!(generation, accounts, blocked, seconds, "probe finished");
                match (&self.cache_path, generation == self.full_probe) {
                    (Some(path), true) => match self.snapshot() {
                        Some(snapshot) => vec![Effect::SaveCache { path: path.clone(), snapshot: Box::new(snapshot) }],
                        None => Vec::new(),
                    },
                    _ => Vec::new(),
                }
            }
            Action::NextBlocked | Action::PreviousBlocked => {
                let forward = action == Action::NextBlocked;
                if !self.tree.select_blocked(forward) {
                    self.toast = Some("no blocked account".to_string());
                }
                self.tree.scroll_into_view(self.tree_height());
                self.lazy_tags()
            }
            Action::CopyTemplate => self.copy_template(),
            Action::Activate => match self.tree.selected_node() {
                Some(node) if node.is_container() => self.navigate(TreeView::toggle),
                Some(_) => self.update(Action::SwitchRole(Purpose::Export)),
                None => Vec::new(),
            },
            Action::SwitchRole(purpose) => self.switch_role(purpose),
            Action::SwitchRoleDone { purpose, account_name, result } => {
                self.switch_role_done(purpose, account_name, result)
            }
            Action::ConsoleUrlDone { copy, result } => match result {
                Ok(url) if copy => vec![Effect::Copy { text: url, what: "the console sign-in URL".to_string() }],
                Ok(_) => {
                    self.toast = Some("opened the AWS console in your browser".to_string());
                    Vec::new()
                }
                Err(message) => {
                    self.toast = Some(message);
                    Vec::new()
                }
            },
            Action::CacheSaved | Action::TaskPanicked(_) => Vec::new(),
            #[cfg(debug_assertions)]
            Action::TestPanic => vec![Effect::TestPanic],
            Action::Toast(message) => {
                self.toast = Some(message);
                Vec::new()
            }
            Action::DiscoverDone(Err(message)) => {
                // Shown in a popup that Esc dismisses; a cached tree stays on screen behind it.
                self.overlay = Some(Overlay::Text {
                    title: "The organization could not be read".to_string(),
                    body: message.clone(),
                });
                self.activity = Activity::Failed(message);
                Vec::new()
            }
            Action::LoadTagsDone { account_id, result: Ok(tags) } => {
                self.tree.set_tags(&account_id, tags);
                Vec::new()
            }
            Action::LoadTagsDone { account_id, result: Err(message) } => {
                tracing::warn!(%account_id, %message, "tags could not be read");
                // Let a later selection try again.
                self.tags_requested.remove(&account_id);
                Vec::new()
            }
        }
    }

    fn apply_filter(&mut self, query: &str, previous: Option<&filter::FilterResult>) {
        let result = if query.trim().is_empty() { None } else { Some(filter::apply(&self.tree, query, previous)) };
        self.tree.set_filter(result);
        self.tree.scroll_into_view(self.tree_height());
    }

    /// Back to the whole tree, with the selection from before the filter (or the filtered one,
    /// if the user moved onto something).
    fn clear_filter(&mut self) {
        self.filter_input = None;
        self.filter_history.clear();
        let kept = self.tree.selected_node().map(|n| n.id.clone());
        self.tree.set_filter(None);
        if let Some(id) = self.filter_restore.take().or(kept) {
            self.tree.select_id(&id);
        }
        self.tree.scroll_into_view(self.tree_height());
    }

    fn click(&mut self, column: u16, row: u16, double: bool) -> Vec<Effect> {
        let Some(index) = crate::ui::row_at(self, column, row) else { return Vec::new() };
        let now = std::time::Instant::now();
        let double = double
            || self.last_click.is_some_and(|(last, at)| last == index && now.duration_since(at).as_millis() < 400);
        self.last_click = Some((index, now));
        match self.view {
            View::Tree => {
                self.tree.selected = index;
                if double {
                    self.tree.toggle();
                }
                self.tree.scroll_into_view(self.tree_height());
                self.lazy_tags()
            }
            View::Assignments => {
                self.assignments.selected = index;
                if double { self.update(Action::Activate) } else { Vec::new() }
            }
        }
    }

    /// Keys that mean something else in the assignments view. None: the common handling applies.
    fn update_assignments(&mut self, action: &Action) -> Option<Vec<Effect>> {
        let height = crate::ui::tree_rows(self.size).saturating_sub(1).max(1);
        let page = height.saturating_sub(1).max(1) as isize;
        let view = &mut self.assignments;
        match action {
            Action::MoveUp => view.move_by(-1),
            Action::MoveDown => view.move_by(1),
            Action::PageUp => view.move_by(-page),
            Action::PageDown => view.move_by(page),
            Action::Top => view.selected = 0,
            Action::Bottom => view.select_last(),
            Action::ToggleFailedOnly => view.toggle_failed_only(),
            Action::Activate => {
                let attempt = view.selected_attempt()?;
                self.overlay = Some(Overlay::Text {
                    title: format!("{} attempt {}", attempt.status.code(), attempt.event_id),
                    body: assignments::AssignmentsView::detail_text(attempt),
                });
                self.overlay_scroll = 0;
                return Some(Vec::new());
            }
            Action::CopyFailures => {
                let count = view.visible().filter(|a| a.status.is_failure()).count();
                if count == 0 {
                    self.toast = Some("no failure in view".to_string());
                    return Some(Vec::new());
                }
                let text = view.failures_markdown();
                return Some(vec![Effect::Copy { text, what: format!("{count} failures as a Markdown table") }]);
            }
            Action::JumpToAccount => {
                let id = view.selected_attempt().and_then(|a| a.account_id.clone());
                match id {
                    Some(id) if self.tree.select_id(id.raw()) => {
                        self.tree.scroll_into_view(self.tree_height());
                        self.view = View::Tree;
                    }
                    _ => self.toast = Some("this attempt's account is not in the tree".to_string()),
                }
                return Some(Vec::new());
            }
            Action::Scroll(delta) => view.move_by(*delta),
            Action::Collapse | Action::Expand | Action::Toggle | Action::NextBlocked | Action::PreviousBlocked => {}
            Action::Probe | Action::CopyTemplate | Action::SwitchRole(_) => {
                self.toast = Some("Tab back to the tree for this key".to_string());
                return Some(Vec::new());
            }
            _ => return None,
        }
        view.scroll_into_view(height);
        Some(Vec::new())
    }

    /// `c`: the selected attempt's failure reason, or the selected account's AWS error.
    fn copy_reason(&mut self) -> Vec<Effect> {
        let found = match self.view {
            View::Assignments => self
                .assignments
                .selected_attempt()
                .and_then(|a| a.failure_reason.clone().map(|r| (r, format!("the failure reason of {}", a.event_id)))),
            View::Tree => self.tree.selected_node().and_then(|node| {
                let (account, access) = node.account()?;
                let message = access.outcome()?.message.clone()?;
                Some((message, format!("the AWS error for {}", account.name)))
            }),
        };
        match found {
            // The visible form: a reason or message may hold escape sequences meant for a terminal.
            Some((text, what)) => vec![Effect::Copy { text: text.to_string(), what }],
            None => {
                self.toast = Some("nothing to copy: no failure reason or error here".to_string());
                Vec::new()
            }
        }
    }

    fn switch_role(&mut self, purpose: Purpose) -> Vec<Effect> {
        let Some(index) = self.tree.selected_index() else { return Vec::new() };
        if self.tree.nodes[index].is_container() {
            self.toast = Some("select an account to switch role".to_string());
            return Vec::new();
        }
        let Some(caller) = self.org.as_ref().map(CallerContext::of) else { return Vec::new() };
        let Some(target) = self.tree.probe_targets(index).into_iter().next() else { return Vec::new() };
        self.toast = Some(format!("switching role into {}…", target.account.name));
        vec![Effect::SwitchRole { purpose, target, caller }]
    }

    fn switch_role_done(
        &mut self,
        purpose: Purpose,
        account_name: Text,
        result: Result<Box<TempCredentials>, Box<ProbeOutcome>>,
    ) -> Vec<Effect> {
        let credentials = match result {
            Ok(credentials) => {
                self.sessions.insert(credentials.account_id.clone(), credentials.expiration);
                credentials
            }
            Err(outcome) => {
                let reason = outcome.reason.map(|r| r.code()).unwrap_or("unknown");
                let hint = outcome.hint.as_ref().map(Text::to_string).unwrap_or_default();
                self.toast = Some(if outcome.reason == Some(Reason::CallerAccount) {
                    format!("you are signed in to {account_name} already: no role is needed")
                } else {
                    format!("{account_name} is {}: {reason}. {hint}", outcome.status.code())
                });
                return Vec::new();
            }
        };
        match purpose {
            Purpose::Export => self.exit = Some(Exit::Export(credentials)),
            Purpose::Shell => self.exit = Some(Exit::SubShell(credentials)),
            Purpose::Profile => {
                return vec![Effect::WriteProfile { name: profile_name(account_name.raw()), credentials }];
            }
            Purpose::Copy => {
                return match crate::export::shell::render(&credentials, self.region.as_deref(), self.export_format) {
                    Ok(text) => vec![Effect::Copy { text, what: format!("the exports for {account_name}") }],
                    Err(err) => {
                        self.toast = Some(err.to_string());
                        Vec::new()
                    }
                };
            }
            Purpose::Console | Purpose::CopyConsole => {
                return vec![Effect::ConsoleUrl {
                    credentials,
                    region: self.region.clone(),
                    copy: purpose == Purpose::CopyConsole,
                }];
            }
        }
        Vec::new()
    }

    /// Marks `targets` as probing and asks for a probe of them.
    fn start_probe(&mut self, targets: Vec<crate::probe::ProbeTarget>) -> Vec<Effect> {
        let Some(caller) = self.org.as_ref().map(CallerContext::of) else { return Vec::new() };
        if targets.is_empty() {
            return Vec::new();
        }
        // A verdict already shown stays until the new one arrives; unknown accounts show probing.
        for target in &targets {
            let unknown = self
                .tree
                .index_of(&target.account.id)
                .and_then(|i| self.tree.nodes[i].account())
                .is_some_and(|(_, access)| *access == AccessState::Unknown);
            if unknown {
                self.tree.set_access(&target.account.id, AccessState::Probing);
            }
        }
        self.probe_generation += 1;
        let generation = self.probe_generation;
        self.probing = Some(ProbeProgress { generation, done: 0, total: targets.len() });
        self.probe_started = Some(std::time::Instant::now());
        vec![Effect::Probe { generation, targets, caller }]
    }

    /// The template that fixes the selection: the StackSet for an OU or root, the trust policy for
    /// an account the role is missing from, the scanner policy when the caller lacks permission.
    fn copy_template(&mut self) -> Vec<Effect> {
        let Some(node) = self.tree.selected_node() else { return Vec::new() };
        let mut role = self.probe_settings.roles.first().cloned();
        let template = match node.account() {
            None => Some(Template::Stackset),
            Some((_, access)) => {
                let outcome = access.outcome();
                if let Some(arn) = outcome.and_then(|o| o.role_arn.as_deref()) {
                    role = arn.rsplit('/').next().map(str::to_string);
                }
                match outcome.and_then(|o| o.reason) {
                    Some(Reason::AccessDenied) => Some(Template::TrustPolicy),
                    Some(Reason::CallerNotPermitted) => Some(Template::ScannerPolicy),
                    _ => None,
                }
            }
        };
        let Some(template) = template else {
            self.toast = Some("no template fixes this: the Fix in the detail pane says what to do".to_string());
            return Vec::new();
        };
        let values = TemplateValues {
            management_account_id: self.organization().map(|o| o.management_account_id.clone()).unwrap_or_default(),
            role_name: role,
            external_id: self.probe_settings.external_id.clone(),
        };
        vec![Effect::Copy { text: template.render(&values), what: format!("the {} template", template.name()) }]
    }

    fn navigate(&mut self, step: impl FnOnce(&mut TreeView)) -> Vec<Effect> {
        step(&mut self.tree);
        self.tree.scroll_into_view(self.tree_height());
        self.lazy_tags()
    }

    /// Tags are read when an account is first selected (one ListTagsForResource), not for all.
    fn lazy_tags(&mut self) -> Vec<Effect> {
        let Some((account, _)) = self.tree.selected_node().and_then(|n| n.account()) else { return Vec::new() };
        if account.tags.is_some() || !self.tags_requested.insert(account.id.clone()) {
            return Vec::new();
        }
        vec![Effect::LoadTags(account.id.clone())]
    }

    fn load_org(&mut self, org: &Org) {
        let previous = (!self.tree.nodes.is_empty()).then(|| std::mem::take(&mut self.tree));
        let mut tree = TreeView::new(org, previous.as_ref());
        if let Some(previous) = &previous {
            // Keep what is known of access until a probe says otherwise.
            for node in &previous.nodes {
                if let Some((account, access)) = node.account() {
                    tree.set_access(&account.id, access.clone());
                }
            }
        }
        for (account_id, outcome) in &self.saved_access {
            tree.set_access(account_id, AccessState::Probed(outcome.clone()));
        }
        if let Some(query) = previous.as_ref().and_then(|p| p.filter.as_ref()).map(|f| f.query.clone()) {
            tree.set_filter(Some(filter::apply(&tree, &query, None)));
        }
        tree.scroll_into_view(self.tree_height());
        self.tree = tree;
        self.org = Some(org.clone());
    }

    /// The organization on screen, once discovered.
    pub fn organization(&self) -> Option<&OrgInfo> {
        self.org.as_ref().map(|o| &o.organization)
    }

    /// Who is looking, once discovered.
    pub fn caller(&self) -> Option<&Caller> {
        self.org.as_ref().map(|o| &o.caller)
    }

    /// Shows a cached run at once, marked stale, while the refresh that [`App::start`] asks for
    /// runs behind it.
    pub fn load_cached(&mut self, snapshot: &crate::model::Snapshot) {
        self.load_org(&snapshot.org);
        for (account_id, outcome) in &snapshot.access {
            self.tree.set_access(account_id, AccessState::Probed(outcome.clone()));
        }
        self.assignments.set(snapshot.assignments.clone());
        let minutes = (chrono::Utc::now() - snapshot.saved_at).num_minutes().max(0);
        self.stale = Some(match minutes {
            0 => "just now".to_string(),
            m if m < 120 => format!("{m} min ago"),
            m if m < 48 * 60 => format!("{} h ago", m / 60),
            m => format!("{} days ago", m / (24 * 60)),
        });
    }

    /// The run as a snapshot, for the cache.
    fn snapshot(&self) -> Option<crate::model::Snapshot> {
        let org = self.org.clone()?;
        let access = self
            .tree
            .nodes
            .iter()
            .filter_map(|n| {
                let (account, access) = n.account()?;
                Some((account.id.clone(), access.outcome()?.clone()))
            })
            .collect();
        Some(crate::model::Snapshot::new(org, access, self.assignments.attempts.clone(), self.region.clone()))
    }
}

/// `orgscope-<account name>`, with anything a profile name should not hold replaced.
pub fn profile_name(account_name: &str) -> String {
    let cleaned: String = account_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c.to_ascii_lowercase() } else { '-' })
        .collect();
    format!("orgscope-{cleaned}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;
    use crate::source::snapshot::SnapshotSource;

    fn demo_app() -> App {
        let source = SnapshotSource::demo().expect("the embedded demo parses");
        let snapshot = source.saved_snapshot().cloned().expect("the demo is a snapshot");
        let mut app = App::new(source.label(), source.region(), source.saved_access());
        assert_eq!(app.start(), vec![Effect::Discover]);
        app.update(Action::DiscoverDone(Ok(snapshot.org)));
        app
    }

    #[test]
    fn discovery_fills_the_tree_and_applies_saved_access() {
        let app = demo_app();
        assert_eq!(app.activity, Activity::Idle);
        assert!(app.tree.account_count() >= 30);
        assert!(app.tree.blocked_count() >= 4, "the demo shows several blocked accounts");
    }

    /// Typing builds each keystroke's result on the last one and backspace steps back through
    /// them; either way the filter is what searching the query afresh finds.
    #[test]
    fn typing_and_deleting_in_the_filter_match_a_fresh_search() {
        let mut app = demo_app();
        app.update(Action::OpenFilter);
        let query = "prod 1";
        for c in query.chars() {
            app.update(Action::FilterChar(c));
            let typed = app.filter_input.clone().unwrap_or_default();
            assert_eq!(app.tree.filter, Some(filter::apply(&app.tree, &typed, None)), "typed {typed:?}");
        }
        assert!(app.tree.filter.as_ref().is_some_and(|f| f.count() > 0), "the demo has production accounts");
        for _ in 0..query.len() - 1 {
            app.update(Action::FilterBackspace);
            let typed = app.filter_input.clone().unwrap_or_default();
            assert_eq!(app.tree.filter, Some(filter::apply(&app.tree, &typed, None)), "deleted to {typed:?}");
            assert!(app.tree.rows.iter().all(|&r| app.tree.filter.as_ref().is_some_and(|f| f.visible[r])));
        }
        app.update(Action::FilterBackspace);
        assert_eq!(app.tree.filter, None, "an empty query shows everything");
        assert!(app.filter_history.is_empty());
    }

    #[test]
    fn a_second_discovery_is_not_started_while_one_runs() {
        let mut app = App::new("test".into(), None, BTreeMap::new());
        assert_eq!(app.update(Action::Discover), vec![Effect::Discover]);
        assert_eq!(app.update(Action::Discover), vec![]);
    }

    #[test]
    fn help_swallows_navigation_and_closes_on_escape() {
        let mut app = demo_app();
        app.update(Action::ToggleHelp);
        app.update(Action::MoveDown);
        assert_eq!(app.tree.selected, 0);
        app.update(Action::CloseOverlay);
        assert_eq!(app.overlay, None);
        app.update(Action::MoveDown);
        assert_eq!(app.tree.selected, 1);
    }

    #[test]
    fn failed_discovery_is_shown_not_fatal() {
        let mut app = App::new("test".into(), None, BTreeMap::new());
        app.start();
        app.update(Action::DiscoverDone(Err("no credentials".into())));
        assert_eq!(app.activity, Activity::Failed("no credentials".into()));
        assert_eq!(app.exit, None);
    }

    #[test]
    fn tags_are_asked_for_once_when_an_account_without_them_is_selected() {
        let source = SnapshotSource::demo().expect("the embedded demo parses");
        let mut org = source.saved_snapshot().cloned().expect("snapshot").org;
        for account in org.accounts_mut() {
            account.tags = None;
        }
        let mut app = App::new("test".into(), None, BTreeMap::new());
        app.start();
        app.update(Action::DiscoverDone(Ok(org)));
        let mut asked = Vec::new();
        for _ in 0..3 {
            asked.extend(app.update(Action::MoveDown).into_iter().filter(|e| matches!(e, Effect::LoadTags(_))));
        }
        assert_eq!(asked, vec![Effect::LoadTags("602918374655".into())], "only the account, only once");
        app.update(Action::MoveUp);
        assert!(!app.update(Action::MoveDown).iter().any(|e| matches!(e, Effect::LoadTags(_))));
    }
}
