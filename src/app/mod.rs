//! The TUI's state, and the pure `update` that turns an [`Action`] into new state and
//! [`Effect`]s. The runner ([`run`]) performs effects as tokio tasks that report back as actions.

mod action;
pub mod keymap;
pub mod run;
pub mod terminal;
pub mod tree;

use std::collections::BTreeMap;

pub use action::{Action, Effect};
use ratatui::crossterm::event::KeyEvent;

use self::keymap::Keymap;
use self::tree::TreeView;
use crate::model::{AccessState, Caller, Org, OrgInfo, ProbeOutcome};
use crate::source::DiscoveryProgress;
use crate::ui::theme::Theme;

/// What the app is busy with, for the status bar.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Activity {
    #[default]
    Idle,
    Discovering(DiscoveryProgress),
    /// The last discovery failed; the message says what to do.
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
}

/// Why the app stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub keymap: Keymap,
    pub theme: Theme,
    /// Where the data comes from ("demo organization", "aws profile prod").
    pub source_label: String,
    pub region: Option<String>,
    pub organization: Option<OrgInfo>,
    pub caller: Option<Caller>,
    pub tree: TreeView,
    /// Probe outcomes known before discovery finished (a snapshot's), applied as accounts appear.
    saved_access: BTreeMap<String, ProbeOutcome>,
    pub activity: Activity,
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
            organization: None,
            caller: None,
            tree: TreeView::default(),
            saved_access,
            activity: Activity::Idle,
            overlay: None,
            size: (80, 24),
            exit: None,
        }
    }

    /// The effects to run when the app starts.
    pub fn start(&mut self) -> Vec<Effect> {
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
        if self.overlay.is_some() {
            match action {
                Action::ToggleHelp | Action::CloseOverlay | Action::Quit => {
                    self.overlay = None;
                    return Vec::new();
                }
                Action::MoveUp
                | Action::MoveDown
                | Action::PageUp
                | Action::PageDown
                | Action::Top
                | Action::Bottom => {
                    return Vec::new();
                }
                _ => {}
            }
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
            Action::CloseOverlay => Vec::new(),
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
                Vec::new()
            }
            Action::DiscoverDone(Err(message)) => {
                self.activity = Activity::Failed(message);
                Vec::new()
            }
            Action::LoadTagsDone { account_id, result: Ok(tags) } => {
                if let Some(index) = self.tree.index_of(&account_id)
                    && let tree::NodeData::Account { account, .. } = &mut self.tree.nodes[index].data
                {
                    account.tags = Some(tags);
                }
                Vec::new()
            }
            Action::LoadTagsDone { account_id, result: Err(message) } => {
                tracing::warn!(%account_id, %message, "tags could not be read");
                Vec::new()
            }
        }
    }

    fn navigate(&mut self, step: impl FnOnce(&mut TreeView)) -> Vec<Effect> {
        step(&mut self.tree);
        self.tree.scroll_into_view(self.tree_height());
        Vec::new()
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
        tree.scroll_into_view(self.tree_height());
        self.tree = tree;
        self.organization = Some(org.organization.clone());
        self.caller = Some(org.caller.clone());
    }
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
}
