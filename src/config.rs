//! The config file: `$XDG_CONFIG_HOME/orgscope/config.toml` (`--config FILE` overrides). Every key is
//! optional; flags win over the file. A bad file is one clear error naming the line and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

/// Per account or per OU: the roles to try and the external ID to pass.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub roles: Option<Vec<String>>,
    pub external_id: Option<String>,
    /// Blocked on purpose, and why: such accounts are drawn apart and `--fail-on-blocked` skips them.
    pub expected_blocked: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    /// The format `assume` prints by default (sh, fish, powershell, cmd, dotenv, json, credential-process).
    pub format: Option<Spanned<String>>,
    /// The shell whose exports the TUI prints on Enter (bash, zsh, fish, powershell).
    pub shell: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignments {
    /// The default window, such as `7d`.
    pub since: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub roles: Option<Vec<String>>,
    pub external_id: Option<String>,
    pub sso_region: Option<String>,
    /// Your Identity Center sign-in when the profile names none: an `[sso-session NAME]`.
    pub sso_session: Option<String>,
    /// The portal roles to take, in order of preference, when an account offers several.
    pub sso_roles: Option<Vec<String>>,
    pub concurrency: Option<Spanned<i64>>,
    pub theme: Option<Spanned<String>>,
    /// Where `assume --console` and the TUI's `o`/`O` land: a service (`ec2`), a console path or URL.
    pub console_destination: Option<Spanned<String>>,
    /// The console's region (default: the run's region).
    pub console_region: Option<String>,
    /// How the console opens: a command with `%u`, or `firefox-container`.
    pub browser: Option<String>,
    /// How `profiles` names profiles: `{account_id}`, `{account_name}`, `{ou_path}`, `{ou}`, `{role}`.
    pub profile_name_template: Option<Spanned<String>>,
    /// How long a copied secret (`y`'s exports, `O`'s sign-in URL) stays on the clipboard, e.g. `45s`.
    pub clipboard_clear_after: Option<Spanned<String>>,
    /// How long handed-out credentials last, e.g. `1h` (default 1h; 15m to 12h).
    pub duration: Option<Spanned<String>>,
    /// Cached credentials are handed out again while more than this is left, e.g. `5m` (default).
    pub refresh_before: Option<Spanned<String>>,
    /// When the TUI probes: `start` (default) or `manual` (only on `p`).
    pub probe: Option<Spanned<String>>,
    #[serde(default)]
    pub export: Export,
    #[serde(default)]
    pub assignments: Assignments,
    /// Action name → key or keys, e.g. `next_blocked = "n"`, `quit = ["q", "ctrl+q"]`.
    #[serde(default)]
    pub keys: BTreeMap<String, Spanned<KeySpec>>,
    /// By 12-digit account id.
    #[serde(default)]
    pub accounts: BTreeMap<String, Spanned<Target>>,
    /// By OU or root id (`ou-…`, `r-…`).
    #[serde(default)]
    pub ous: BTreeMap<String, Spanned<Target>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum KeySpec {
    One(String),
    Many(Vec<String>),
}

impl KeySpec {
    pub fn keys(&self) -> Vec<&str> {
        match self {
            KeySpec::One(key) => vec![key.as_str()],
            KeySpec::Many(keys) => keys.iter().map(String::as_str).collect(),
        }
    }
}

/// A config file that could not be read (`line` 0) or is not valid.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "could not read the config file {}: {}", self.path, self.message)
        } else {
            write!(f, "the config file {} is not valid: line {}: {}", self.path, self.line, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

/// The default place: `$XDG_CONFIG_HOME/orgscope/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("orgscope").join("config.toml"))
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Reads the config: `explicit` must exist; the default path may be missing (no config).
pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let (path, required) = match explicit {
        Some(path) => (path.to_path_buf(), true),
        None => match default_path() {
            Some(path) => (path, false),
            None => return Ok(Config::default()),
        },
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, &path.display().to_string()),
        Err(err) if !required && err.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(err) => Err(ConfigError { path: path.display().to_string(), line: 0, message: err.to_string() }),
    }
}

/// Parses and checks a config file's text; `path` names it in errors.
pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
    let error =
        |offset: usize, message: String| ConfigError { path: path.to_string(), line: line_of(text, offset), message };
    let config: Config = toml::from_str(text).map_err(|err| {
        let offset = err.span().map_or(0, |s| s.start);
        let message = err.message().trim().replace('\n', " ");
        // Name the key on that line when the parser's message does not.
        let line = text.lines().nth(line_of(text, offset) - 1).unwrap_or_default();
        match line.split_once('=').map(|(key, _)| key.trim()).filter(|k| !k.is_empty() && !message.contains(k)) {
            Some(key) => error(offset, format!("{key}: {message}")),
            None => error(offset, message),
        }
    })?;
    if let Some(concurrency) = &config.concurrency
        && !(1..=256).contains(concurrency.get_ref())
    {
        return Err(error(
            concurrency.span().start,
            format!("concurrency must be 1 to 256, not {}", concurrency.get_ref()),
        ));
    }
    if let Some(theme) = &config.theme
        && !matches!(theme.get_ref().as_str(), "dark" | "light")
    {
        return Err(error(
            theme.span().start,
            format!("theme must be \"dark\" or \"light\", not {:?}", theme.get_ref()),
        ));
    }
    if let Some(format) = &config.export.format
        && <crate::export::shell::Format as clap::ValueEnum>::from_str(format.get_ref(), true).is_err()
    {
        return Err(error(
            format.span().start,
            format!(
                "export.format {:?} is not one of sh, fish, powershell, cmd, dotenv, json, credential-process",
                format.get_ref()
            ),
        ));
    }
    if let Some(shell) = &config.export.shell
        && !matches!(shell.get_ref().as_str(), "bash" | "zsh" | "sh" | "fish" | "powershell" | "pwsh")
    {
        return Err(error(
            shell.span().start,
            format!("export.shell {:?} is not bash, zsh, fish or powershell", shell.get_ref()),
        ));
    }
    if let Some(destination) = &config.console_destination
        && let Err(err) = crate::export::console::check_destination(destination.get_ref())
    {
        return Err(error(destination.span().start, format!("console_destination: {err}")));
    }
    if let Some(template) = &config.profile_name_template
        && let Err(message) = crate::export::profiles::NameTemplate::parse(template.get_ref())
    {
        return Err(error(template.span().start, format!("profile_name_template: {message}")));
    }
    check_durations(&config, &error)?;
    if let Some(since) = &config.assignments.since
        && let Err(message) = crate::duration::parse_duration(since.get_ref())
    {
        return Err(error(since.span().start, format!("assignments.since: {message}")));
    }
    for (id, target) in &config.accounts {
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error(target.span().start, format!("accounts.{id:?}: an account id has 12 digits")));
        }
    }
    for (id, target) in &config.ous {
        if !(id.starts_with("ou-") || id.starts_with("r-")) {
            return Err(error(target.span().start, format!("ous.{id:?}: OU ids start with ou- (or r- for a root)")));
        }
    }
    let defaults = crate::app::keymap::Keymap::default();
    let mut overridden = defaults.clone();
    for (name, spec) in &config.keys {
        if let Err(message) = overridden.rebind(name, &spec.get_ref().keys()) {
            return Err(error(spec.span().start, format!("keys.{name}: {message}")));
        }
    }
    Ok(config)
}

/// The keys that hold durations: each parses and is in its range.
fn check_durations(config: &Config, error: &impl Fn(usize, String) -> ConfigError) -> Result<(), ConfigError> {
    if let Some(lifetime) = &config.clipboard_clear_after {
        match crate::duration::parse_duration(lifetime.get_ref()) {
            Ok(d) if (1..=3600).contains(&d.num_seconds()) => {}
            Ok(_) => {
                return Err(error(lifetime.span().start, "clipboard_clear_after must be 1s to 1h".to_string()));
            }
            Err(message) => return Err(error(lifetime.span().start, format!("clipboard_clear_after: {message}"))),
        }
    }
    if let Some(duration) = &config.duration
        && let Err(message) = crate::cli::args::parse_session_duration(duration.get_ref())
    {
        return Err(error(duration.span().start, format!("duration: {message}")));
    }
    if let Some(before) = &config.refresh_before {
        match crate::duration::parse_duration(before.get_ref()) {
            Ok(d) if (0..=3600).contains(&d.num_seconds()) => {}
            Ok(_) => return Err(error(before.span().start, "refresh_before must be 0s to 1h".to_string())),
            Err(message) => return Err(error(before.span().start, format!("refresh_before: {message}"))),
        }
    }
    if let Some(probe) = &config.probe
        && !matches!(probe.get_ref().as_str(), "start" | "manual")
    {
        return Err(error(
            probe.span().start,
            format!("probe must be \"start\" or \"manual\", not {:?}", probe.get_ref()),
        ));
    }
    Ok(())
}

impl Config {
    /// Per-account and per-OU roles and external IDs, for the probe.
    pub fn targets(&self) -> impl Iterator<Item = (&String, &Target)> {
        self.accounts.iter().chain(self.ous.iter()).map(|(id, target)| (id, target.get_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
roles = ["OrganizationAccountAccessRole", "AuditRole"]
external_id = "shared-ext"
sso_region = "eu-west-1"
concurrency = 16
theme = "light"

[export]
format = "fish"
shell = "fish"

[assignments]
since = "14d"

[keys]
next_blocked = "b"
quit = ["q", "ctrl+q"]

[accounts."123456789012"]
roles = ["BreakGlass"]
external_id = "acct-ext"

[ous."ou-ab12-cdef3456"]
external_id = "ou-ext"
"#;

    #[test]
    fn a_good_file_parses_completely() {
        let config = parse(GOOD, "config.toml").expect("valid");
        assert_eq!(config.roles.as_deref().map(<[String]>::len), Some(2));
        assert_eq!(config.concurrency.as_ref().map(|c| *c.get_ref()), Some(16));
        assert_eq!(config.accounts["123456789012"].get_ref().roles.as_deref(), Some(&["BreakGlass".to_string()][..]));
        assert_eq!(config.ous["ou-ab12-cdef3456"].get_ref().external_id.as_deref(), Some("ou-ext"));
        assert_eq!(config.keys["quit"].get_ref().keys(), vec!["q", "ctrl+q"]);
        assert_eq!(config.targets().count(), 2);
    }

    #[test]
    fn an_empty_file_is_all_defaults() {
        assert_eq!(parse("", "c"), Ok(Config::default()));
    }

    #[test]
    fn every_bad_input_names_its_line_and_key() {
        let cases: Vec<(&str, usize, &str)> = vec![
            ("roles = [\"a\"]\nrolez = 1\n", 2, "rolez"),
            ("concurrency = 0\n", 1, "concurrency must be 1 to 256"),
            ("concurrency = \"many\"\n", 1, "concurrency: invalid type"),
            ("\ntheme = \"blue\"\n", 2, "theme must be"),
            ("[export]\nformat = \"zip\"\n", 2, "export.format"),
            ("[export]\nshell = \"tcsh\"\n", 2, "export.shell"),
            ("[assignments]\nsince = \"soon\"\n", 2, "assignments.since"),
            ("clipboard_clear_after = \"2h\"\n", 1, "1s to 1h"),
            ("clipboard_clear_after = \"later\"\n", 1, "clipboard_clear_after"),
            ("duration = \"5m\"\n", 1, "duration: \"5m\" is not a session length"),
            ("duration = \"13h\"\n", 1, "duration:"),
            ("refresh_before = \"2h\"\n", 1, "refresh_before must be"),
            ("refresh_before = \"soon\"\n", 1, "refresh_before:"),
            ("probe = \"never\"\n", 1, "probe must be"),
            ("[keys]\nfly = \"f\"\n", 2, "keys.fly"),
            ("[keys]\nquit = \"ctrl+\"\n", 2, "keys.quit"),
            ("[keys]\nquit = \"j\"\n", 2, "already bound"),
            ("[accounts.\"12345\"]\nroles = [\"x\"]\n", 1, "12 digits"),
            ("[ous.\"team-a\"]\nroles = [\"x\"]\n", 1, "ou-"),
            ("[accounts.\"123456789012\"]\nrole = \"x\"\n", 2, "role"),
            ("roles = \"single\"\n", 1, "sequence"),
            ("theme = \n", 1, ""),
            ("[export\n", 1, ""),
        ];
        for (text, line, needle) in cases {
            let err = parse(text, "config.toml").expect_err(text);
            assert_eq!(err.line, line, "{text:?}: {err}");
            assert!(err.to_string().contains(needle), "{text:?}: {err}");
            assert!(err.to_string().starts_with("the config file config.toml is not valid: line"), "{err}");
            assert_eq!(err.to_string().lines().count(), 1, "one line: {err}");
        }
    }
}
