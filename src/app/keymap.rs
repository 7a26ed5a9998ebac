//! One table of key bindings drives the key handler, the `?` help overlay and the status-bar hints.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Action;
use super::action::Purpose;

#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub keys: Vec<(KeyCode, KeyModifiers)>,
    pub action: Action,
    pub description: &'static str,
    /// Shown in the status bar when set (short form).
    pub hint: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

fn plain(code: KeyCode) -> (KeyCode, KeyModifiers) {
    (code, KeyModifiers::NONE)
}

impl Default for Keymap {
    fn default() -> Self {
        use KeyCode::{Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up};
        let bind = |keys: Vec<KeyCode>, action: Action, description, hint| Binding {
            keys: keys.into_iter().map(plain).collect(),
            action,
            description,
            hint,
        };
        Keymap {
            bindings: vec![
                bind(vec![Up, Char('k')], Action::MoveUp, "move up", Some("↑↓ move")),
                bind(vec![Down, Char('j')], Action::MoveDown, "move down", None),
                bind(vec![Left, Char('h')], Action::Collapse, "collapse, or go to parent", Some("←→ fold")),
                bind(vec![Right, Char('l')], Action::Expand, "expand, or go to child", None),
                bind(vec![Enter], Action::Activate, "switch role: exit with exports (OU: fold)", Some("⏎ switch role")),
                bind(vec![Char(' ')], Action::Toggle, "expand or collapse an OU", None),
                bind(vec![Char('x')], Action::SwitchRole(Purpose::Shell), "sub-shell with the credentials", None),
                bind(vec![Char('w')], Action::SwitchRole(Purpose::Profile), "write a profile orgscope-<account>", None),
                bind(vec![Char('y')], Action::SwitchRole(Purpose::Copy), "copy the exports", None),
                bind(vec![Char('o')], Action::SwitchRole(Purpose::Console), "open the AWS console", None),
                bind(vec![Char('O')], Action::SwitchRole(Purpose::CopyConsole), "copy the console sign-in URL", None),
                bind(vec![PageUp], Action::PageUp, "page up", None),
                bind(vec![PageDown], Action::PageDown, "page down", None),
                bind(vec![Char('g'), Home], Action::Top, "go to the top", None),
                bind(vec![Char('G'), End], Action::Bottom, "go to the bottom", None),
                bind(vec![Char('n')], Action::NextBlocked, "next blocked account", Some("n/N blocked")),
                bind(vec![Char('N')], Action::PreviousBlocked, "previous blocked account", None),
                bind(vec![Char('p')], Action::Probe, "re-probe the selection or OU", Some("p probe")),
                bind(vec![Char('t')], Action::CopyTemplate, "copy the fix template", Some("t template")),
                bind(
                    vec![Tab],
                    Action::ToggleView,
                    "switch between the tree and the assignments",
                    Some("Tab assignments"),
                ),
                bind(vec![Char('f')], Action::ToggleFailedOnly, "assignments: failures only / everything", None),
                bind(vec![Char('c')], Action::CopyReason, "copy the failure reason or error exactly", None),
                bind(vec![Char('C')], Action::CopyFailures, "assignments: copy every failure as Markdown", None),
                bind(vec![Char('a')], Action::JumpToAccount, "assignments: show the account in the tree", None),
                bind(vec![Char('r')], Action::Discover, "refresh the organization", Some("r refresh")),
                bind(vec![Char('?')], Action::ToggleHelp, "show or hide this help", Some("? help")),
                bind(vec![Esc], Action::CloseOverlay, "close the help or a popup", None),
                bind(vec![Char('q')], Action::Quit, "quit", Some("q quit")),
            ],
        }
    }
}

impl Keymap {
    /// The action bound to a key press. Shifted letters match their upper-case binding.
    pub fn action_for(&self, key: KeyEvent) -> Option<Action> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Some(Action::Quit);
        }
        let modifiers = key.modifiers - KeyModifiers::SHIFT;
        self.bindings
            .iter()
            .find(|b| b.keys.iter().any(|&(code, mods)| code == key.code && mods == modifiers))
            .map(|b| b.action.clone())
    }

    /// The short hints for the status bar, in table order.
    pub fn hints(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.bindings.iter().filter_map(|b| b.hint)
    }
}

/// How a key is written in the help: `↑`, `k`, `PgUp`, `Enter`, `Ctrl+x`.
pub fn key_label((code, modifiers): (KeyCode, KeyModifiers)) -> String {
    let key = match code {
        KeyCode::Up => "↑".to_string(),
        KeyCode::Down => "↓".to_string(),
        KeyCode::Left => "←".to_string(),
        KeyCode::Right => "→".to_string(),
        KeyCode::PageUp => "PgUp".to_string(),
        KeyCode::PageDown => "PgDn".to_string(),
        KeyCode::Home => "Home".to_string(),
        KeyCode::End => "End".to_string(),
        KeyCode::Enter => "Enter".to_string(),
        KeyCode::Esc => "Esc".to_string(),
        KeyCode::Tab => "Tab".to_string(),
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        other => format!("{other:?}"),
    };
    if modifiers.contains(KeyModifiers::CONTROL) { format!("Ctrl+{key}") } else { key }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_their_actions() {
        let keymap = Keymap::default();
        let press = |code| KeyEvent::new(code, KeyModifiers::NONE);
        assert_eq!(keymap.action_for(press(KeyCode::Char('j'))), Some(Action::MoveDown));
        assert_eq!(keymap.action_for(press(KeyCode::Up)), Some(Action::MoveUp));
        assert_eq!(keymap.action_for(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(Action::Bottom));
        assert_eq!(keymap.action_for(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
        assert_eq!(keymap.action_for(press(KeyCode::Char('z'))), None);
    }

    #[test]
    fn no_key_is_bound_twice() {
        let keymap = Keymap::default();
        let mut seen = std::collections::HashSet::new();
        for key in keymap.bindings.iter().flat_map(|b| b.keys.iter()) {
            assert!(seen.insert(*key), "{} bound twice", key_label(*key));
        }
    }
}
