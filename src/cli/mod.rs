//! The command line: flags ([`args`]), what they resolve to once ([`context`]), one module per
//! command, and the exit codes ([`failure`]). Errors reach the user as one sentence on stderr with
//! what to do next; scripts can rely on the exit codes.

pub mod access;
pub mod args;
pub mod assignments;
pub mod assume;
pub mod context;
pub mod diff;
pub mod failure;
mod fix;
mod fix_stackset;
pub mod permission_sets;
pub mod probe;
pub mod profiles;
mod retry;
pub mod signin;
pub mod snapshot;
mod template;
pub mod tree;
mod tui;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

pub use args::{Cli, Command, DEFAULT_CONCURRENCY, GlobalArgs, TreeFormat};
pub use context::{Context, Mode};
pub use failure::{Failure, exit};

/// Parses the command line, runs it, and reports a failure as one line on stderr.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::logging::init();
    if crate::export::handoff::older_function() {
        // What this run prints would be evaluated by that function: only exports may go there.
        crate::export::handoff::capture_stdout();
        let shell = std::env::var(crate::export::handoff::SHELL_VAR).unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "orgscope: your shell runs orgscope through an older shell function that evaluates what orgscope prints; \
             open a new shell, or run `eval \"$(orgscope init {})\"`, to load the new one (output is on stderr until then)",
            crate::text::visible(&shell)
        );
    }
    match run(cli).await {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            // Messages quote AWS and snapshot text; its parts are visible already, this is the last guard.
            let _ = writeln!(std::io::stderr(), "orgscope: {}", crate::text::visible_lines(&failure.message));
            ExitCode::from(failure.code)
        }
    }
}

/// Runs one command line. `init`, `completions` and `clipboard-hold` need no config file (a
/// broken one must not break the shell's rc file); every other command reads it once.
pub async fn run(cli: Cli) -> Result<u8, Failure> {
    let Cli { global, command } = cli;
    let cx = match &command {
        Some(Command::Init { .. } | Command::Completions { .. } | Command::ClipboardHold { .. }) => {
            Context::bare(global)
        }
        _ => Context::new(global)?,
    };
    match command {
        None => tui::run(&cx).await,
        Some(Command::Tree { format, with_tags }) => tree::run(&cx, format, with_tags).await,
        Some(Command::Probe { format, fail_on_blocked }) => probe::run(&cx, format, fail_on_blocked).await,
        Some(Command::Assignments(args)) => match &args.action {
            Some(args::AssignmentsAction::Retry { request_id, yes, format }) => {
                retry::run(&cx, request_id, *yes, *format).await
            }
            None => assignments::run(&cx, &args).await,
        },
        Some(Command::Access(args)) => access::run(&cx, &args).await,
        Some(Command::PermissionSets { format }) => permission_sets::run(&cx, format).await,
        Some(Command::Assume(args)) => assume::run(&cx, &args).await,
        Some(Command::Login { no_browser, use_device_code }) => signin::login(&cx, no_browser, use_device_code).await,
        Some(Command::Logout { sso }) => signin::logout(&cx, sso).await,
        Some(Command::Roles { format }) => signin::roles(&cx, format).await,
        Some(Command::Profiles { sso, credential_process, prefix, write, name_template }) => {
            let template = cx.name_template(name_template.as_deref())?;
            let options = profiles::Options { prefix: &prefix, write, template: template.as_ref(), credential_process };
            match sso {
                true => profiles::sso(&cx, &options).await,
                false => profiles::roles(&cx, &options).await,
            }
        }
        Some(Command::Init { shell }) => print(&crate::export::init::script(shell)),
        Some(Command::Template { kind, management_account }) => template::run(&cx, kind, management_account).await,
        Some(Command::Snapshot { output }) => snapshot::save(&cx, &output).await,
        Some(Command::Fix { accounts, dry_run, yes, stackset, format }) => {
            fix::run(&cx, &accounts, fix::Options { dry_run, yes, stackset, format }).await
        }
        Some(Command::Diff { old, new, format }) => diff::run(&cx, &old, &new, format).await,
        Some(Command::ClipboardHold { seconds }) => clipboard_hold(seconds),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(shell, &mut Cli::command(), "orgscope", &mut std::io::stdout());
            Ok(exit::OK)
        }
    }
}

/// Writes a command's data to stdout.
/// Asks `prompt` on the terminal (stderr); only `y` or `yes` is a yes. Every write to AWS passes here
/// (or `--yes`).
fn confirm(prompt: &str) -> Result<bool, Failure> {
    use std::io::BufRead;
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{prompt}");
    let _ = stderr.flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(Failure::runtime)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

pub fn print(text: &str) -> Result<u8, Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|err| Failure::runtime(format!("could not write the output: {err}")))?;
    Ok(exit::OK)
}

/// A warning on stderr, one line (the message quotes AWS: shown in its visible form).
pub fn warn(message: &str) {
    let _ = writeln!(std::io::stderr(), "orgscope: warning: {}", crate::text::visible(message));
}

/// `orgscope clipboard-hold`: started by orgscope itself with the secret on stdin, never from a
/// terminal.
fn clipboard_hold(seconds: u64) -> Result<u8, Failure> {
    use std::io::{IsTerminal, Read};
    if std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "clipboard-hold is orgscope's own helper for `y` and `O` in the TUI: it reads the text from a pipe",
        ));
    }
    let mut text = String::new();
    std::io::stdin().take(1024 * 1024).read_to_string(&mut text).map_err(Failure::runtime)?;
    crate::export::clipboard::hold(&text, std::time::Duration::from_secs(seconds)).map_err(Failure::runtime)?;
    Ok(exit::OK)
}
