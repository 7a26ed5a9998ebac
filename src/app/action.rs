//! Everything that can happen to the app: a user intent from the keymap, or the result of an
//! effect reported back over the app's channel (`X` / `XDone` pairs).

use std::collections::BTreeMap;

use crate::model::Org;
use crate::source::DiscoveryProgress;

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
        result: Result<BTreeMap<String, String>, String>,
    },
}

/// Work the app asks for; the runner performs it and reports back with an [`Action`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Discover,
    LoadTags(String),
}
