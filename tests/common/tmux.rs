//! A private tmux server for driving the real binary in a real terminal.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const INSTALL_HINT: &str = "install it with `apt-get install tmux` (the README's test command does)";

pub struct Tmux {
    socket: String,
    pub target: String,
}

impl Tmux {
    /// Starts a detached session of `width`×`height` running a plain bash in `home`, or None
    /// (outside CI only) when tmux is missing.
    pub fn start(home: &Path, width: u16, height: u16, env: &[(&str, &str)]) -> Option<Tmux> {
        Tmux::start_shell(home, width, height, env, Shell::Bash)
    }

    /// [`Tmux::start`] with `shell` (without its rc files, the prompt `$ `), or None (outside CI
    /// only) when tmux or the shell is missing.
    pub fn start_shell(home: &Path, width: u16, height: u16, env: &[(&str, &str)], shell: Shell) -> Option<Tmux> {
        Tmux::start_within(&[], home, width, height, env, shell)
    }

    /// [`Tmux::start_shell`] with the server started by `launcher` (e.g. `unshare -n`, so that
    /// every pane has no network at all).
    pub fn start_within(
        launcher: &[&str],
        home: &Path,
        width: u16,
        height: u16,
        env: &[(&str, &str)],
        shell: Shell,
    ) -> Option<Tmux> {
        if !super::require_tool("tmux", &["-V"], INSTALL_HINT) {
            return None;
        }
        let name = shell.program();
        let hint = format!("install it with `apt-get install {name}` (the README's test command does)");
        if !super::require_tool(name, &["-c", "exit 0"], &hint) {
            return None;
        }
        let socket = format!("orgscope-test-{}-{}", std::process::id(), rand_suffix());
        let tmux = Tmux { socket, target: "t:0.0".to_string() };
        let mut args: Vec<String> = vec!["-f".into(), "/dev/null".into(), "new-session".into(), "-d".into()];
        args.extend(["-s".into(), "t".into(), "-x".into(), width.to_string(), "-y".into(), height.to_string()]);
        args.extend(["-c".into(), home.display().to_string()]);
        for (name, value) in env {
            args.extend(["-e".into(), format!("{name}={value}")]);
        }
        args.push(shell.command().into());
        let output = match launcher.split_first() {
            Some((program, rest)) => Command::new(program)
                .args(rest)
                .arg("tmux")
                .args(["-L", &tmux.socket])
                .args(&args)
                .output()
                .expect("the launcher runs"),
            None => tmux.command().args(&args).output().expect("tmux runs"),
        };
        assert!(output.status.success(), "tmux new-session failed: {}", String::from_utf8_lossy(&output.stderr));
        Some(tmux)
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket]);
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("tmux runs")
    }

    /// Types `keys` (tmux key names such as `Enter`, `Down`, or literal text).
    pub fn send_keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.target];
        args.extend_from_slice(keys);
        let output = self.run(&args);
        assert!(output.status.success(), "send-keys failed: {}", String::from_utf8_lossy(&output.stderr));
    }

    /// Types `text` literally (no key-name lookup).
    pub fn type_text(&self, text: &str) {
        let output = self.run(&["send-keys", "-t", &self.target, "-l", text]);
        assert!(output.status.success());
    }

    /// The pane's text; with `escapes`, including SGR colour sequences.
    pub fn capture(&self, escapes: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", &self.target];
        if escapes {
            args.push("-e");
        }
        String::from_utf8_lossy(&self.run(&args).stdout).into_owned()
    }

    /// The pane's text with its whole scrollback.
    pub fn capture_history(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-J", "-S", "-", "-t", &self.target]).stdout)
            .into_owned()
    }

    /// Clears the screen and the scrollback, and waits for the prompt alone.
    pub fn clear(&self) {
        self.type_text("clear");
        self.send_keys(&["Enter"]);
        self.wait_for("a cleared screen", |s| s.trim() == "$");
        let output = self.run(&["clear-history", "-t", &self.target]);
        assert!(output.status.success(), "clear-history: {}", String::from_utf8_lossy(&output.stderr));
    }

    /// Waits (up to `seconds`) until `ready` holds for the pane's text with its scrollback.
    pub fn wait_for_history(&self, what: &str, seconds: u64, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let text = self.capture_history();
            if ready(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; the pane was:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A tmux format evaluated for the pane, e.g. `#{alternate_on}`.
    pub fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(&self.run(&["display-message", "-p", "-t", &self.target, format]).stdout)
            .trim()
            .to_string()
    }

    /// Waits until the pane's text satisfies `ready`, then returns it; panics with the screen on timeout.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.capture(false);
            if ready(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; the screen was:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The shells the tests drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    pub const ALL: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

    pub fn program(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }

    /// The shell without rc files, its prompt `$ `.
    fn command(self) -> &'static str {
        match self {
            Shell::Bash => "env -u PROMPT_COMMAND PS1='$ ' bash --norc --noprofile",
            Shell::Zsh => "env PS1='$ ' PROMPT='$ ' RPROMPT='' zsh -f",
            Shell::Fish => {
                r"fish --no-config -C 'set -g fish_greeting; function fish_prompt; echo -n \$\ ; end; function fish_right_prompt; end'"
            }
        }
    }

    /// `code` to set an environment variable, in this shell's words.
    pub fn export(self, name: &str, value: &str) -> String {
        match self {
            Shell::Bash | Shell::Zsh => format!("export {name}='{value}'"),
            Shell::Fish => format!("set -gx {name} '{value}'"),
        }
    }

    /// The last command's exit status, in this shell's words.
    pub fn status(self) -> &'static str {
        match self {
            Shell::Bash | Shell::Zsh => "$?",
            Shell::Fish => "$status",
        }
    }

    /// Loads orgscope's shell function.
    pub fn load_function(self) -> String {
        match self {
            Shell::Bash | Shell::Zsh => format!("eval \"$(orgscope init {})\"", self.program()),
            Shell::Fish => "orgscope init fish | source".to_string(),
        }
    }
}

/// A tmux session for the real binary against the fake endpoint: test credentials, us-east-1, and
/// every file and cache under `home`.
#[allow(dead_code)]
pub fn against_fake(home: &Path, width: u16, height: u16) -> Option<Tmux> {
    let home_str = home.display().to_string();
    let config = home.join("aws-config").display().to_string();
    let credentials = home.join("aws-credentials").display().to_string();
    let env = [
        ("HOME", home_str.as_str()),
        ("TERM", "xterm-256color"),
        ("XDG_CACHE_HOME", home_str.as_str()),
        ("XDG_STATE_HOME", home_str.as_str()),
        ("AWS_CONFIG_FILE", config.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_str()),
        ("AWS_ACCESS_KEY_ID", "AKIDFAKEFAKEFAKE"),
        ("AWS_SECRET_ACCESS_KEY", "fake-secret-key"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    Tmux::start(home, width, height, &env)
}

/// The text of the tree row carrying the selection marker, without the pane borders.
pub fn selected_row(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| l.split('│').nth(1))
        .find(|cell| cell.starts_with('›'))
        .map(|cell| cell.trim().to_string())
        .unwrap_or_default()
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// Unique within this test process (tests run on parallel threads), whatever the clock says.
fn rand_suffix() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
