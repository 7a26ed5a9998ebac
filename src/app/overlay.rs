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
                Intent::FilterErase { word } => {
                    for _ in 0..super::message::erase_count(&picker.query, *word) {
                        picker.type_char(None);
                    }
                }
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
            None => self.layout.area.height.saturating_sub(4).max(1),
        };
        if let (Intent::Activate, Some(Overlay::Confirm { .. })) = (intent, &self.overlay) {
            let Some(Overlay::Confirm { job, .. }) = self.overlay.take() else { return Vec::new() };
            self.overlay_scroll = 0;
            if let Job::RetryAssignment { attempt, .. } = job.as_ref() {
                self.assignments.retrying(attempt);
            }
            if let Job::Fix { target, .. } = job.as_ref() {
                self.toast = Some(format!("fixing {}: writing, then probing it again…", target.account.name));
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
            Intent::Retry if self.view == View::Assignments && matches!(self.overlay, Some(Overlay::Text { .. })) => {
                // The request's popup says R retries it: it does, asking first.
                self.overlay = None;
                self.overlay_scroll = 0;
                return self.intent(Intent::Retry);
            }
            Intent::CopyReason if self.view == View::Assignments => {
                let reply = self.assignments.copy_reason();
                return self.apply(reply);
            }
            _ => {}
        }
        if matches!(self.overlay, Some(Overlay::Help)) {
            self.overlay_scroll = self.overlay_scroll.min(self.help_scroll_limit());
        }
        Vec::new()
    }
}

/// The keys column of the help.
const HELP_KEYS: usize = 14;

impl App {
    /// The help's width and rows (keys, description), a description too long for the width going
    /// on under itself; shared by drawing and by scrolling, which stops at the last row.
    pub fn help_rows(&self) -> (u16, Vec<(String, String)>) {
        let width = self.layout.area.width.saturating_sub(2).min(100);
        let text_width = (width as usize).saturating_sub(2 + HELP_KEYS).max(10);
        let mut rows = Vec::new();
        for binding in &self.settings.keymap.bindings {
            let keys = binding.keys.iter().map(|&k| super::keymap::key_label(k)).collect::<Vec<_>>().join(" ");
            for (n, part) in wrap(binding.description, text_width).into_iter().enumerate() {
                let label = if n == 0 { format!("{keys:<HELP_KEYS$}") } else { " ".repeat(HELP_KEYS) };
                rows.push((label, part));
            }
        }
        (width, rows)
    }

    /// How far the help can scroll at this size.
    fn help_scroll_limit(&self) -> u16 {
        let rows = self.help_rows().1.len() as u16;
        rows.saturating_sub(self.layout.area.height.saturating_sub(2))
    }
}

/// `text` in lines of at most `width` characters, broken between words.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last().map(|l| l.chars().count()).unwrap_or(0);
        if line > 0 && line + 1 + word.chars().count() > width {
            lines.push(String::new());
        }
        if let Some(last) = lines.last_mut() {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_descriptions_go_on_under_themselves() {
        assert_eq!(super::wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(super::wrap("short", 40), vec!["short"]);
    }
}
