//! Popups over the views: the `?` help, a text popup (an attempt's detail, an error worth more
//! than a toast, text to copy by hand) and a confirmation before the one write to AWS. A popup
//! takes the keys until it is closed.

use super::App;
use super::message::{Effect, Intent, Job};
use super::view::View;

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    /// Text to read or copy by hand.
    Text {
        title: String,
        body: String,
    },
    /// A question before `job` runs: Enter runs it, Esc (or `q`) does not.
    Confirm {
        title: String,
        body: String,
        job: Box<Job>,
    },
    /// The principal picker: keys are text.
    Pick(Box<super::picker::Picker>),
    /// Which portal role to switch into.
    ChooseRole(Box<super::portal::RolePick>),
}

impl Overlay {
    /// The popup's title and text, for drawing and paging.
    pub fn text(&self) -> Option<(&str, &str)> {
        match self {
            Overlay::Help | Overlay::Pick(_) | Overlay::ChooseRole(_) => None,
            Overlay::Text { title, body } | Overlay::Confirm { title, body, .. } => Some((title, body)),
        }
    }
}

impl App {
    /// An intent while a popup is open: the close keys close it, the movement keys scroll it,
    /// `c` in an attempt's popup still copies its reason; every other key waits.
    pub(super) fn overlay_intent(&mut self, intent: &Intent) -> Vec<Effect> {
        if matches!(self.overlay, Some(Overlay::ChooseRole(_)))
            && let Some(Overlay::ChooseRole(mut pick)) = self.overlay.take()
        {
            let (close, effects) = self.role_pick_intent(&mut pick, intent);
            if !close {
                self.overlay = Some(Overlay::ChooseRole(pick));
            }
            return effects;
        }
        if let Some(Overlay::Pick(picker)) = &mut self.overlay {
            match intent {
                Intent::FilterChar(c) => picker.type_char(Some(*c)),
                Intent::FilterBackspace => picker.type_char(None),
                Intent::MoveUp => picker.move_by(-1),
                Intent::MoveDown => picker.move_by(1),
                Intent::FilterAccept => {
                    let chosen = picker.chosen().cloned();
                    if chosen.is_some() {
                        self.overlay = None;
                        self.set_reach(chosen);
                        self.view = View::Tree;
                    }
                }
                Intent::FilterCancel | Intent::CloseOverlay | Intent::Quit => self.overlay = None,
                _ => {}
            }
            return Vec::new();
        }
        let page = match self.overlay.as_ref().and_then(Overlay::text) {
            Some((_, body)) => self.layout.popup(body).height.saturating_sub(2).max(1),
            None => 1,
        };
        if let (Intent::Activate, Some(Overlay::Confirm { .. })) = (intent, &self.overlay) {
            let Some(Overlay::Confirm { job, .. }) = self.overlay.take() else { return Vec::new() };
            self.overlay_scroll = 0;
            if let Job::RetryAssignment { attempt, .. } = job.as_ref() {
                self.assignments.retrying(attempt);
            }
            return vec![Effect::Run(*job)];
        }
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
