//! One table of key bindings drives the key handler, the `?` help overlay and the status-bar hints.
//! A binding names an [`Intent`], never a task's report.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::message::{Intent, Purpose};
use super::view::View;

#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// The name the config file's `[keys]` table uses.
    pub name: &'static str,
    pub keys: Vec<(KeyCode, KeyModifiers)>,
    pub intent: Intent,
    pub description: &'static str,
    /// Shown in the status bar in these views (short form).
    pub hints: &'static [(View, &'static str)],
    /// Bound in this view only, where it wins over a binding of every view (`l` filters levels
    /// in the access view and expands in the tree).
    pub only: Option<View>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

fn plain(code: KeyCode) -> (KeyCode, KeyModifiers) {
    (code, KeyModifiers::NONE)
}

/// One binding of the default keymap: its config name, keys, intent, help text and hints.
struct Row(&'static str, &'static [KeyCode], Intent, &'static str, &'static [(View, &'static str)]);

const NONE: &[(View, &str)] = &[];

/// The default keymap, in the help's order.
const DEFAULT: &[Row] = {
    use KeyCode::{Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up};
    use View::{Access, Assignments, Tree};
    &[
        Row(
            "move_up",
            &[Up, Char('k')],
            Intent::MoveUp,
            "move up",
            &[(Tree, "move"), (Assignments, "move"), (Access, "move")],
        ),
        Row("move_down", &[Down, Char('j')], Intent::MoveDown, "move down", NONE),
        Row("collapse", &[Left, Char('h')], Intent::Collapse, "collapse, or go to parent", &[(Tree, "fold")]),
        Row("expand", &[Right, Char('l')], Intent::Expand, "expand, or go to child", NONE),
        Row(
            "activate",
            &[Enter],
            Intent::Activate,
            "switch role: exit with exports (OU: fold)",
            &[(Tree, "switch role"), (Assignments, "details")],
        ),
        Row("toggle", &[Char(' ')], Intent::Toggle, "expand or collapse an OU", NONE),
        Row("sub_shell", &[Char('x')], Intent::SwitchRole(Purpose::Shell), "sub-shell with the credentials", NONE),
        Row(
            "write_profile",
            &[Char('w')],
            Intent::SwitchRole(Purpose::Profile),
            "write a profile orgscope-<account>",
            NONE,
        ),
        Row("copy_exports", &[Char('y')], Intent::SwitchRole(Purpose::Copy), "copy the exports", NONE),
        Row("open_console", &[Char('o')], Intent::SwitchRole(Purpose::Console), "open the AWS console", NONE),
        Row(
            "copy_console_url",
            &[Char('O')],
            Intent::SwitchRole(Purpose::CopyConsole),
            "copy the console sign-in URL",
            NONE,
        ),
        Row("page_up", &[PageUp], Intent::PageUp, "page up", NONE),
        Row("page_down", &[PageDown], Intent::PageDown, "page down", NONE),
        Row("top", &[Char('g'), Home], Intent::Top, "go to the top", NONE),
        Row("bottom", &[Char('G'), End], Intent::Bottom, "go to the bottom", NONE),
        Row(
            "filter",
            &[Char('/')],
            Intent::OpenFilter,
            "filter: name, id, email, OU, tags, state:",
            &[(Tree, "filter"), (Access, "filter")],
        ),
        Row("next_blocked", &[Char('n')], Intent::NextBlocked, "next blocked account", &[(Tree, "blocked")]),
        Row("previous_blocked", &[Char('N')], Intent::PreviousBlocked, "previous blocked account", NONE),
        Row("probe", &[Char('p')], Intent::Probe, "re-probe the selection or OU", &[(Tree, "probe")]),
        Row("copy_template", &[Char('t')], Intent::CopyTemplate, "copy the fix template", NONE),
        Row("copy_id", &[Char('Y')], Intent::CopyId, "copy the account (or OU) id", NONE),
        Row("copy_arn", &[Char('A')], Intent::CopyArn, "copy the account's ARN", NONE),
        Row(
            "switch_view",
            &[Tab],
            Intent::NextView,
            "tree / assignments / access",
            &[(Tree, "assignments"), (Assignments, "access"), (Access, "tree")],
        ),
        Row(
            "failed_only",
            &[Char('f')],
            Intent::ToggleFailedOnly,
            "assignments: failures only; access: stale only",
            &[(Assignments, "failures"), (Access, "stale")],
        ),
        Row(
            "copy_reason",
            &[Char('c')],
            Intent::CopyReason,
            "copy the failure reason, error or access row",
            &[(Assignments, "copy reason"), (Access, "copy row")],
        ),
        Row("copy_failures", &[Char('C')], Intent::CopyFailures, "assignments: failures as Markdown", NONE),
        Row(
            "retry",
            &[Char('R')],
            Intent::Retry,
            "assignments: retry the failed request (asks first)",
            &[(Assignments, "retry")],
        ),
        Row("fix", &[Char('F')], Intent::Fix, "tree: fix the blocked account (asks first)", NONE),
        Row(
            "jump_to_account",
            &[Char('a')],
            Intent::JumpToAccount,
            "assignments, access: the account in the tree",
            &[(Assignments, "account"), (Access, "account")],
        ),
        Row(
            "pick_principal",
            &[Char('P')],
            Intent::PickPrincipal,
            "principal mode: pick a user or group, see their reach (Esc ends it)",
            &[(Tree, "who"), (Access, "who")],
        ),
        Row("refresh", &[Char('r')], Intent::Refresh, "refresh the organization", &[(Tree, "refresh")]),
        Row(
            "help",
            &[Char('?')],
            Intent::ToggleHelp,
            "show or hide this help",
            &[(Tree, "help"), (Assignments, "help"), (Access, "help")],
        ),
        Row(
            "unused_only",
            &[Char('u')],
            Intent::ToggleUnused,
            "access: only rows unused for 90 days, or never used",
            &[(Access, "unused")],
        ),
        Row("close", &[Esc], Intent::CloseOverlay, "close a popup, or clear the filter", NONE),
        Row("quit", &[Char('q')], Intent::Quit, "quit", &[(Tree, "quit"), (Assignments, "quit"), (Access, "quit")]),
    ]
};

/// Bindings of one view only, in the help's order after the others.
const SCOPED: &[(View, Row)] = &[(
    View::Access,
    Row(
        "level_filter",
        &[KeyCode::Char('l')],
        Intent::CycleLevel,
        "access: admin only, privileged and up, write and up, every level",
        &[(View::Access, "level")],
    ),
)];

impl Default for Keymap {
    fn default() -> Self {
        let binding = |Row(name, keys, intent, description, hints): &Row, only: Option<View>| Binding {
            name,
            keys: keys.iter().copied().map(plain).collect(),
            intent: intent.clone(),
            description,
            hints,
            only,
        };
        let bindings = DEFAULT
            .iter()
            .map(|row| binding(row, None))
            .chain(SCOPED.iter().map(|(view, row)| binding(row, Some(*view))))
            .collect();
        Keymap { bindings }
    }
}

/// A key as the config file writes it: `q`, `N`, `ctrl+q`, `enter`, `esc`, `tab`, `space`, `up`,
/// `down`, `left`, `right`, `pgup`, `pgdn`, `home`, `end`, `backspace`, `f1`…`f12`.
pub fn parse_key(text: &str) -> Result<(KeyCode, KeyModifiers), String> {
    let (modifiers, key) = match text.rsplit_once('+') {
        Some((prefix, key)) if !key.is_empty() => {
            let mut modifiers = KeyModifiers::NONE;
            for part in prefix.split('+') {
                modifiers |= match part.to_lowercase().as_str() {
                    "ctrl" | "control" => KeyModifiers::CONTROL,
                    "alt" | "meta" => KeyModifiers::ALT,
                    other => return Err(format!("unknown modifier {other:?} in {text:?}")),
                };
            }
            (modifiers, key)
        }
        Some(_) if text != "+" => return Err(format!("{text:?} names no key")),
        _ => (KeyModifiers::NONE, text),
    };
    let code = match key.to_lowercase().as_str() {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "space" => KeyCode::Char(' '),
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "backspace" => KeyCode::Backspace,
        f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
            KeyCode::F(f[1..].parse().unwrap_or(1))
        }
        _ => {
            let mut chars = key.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => KeyCode::Char(c),
                _ => return Err(format!("{key:?} is not a key")),
            }
        }
    };
    Ok((code, modifiers))
}

impl Keymap {
    /// The intent bound to a key press in `view` (a binding of that view first). Shifted
    /// letters match their upper-case binding.
    pub fn intent_for(&self, key: KeyEvent, view: View) -> Option<Intent> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Some(Intent::Quit);
        }
        let modifiers = key.modifiers - KeyModifiers::SHIFT;
        let pressed = |b: &&Binding| b.keys.iter().any(|&(code, mods)| code == key.code && mods == modifiers);
        let here = self.bindings.iter().filter(|b| b.only == Some(view)).find(pressed);
        here.or_else(|| self.bindings.iter().filter(|b| b.only.is_none()).find(pressed)).map(|b| b.intent.clone())
    }

    /// Binds `keys` to the action named `name` instead of its defaults. A key already bound to
    /// another action is an error.
    pub fn rebind(&mut self, name: &str, keys: &[&str]) -> Result<(), String> {
        let Some(position) = self.bindings.iter().position(|b| b.name == name) else {
            let names: Vec<&str> = self.bindings.iter().map(|b| b.name).collect();
            return Err(format!("no action is called {name:?}; the actions are {}", names.join(", ")));
        };
        if keys.is_empty() {
            return Err("give at least one key".to_string());
        }
        let parsed = keys.iter().map(|k| parse_key(k)).collect::<Result<Vec<_>, _>>()?;
        for key in &parsed {
            let only = self.bindings[position].only;
            if let Some(other) =
                self.bindings.iter().enumerate().find(|(i, b)| *i != position && b.only == only && b.keys.contains(key))
            {
                return Err(format!("{} is already bound to {}", key_label(*key), other.1.name));
            }
        }
        self.bindings[position].keys = parsed;
        Ok(())
    }

    /// The first key bound to `intent`, as the help writes it.
    pub fn key_for(&self, intent: &Intent) -> Option<String> {
        self.bindings.iter().find(|b| &b.intent == intent).and_then(|b| b.keys.first()).map(|&k| key_label(k))
    }

    /// The short hints of `view` for the status bar, in table order, each with the first key
    /// actually bound.
    pub fn hints(&self, view: View) -> Vec<String> {
        self.bindings
            .iter()
            .filter_map(|b| {
                let hint = b.hints.iter().find(|(shown, _)| *shown == view).map(|(_, hint)| *hint)?;
                Some(format!("{} {hint}", key_label(*b.keys.first()?)))
            })
            .collect()
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
        let tree = View::Tree;
        assert_eq!(keymap.intent_for(press(KeyCode::Char('j')), tree), Some(Intent::MoveDown));
        assert_eq!(keymap.intent_for(press(KeyCode::Up), tree), Some(Intent::MoveUp));
        assert_eq!(
            keymap.intent_for(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT), tree),
            Some(Intent::Bottom)
        );
        assert_eq!(
            keymap.intent_for(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), tree),
            Some(Intent::Quit)
        );
        assert_eq!(keymap.intent_for(press(KeyCode::Char('z')), tree), None);
    }

    #[test]
    fn no_key_is_bound_twice() {
        let keymap = Keymap::default();
        let mut seen = std::collections::HashSet::new();
        for (only, key) in keymap.bindings.iter().flat_map(|b| b.keys.iter().map(move |k| (b.only, *k))) {
            assert!(seen.insert((only, key)), "{} bound twice", key_label(key));
        }
    }

    #[test]
    fn a_views_own_binding_wins_there_only() {
        let keymap = Keymap::default();
        let press = |code| KeyEvent::new(code, KeyModifiers::NONE);
        let l = press(KeyCode::Char('l'));
        assert_eq!(keymap.intent_for(l, View::Access), Some(Intent::CycleLevel));
        assert_eq!(keymap.intent_for(l, View::Tree), Some(Intent::Expand));
        assert_eq!(keymap.intent_for(press(KeyCode::Char('u')), View::Access), Some(Intent::ToggleUnused));
    }

    #[test]
    fn the_readme_documents_every_action_and_its_keys() {
        let readme = include_str!("../../README.md");
        for binding in &Keymap::default().bindings {
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", binding.name)))
                .unwrap_or_else(|| panic!("README's key table lacks {}", binding.name));
            for key in &binding.keys {
                assert!(row.contains(&format!("`{}`", key_label(*key))), "{row} lists {}", key_label(*key));
            }
        }
    }

    #[test]
    fn rebinding_checks_names_keys_and_conflicts() {
        let mut keymap = Keymap::default();
        assert!(keymap.rebind("next_blocked", &["b"]).is_ok());
        assert_eq!(
            keymap.intent_for(KeyEvent::new(KeyCode::Char('b'), KeyModifiers::NONE), View::Tree),
            Some(Intent::NextBlocked)
        );
        assert_eq!(keymap.intent_for(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE), View::Tree), None);
        assert!(keymap.hints(View::Tree).contains(&"b blocked".to_string()), "hints follow the rebinding");
        assert!(keymap.rebind("quit", &["j"]).is_err_and(|e| e.contains("move_down")));
        assert!(keymap.rebind("nope", &["z"]).is_err());
        assert_eq!(parse_key("ctrl+q"), Ok((KeyCode::Char('q'), KeyModifiers::CONTROL)));
        assert_eq!(parse_key("f5"), Ok((KeyCode::F(5), KeyModifiers::NONE)));
        assert!(parse_key("hyper+q").is_err() && parse_key("xy").is_err());
    }
}
