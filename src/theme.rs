//! Colours and glyphs, for the TUI and the CLI's text. With `NO_COLOR` set every style is plain, and the glyphs alone keep
//! blocked, reachable and suspended accounts apart.

use ratatui::style::{Color, Modifier, Style};

use crate::model::{AccessState, Account, ProbeStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    /// Colours for a light terminal background.
    pub light: bool,
}

impl Theme {
    pub fn from_env() -> Theme {
        Theme { color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()), light: false }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color { Style::new().fg(color) } else { Style::new() }
    }

    pub fn reachable(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn blocked(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn skipped(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn probing(&self) -> Style {
        // Yellow is unreadable on white; a dark amber keeps the meaning.
        self.fg(if self.light { Color::Rgb(150, 100, 0) } else { Color::Yellow })
    }

    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn label(&self) -> Style {
        self.fg(if self.light { Color::Blue } else { Color::Cyan })
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        if self.color {
            let background = if self.light { Color::Rgb(205, 220, 245) } else { Color::DarkGray };
            Style::new().bg(background).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// Matched characters of a filter.
    pub fn highlight(&self) -> Style {
        let style = Style::new().add_modifier(Modifier::UNDERLINED);
        if self.color { style.fg(Color::LightCyan).add_modifier(Modifier::BOLD) } else { style }
    }

    /// An account blocked for the role but reachable through your Identity Center sign-in.
    pub fn portal(&self) -> Style {
        self.fg(if self.light { Color::Rgb(0, 90, 160) } else { Color::LightBlue }).add_modifier(Modifier::BOLD)
    }

    /// A permission set's level: admin the alarm colour, privileged amber, read green, write
    /// plain, unknown dim. (The word itself is always written beside it.)
    pub fn level(&self, level: crate::model::Level) -> Style {
        use crate::model::Level;
        match level {
            Level::Admin => self.blocked(),
            Level::Privileged => self.probing().add_modifier(Modifier::BOLD),
            Level::Write => Style::new(),
            Level::Read => self.reachable(),
            Level::Unknown => self.dim(),
        }
    }

    pub fn api_error(&self) -> Style {
        self.fg(Color::Magenta)
    }

    pub fn toast(&self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self) -> Style {
        self.fg(if self.light { Color::DarkGray } else { Color::Gray })
    }

    /// The colour of a probe status.
    pub fn status(&self, status: ProbeStatus) -> Style {
        match status {
            ProbeStatus::Reachable => self.reachable(),
            ProbeStatus::Blocked => self.blocked(),
            ProbeStatus::Skipped => self.skipped(),
            ProbeStatus::Error => self.probing(),
        }
    }

    /// The glyph and style of an account row.
    pub fn account(&self, account: &Account, access: &AccessState) -> (&'static str, Style) {
        if account.is_suspended() {
            return ("⊘", self.skipped());
        }
        match access {
            AccessState::Unknown => ("○", Style::new()),
            AccessState::Probing => ("◌", self.probing()),
            AccessState::Probed(outcome) if outcome.expected.is_some() => (EXPECTED_GLYPH, self.dim()),
            AccessState::Probed(outcome) => (glyph(outcome.status), self.status(outcome.status)),
        }
    }
}

/// Marks an account blocked for the role that your Identity Center sign-in reaches.
pub const PORTAL_GLYPH: &str = "◈";

/// Marks an account blocked on purpose (the config's `expected_blocked`).
pub const EXPECTED_GLYPH: &str = "⊖";

/// The glyph of a probe status, the same in the TUI and in `probe`'s text (and all that tells
/// them apart under `NO_COLOR`).
pub fn glyph(status: ProbeStatus) -> &'static str {
    match status {
        ProbeStatus::Reachable => "●",
        ProbeStatus::Blocked => "✗",
        ProbeStatus::Skipped => "⊘",
        ProbeStatus::Error => "!",
    }
}
