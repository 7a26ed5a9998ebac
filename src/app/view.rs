//! The views Tab cycles through, and what a view's `update` gets and gives back. A view owns its
//! state and its keys; what it cannot do itself (start a probe, open a popup, show an account in
//! the tree) it asks for in its [`Reply`], and the app carries it out.

use ratatui::layout::Rect;

use super::cursor::ListCursor;
use super::layout::Layout;
use super::message::{Effect, Intent};
use super::overlay::Overlay;
use super::settings::Settings;
use crate::model::Org;
use crate::probe::ProbeTarget;

/// Which view has the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum View {
    #[default]
    Tree,
    Assignments,
    /// Who holds which permission set in the tree's selection.
    Access,
}

/// The views in Tab order: a new view is one entry here (and its arm in `App::screen` and in
/// `ui::draw`, which the compiler asks for).
pub const VIEWS: [View; 3] = [View::Tree, View::Assignments, View::Access];

impl View {
    /// The view after this one in Tab order.
    pub fn next(self) -> View {
        let at = VIEWS.iter().position(|v| *v == self).unwrap_or(0);
        VIEWS[(at + 1) % VIEWS.len()]
    }
}

/// A view's state and keys.
pub trait Screen {
    /// Handles `intent`; None leaves it to the app's own keys.
    fn update(&mut self, intent: &Intent, cx: &Context) -> Option<Reply>;
    /// A click on `row` of its list; `double` for a double click.
    fn click(&mut self, row: usize, double: bool, cx: &Context) -> Reply;
    /// Where its list is drawn, how many rows it has and where its cursor is (for the mouse).
    fn list(&self, layout: &Layout) -> (Rect, usize, ListCursor);
}

/// What a view reads of the app while it handles an intent.
pub struct Context<'a> {
    /// The organization on screen, once discovered.
    pub org: Option<&'a Org>,
    pub settings: &'a Settings,
    pub layout: &'a Layout,
    /// The roles your Identity Center sign-in holds, per account.
    pub portal: &'a super::portal::PortalRoles,
}

/// What a view asks of the app after an intent.
#[derive(Debug, Default, PartialEq)]
pub struct Reply {
    pub effects: Vec<Effect>,
    pub toast: Option<String>,
    pub overlay: Option<Overlay>,
    /// Probe these accounts.
    pub probe: Vec<ProbeTarget>,
    /// Show this account in the tree.
    pub show_account: Option<String>,
}

impl Reply {
    pub fn effect(effect: Effect) -> Reply {
        Reply { effects: vec![effect], ..Reply::default() }
    }

    pub fn toast(message: impl Into<String>) -> Reply {
        Reply { toast: Some(message.into()), ..Reply::default() }
    }

    pub fn overlay(overlay: Overlay) -> Reply {
        Reply { overlay: Some(overlay), ..Reply::default() }
    }
}
