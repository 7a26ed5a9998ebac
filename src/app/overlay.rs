//! Popups over the views: the `?` help and a text popup (an attempt's detail, an error worth more
//! than a toast, text to copy by hand). A popup takes the keys until it is closed.

use super::App;
use super::message::{Effect, Intent};
use super::view::View;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// Text to read or copy by hand.
    Text {
        title: String,
        body: String,
    },
}

impl App {
    /// An intent while a popup is open: the close keys close it, the movement keys scroll it,
    /// `c` in an attempt's popup still copies its reason; every other key waits.
    pub(super) fn overlay_intent(&mut self, intent: &Intent) -> Vec<Effect> {
        let page = match &self.overlay {
            Some(Overlay::Text { body, .. }) => self.layout.popup(body).height.saturating_sub(2).max(1),
            _ => 1,
        };
        match intent {
            Intent::ToggleHelp | Intent::CloseOverlay | Intent::Quit => {
                self.overlay = None;
                self.overlay_scroll = 0;
            }
            Intent::MoveDown => self.overlay_scroll = self.overlay_scroll.saturating_add(1),
            Intent::MoveUp => self.overlay_scroll = self.overlay_scroll.saturating_sub(1),
            Intent::PageDown => self.overlay_scroll = self.overlay_scroll.saturating_add(page),
            Intent::PageUp => self.overlay_scroll = self.overlay_scroll.saturating_sub(page),
            Intent::Top => self.overlay_scroll = 0,
            Intent::CopyReason if self.view == View::Assignments => {
                let reply = self.assignments.copy_reason();
                return self.apply(reply);
            }
            _ => {}
        }
        Vec::new()
    }
}
