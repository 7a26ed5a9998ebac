//! The key hints of the status bar: what the keys do where the user is — a popup, the filter being
//! typed, or the view on screen (each from the keymap, so a rebound key shows as bound).

use super::overlay::Overlay;
use super::view::View;
use super::{App, Intent};

impl App {
    /// The hints for what has the keys now.
    pub fn hints(&self) -> Vec<String> {
        let key =
            |intent: &Intent, fallback: &str| self.settings.keymap.key_for(intent).unwrap_or_else(|| fallback.into());
        let close = key(&Intent::CloseOverlay, "Esc");
        let words: Vec<String> = match &self.overlay {
            Some(Overlay::Help) => vec!["↑↓ PgUp PgDn scroll".into(), format!("{close} close")],
            Some(Overlay::Text { .. }) if self.view == View::Assignments => vec![
                "↑↓ scroll".into(),
                format!("{} copy reason", key(&Intent::CopyReason, "c")),
                format!("{} retry", key(&Intent::Retry, "R")),
                format!("{close} close"),
            ],
            Some(Overlay::Text { .. }) => vec!["↑↓ scroll".into(), format!("{close} close")],
            Some(Overlay::Confirm { .. }) => vec!["Enter send".into(), format!("{close} cancel")],
            Some(Overlay::Pick(_)) => {
                vec!["type to narrow".into(), "↑↓ choose".into(), "Enter pick".into(), format!("{close} cancel")]
            }
            Some(Overlay::ChooseRole(_)) => vec!["↑↓ choose".into(), "Enter switch".into(), format!("{close} cancel")],
            None if self.typing() => vec![
                "Enter keep".into(),
                "Esc cancel".into(),
                "↑↓ move".into(),
                "Ctrl+U clear".into(),
                "Ctrl+W word".into(),
            ],
            None => return self.settings.keymap.hints(self.view),
        };
        words
    }
}
