//! The TUI's state and the pure `update` that turns a [`Message`] into new state and [`Effect`]s.
//! The app routes: an [`Intent`] goes to the popup when one is open, else to the view on screen
//! ([`tree`], [`assignments`]), and what the view does not handle to the app's own keys; a
//! [`Report`] updates what the tasks feed ([`reports`]). The runner (`crate::tui`) draws, performs
//! effects as tokio tasks that report back, and feeds the app what comes in.

pub mod access;
pub mod assignments;
pub mod cursor;
mod hints;
pub mod keymap;
pub mod layout;
mod message;
mod overlay;
pub mod picker;
pub mod portal;
mod reports;
mod runs;
pub mod settings;
mod switch_role;
pub mod task;
pub mod tree;
mod view;

use std::collections::BTreeMap;

pub use message::{Effect, Intent, Job, Message, Purpose, Report};
pub use overlay::Overlay;
pub use settings::{AssignmentSettings, Settings};
pub use view::{Context, Reply, Screen, VIEWS, View};

use self::assignments::AssignmentsScreen;
use self::layout::Layout;
use self::task::{ProbeProgress, Task};
use self::tree::TreeScreen;
use crate::model::{AccessState, Caller, Org, OrgInfo, TempCredentials};
use crate::probe::{CallerContext, ProbeTarget};
use crate::source::DiscoveryProgress;

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
    pub settings: Settings,
    /// Where each part of the screen is, for the terminal's current size.
    pub layout: Layout,
    pub view: View,
    pub tree: TreeScreen,
    pub assignments: AssignmentsScreen,
    /// Identity Center's access map, for the detail pane.
    pub identity: access::IdentityAccess,
    /// The access view's rows, for the selection when Tab reached it.
    pub access: access::AccessScreen,
    /// Principal mode: whose reach the tree marks.
    pub reach: Option<access::Reach>,
    /// The roles your own Identity Center sign-in holds, per account.
    pub portal: portal::PortalRoles,
    /// The organization as last discovered.
    pub org: Option<Org>,
    /// The discovery in flight, if any.
    pub discovery: Option<Task<DiscoveryProgress>>,
    /// Why the last discovery failed, saying what to do.
    pub discovery_error: Option<String>,
    /// The probe in flight, if any.
    pub probing: Option<Task<ProbeProgress>>,
    probe_generation: u64,
    /// The probe of everything that discovery started; its end saves the cache.
    full_probe: u64,
    /// A short message shown until the next key.
    pub toast: Option<String>,
    pub overlay: Option<Overlay>,
    /// How far the text popup is scrolled.
    pub overlay_scroll: u16,
    /// The age of the cached snapshot on screen while a refresh runs ("4 min ago").
    pub stale: Option<String>,
    /// The last click (view, row, when), to tell a double click.
    last_click: Option<(View, usize, std::time::Instant)>,
    /// The run before this one (the cached run, or the demo's), to mark what changed since.
    pub previous: Option<crate::model::Snapshot>,
    /// What changed since `previous`, as far as this run has got, by the id of what changed
    /// (looked up per frame by the detail pane, so computed here once).
    pub changes: BTreeMap<String, Vec<crate::diff::Change>>,
    /// When the credentials handed out for an account expire, for the detail pane.
    pub sessions: BTreeMap<String, chrono::DateTime<chrono::Utc>>,
    pub exit: Option<Exit>,
}

impl App {
    pub fn new(settings: Settings) -> App {
        App {
            settings,
            layout: Layout::default(),
            view: View::Tree,
            tree: TreeScreen::default(),
            assignments: AssignmentsScreen::default(),
            identity: access::IdentityAccess::default(),
            access: access::AccessScreen::default(),
            reach: None,
            portal: portal::PortalRoles::default(),
            org: None,
            discovery: None,
            discovery_error: None,
            probing: None,
            probe_generation: 0,
            full_probe: 0,
            toast: None,
            overlay: None,
            overlay_scroll: 0,
            stale: None,
            last_click: None,
            previous: None,
            changes: BTreeMap::new(),
            sessions: BTreeMap::new(),
            exit: None,
        }
    }

    /// The effects to run when the app starts.
    pub fn start(&mut self) -> Vec<Effect> {
        // Coming back from a sub-shell the tree is there already; a cached one is refreshed.
        if !self.tree.view.nodes.is_empty() && self.stale.is_none() {
            return Vec::new();
        }
        self.discover()
    }

    pub fn update(&mut self, message: impl Into<Message>) -> Vec<Effect> {
        match message.into() {
            Message::Intent(intent) => self.intent(intent),
            Message::Report(report) => self.report(report),
            Message::Resize(columns, rows) => {
                self.layout = Layout::new(columns, rows);
                let height = usize::from(self.layout.tree_list(self.tree.filter_input.is_some()).height);
                self.tree.view.scroll_into_view(height);
                self.assignments.cursor.scroll_into_view(usize::from(self.layout.assignments_list().height));
                Vec::new()
            }
        }
    }

    fn intent(&mut self, intent: Intent) -> Vec<Effect> {
        self.toast = None;
        if self.overlay.is_some() {
            return self.overlay_intent(&intent);
        }
        if let Intent::Click { column, row, double } = intent {
            return self.click(column, row, double);
        }
        match self.view_update(&intent) {
            Some(reply) => self.apply(reply),
            None => self.app_intent(intent),
        }
    }

    /// The view on screen, and what it may read of the app.
    fn screen(&mut self) -> (&mut dyn Screen, Context<'_>) {
        let cx =
            Context { org: self.org.as_ref(), settings: &self.settings, layout: &self.layout, portal: &self.portal };
        let screen: &mut dyn Screen = match self.view {
            View::Tree => &mut self.tree,
            View::Assignments => &mut self.assignments,
            View::Access => &mut self.access,
        };
        (screen, cx)
    }

    /// The intent, to the view on screen; None when the view leaves it to the app.
    fn view_update(&mut self, intent: &Intent) -> Option<Reply> {
        let (screen, cx) = self.screen();
        screen.update(intent, &cx)
    }

    /// A click on a row of the view on screen (a second one on the same row soon after is a
    /// double click).
    fn click(&mut self, column: u16, row: u16, double: bool) -> Vec<Effect> {
        let view = self.view;
        let last_click = self.last_click;
        let (screen, cx) = self.screen();
        let (list, len, cursor) = screen.list(cx.layout);
        let Some(index) = layout::line_at(list, column, row).and_then(|line| cursor.row_at(line, len)) else {
            return Vec::new();
        };
        let now = std::time::Instant::now();
        let double = double
            || last_click
                .is_some_and(|(v, last, at)| v == view && last == index && now.duration_since(at).as_millis() < 400);
        let reply = screen.click(index, double, &cx);
        self.last_click = Some((view, index, now));
        self.apply(reply)
    }

    /// The app's own keys, whatever the view.
    fn app_intent(&mut self, intent: Intent) -> Vec<Effect> {
        match intent {
            Intent::ToggleHelp => self.overlay = Some(Overlay::Help),
            Intent::Quit => self.exit = Some(Exit::Quit),
            Intent::Refresh => return self.discover(),
            Intent::PickPrincipal => match &self.identity.map {
                Some(map) if !map.users.is_empty() || !map.groups.is_empty() => {
                    self.overlay = Some(Overlay::Pick(Box::new(picker::Picker::new(map))));
                }
                Some(_) => self.toast = Some("the Identity Store lists no user or group to pick".to_string()),
                None if self.identity.loading => {
                    self.toast = Some("Identity Center's access map is still being read".to_string())
                }
                None => self.toast = Some("no Identity Center access map: principal mode needs one".to_string()),
            },
            Intent::CloseOverlay if self.reach.is_some() => {
                self.set_reach(None);
                self.toast = Some("principal mode ended".to_string());
                if self.view == View::Access {
                    self.show_access();
                }
            }
            Intent::NextView => {
                self.view = self.view.next();
                if self.view == View::Access {
                    self.show_access();
                }
            }
            #[cfg(debug_assertions)]
            Intent::TestPanic => return vec![Effect::Run(Job::TestPanic)],
            _ => {}
        }
        Vec::new()
    }

    /// Carries out what a view asked for.
    fn apply(&mut self, reply: Reply) -> Vec<Effect> {
        let Reply { mut effects, toast, overlay, probe, show_account } = reply;
        if toast.is_some() {
            self.toast = toast;
        }
        if overlay.is_some() {
            self.overlay = overlay;
            self.overlay_scroll = 0;
        }
        if !probe.is_empty() {
            effects.extend(self.start_probe(probe));
        }
        if let Some(id) = show_account {
            let cx = Context {
                org: self.org.as_ref(),
                settings: &self.settings,
                layout: &self.layout,
                portal: &self.portal,
            };
            if self.tree.show(&id, &cx) {
                self.view = View::Tree;
            } else {
                self.toast = Some("this attempt's account is not in the tree".to_string());
            }
        }
        effects
    }

    fn discover(&mut self) -> Vec<Effect> {
        if self.discovery.is_some() {
            return Vec::new();
        }
        self.discovery = Some(Task::start());
        self.discovery_error = None;
        let mut effects = vec![Effect::Run(Job::Discover)];
        // The portal is another service with its own limits: read beside discovery.
        effects.extend(self.load_portal());
        effects
    }

    /// Marks `targets` as probing and asks for a probe of them.
    fn start_probe(&mut self, targets: Vec<ProbeTarget>) -> Vec<Effect> {
        let Some(caller) = self.org.as_ref().map(CallerContext::of) else { return Vec::new() };
        if targets.is_empty() {
            return Vec::new();
        }
        // A verdict already shown stays until the new one arrives; unknown accounts show probing.
        for target in &targets {
            let unknown = self
                .tree
                .view
                .index_of(&target.account.id)
                .and_then(|i| self.tree.view.nodes[i].account())
                .is_some_and(|(_, access)| *access == AccessState::Unknown);
            if unknown {
                self.tree.view.set_access(&target.account.id, AccessState::Probing);
            }
        }
        self.probe_generation += 1;
        let generation = self.probe_generation;
        self.probing = Some(Task::with(ProbeProgress { generation, done: 0, total: targets.len() }));
        vec![Effect::Run(Job::Probe { generation, targets, caller })]
    }

    /// Shows `org`, keeping what the tree knew (and a snapshot's saved verdicts).
    fn load_org(&mut self, org: &Org) {
        let cx = Context { org: Some(org), settings: &self.settings, layout: &self.layout, portal: &self.portal };
        self.tree.load(org, &self.settings.saved_access, &cx);
        self.tree.view.set_admins(&self.identity.admins);
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

    /// Fills the access view with the tree's selection: an account, or every account under an OU.
    fn show_access(&mut self) {
        let view = &self.tree.view;
        let Some(index) = view.selected_index() else { return };
        let node = &view.nodes[index];
        let scope = match node.data {
            tree::arena::NodeData::Account { .. } => node.name.to_string(),
            tree::arena::NodeData::Ou => format!("OU {}", node.name),
            tree::arena::NodeData::Root => "the whole organization".to_string(),
        };
        let targets = view.probe_targets(index);
        let now = self.now();
        self.access.show(&self.identity, self.reach.as_ref(), scope, &targets, now);
    }

    /// Now, for how long ago: a saved run's own time, else the clock's.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.settings.saved_at.unwrap_or_else(chrono::Utc::now)
    }

    /// Starts principal mode for `principal` (None ends it): the tree marks what they reach.
    fn set_reach(&mut self, principal: Option<crate::model::identity::Principal>) {
        self.reach = match (principal, &self.identity.map) {
            (Some(principal), Some(map)) => Some(access::Reach::new(map, principal)),
            _ => None,
        };
        let reached: std::collections::HashSet<&str> =
            self.reach.iter().flat_map(|r| r.by_account.keys().map(String::as_str)).collect();
        self.tree.view.set_reach(&reached);
    }

    /// Whether keys are text now: a filter or the principal picker is being typed.
    pub fn typing(&self) -> bool {
        matches!(self.overlay, Some(Overlay::Pick(_)))
            || (self.overlay.is_none()
                && match self.view {
                    View::Tree => self.tree.filter_input.is_some(),
                    View::Access => self.access.filter_input.is_some(),
                    View::Assignments => false,
                })
    }
}

#[cfg(test)]
mod tests;
