//! Handing the credentials over the way `assume` was asked: a profile in the credentials file,
//! the console, a command, or exports (to the shell function, a captured stdout, or printed in the
//! format asked for). The demo writes nothing and opens no connection: it says what it would do.

use std::io::Write;

use super::super::args::AssumeArgs;
use super::super::context::{Context, Mode};
use super::super::failure::{Failure, exit};
use crate::export::shell::{self, Format};
use crate::model::{TempCredentials, Text};

/// `--write-profile NAME`: the profile in the shared credentials file (the demo only says so).
pub(super) fn write_profile(cx: &Context, name: &str, credentials: &TempCredentials) -> Result<u8, Failure> {
    let path = crate::export::credentials_file::default_path()
        .ok_or_else(|| Failure::runtime("no home directory: set AWS_SHARED_CREDENTIALS_FILE"))?;
    if credentials.seconds_left(chrono::Utc::now()) <= 0 {
        return Err(Failure::runtime("the credentials have expired: switch role again"));
    }
    let mut stderr = std::io::stderr();
    if cx.mode() == Mode::Demo {
        super::super::print(&crate::export::credentials_file::profile_block(name, credentials))?;
        let _ = writeln!(
            stderr,
            "the demo wrote nothing: with your organization this profile goes into {}",
            path.display()
        );
        return Ok(exit::OK);
    }
    crate::export::credentials_file::write_profile(&path, name, credentials)
        .map_err(|err| Failure::runtime(format!("could not write {}: {err}", path.display())))?;
    let _ = writeln!(stderr, "wrote profile {name} to {} ({})", path.display(), credentials.life_left());
    Ok(exit::OK)
}

/// `--console`: the sign-in URL, printed (`--print`) or opened; the demo's is made offline.
pub(super) fn console(
    cx: &Context,
    args: &AssumeArgs,
    credentials: &TempCredentials,
    account_name: &Text,
    region: Option<&str>,
) -> Result<u8, Failure> {
    use crate::export::console;
    let console_region =
        args.console_region.as_deref().or(cx.config.console_region.as_deref()).or(region).map(str::to_string);
    let destination = console::destination_url(
        console::partition_of(&credentials.role_arn),
        destination(cx, args).as_deref(),
        console_region.as_deref(),
    )
    .map_err(Failure::usage)?;
    let url = match credentials.demo {
        true => console::demo_signin_url(credentials, &destination),
        false => console::signin_url(credentials, &destination, console::test_endpoint().as_deref())
            .map_err(Failure::runtime)?,
    };
    if args.print {
        return super::super::print(&format!("{url}\n"));
    }
    cx.browser()
        .open_signin(&url, account_name.raw(), &credentials.account_id)
        .map_err(|err| Failure::runtime(format!("{err}: use --print to print the URL instead")))?;
    let _ = writeln!(std::io::stderr(), "opened the console ({})", credentials.life_left());
    Ok(exit::OK)
}

/// Where the console lands: `--destination`, else the config's `console_destination`.
pub(super) fn destination(cx: &Context, args: &AssumeArgs) -> Option<String> {
    args.destination.clone().or_else(|| cx.config.console_destination.as_ref().map(|d| d.get_ref().clone()))
}

/// Runs `command` (default `$SHELL`) with the credentials; returns its exit code. A shell (no
/// command) gets the terminal as its stdout, never a pipe that someone may evaluate; a command's
/// output goes where orgscope's would.
pub fn exec(credentials: &TempCredentials, region: Option<&str>, command: &[String]) -> Result<u8, Failure> {
    let shell = std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".to_string());
    let (program, args) = match command.split_first() {
        Some((program, args)) => (program.clone(), args.to_vec()),
        None => (shell, Vec::new()),
    };
    let mut child = std::process::Command::new(&program);
    crate::export::handoff::child(&mut child)
        .args(&args)
        .envs(shell::variables(credentials, region))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE");
    if command.is_empty() {
        child.stdout(crate::export::handoff::terminal_stdout());
    }
    let status = child.status().map_err(|err| Failure::runtime(format!("could not run {program}: {err}")))?;
    use std::os::unix::process::ExitStatusExt;
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code).unwrap_or(1),
        (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(1),
        (None, None) => 1,
    })
}

/// The export format asked for: `--format`, else the config's `export.format`.
fn chosen_format(cx: &Context, args: &AssumeArgs) -> Option<Format> {
    let configured =
        cx.config.export.format.as_ref().and_then(|f| <Format as clap::ValueEnum>::from_str(f.get_ref(), true).ok());
    args.format.or(configured)
}

/// The exports: to the shell function when it listens on a terminal, else printed in the format
/// asked for; on a bare terminal only when a format was asked for (else the secret would only
/// land on the screen).
pub(super) fn exports(
    cx: &Context,
    args: &AssumeArgs,
    credentials: &TempCredentials,
    region: Option<&str>,
) -> Result<u8, Failure> {
    let mut stderr = std::io::stderr();
    let chosen = chosen_format(cx, args);
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        if let Some(channel) = crate::export::handoff::Channel::from_env()
            && chosen.is_none_or(|format| format == channel.format)
        {
            let text = shell::render(credentials, region, channel.format).map_err(Failure::runtime)?;
            channel.write(&text).map_err(Failure::runtime)?;
            let _ = writeln!(stderr, "credentials handed to your shell: {}", credentials.life_left());
            return Ok(exit::OK);
        }
        if chosen.is_none() {
            return Err(Failure::usage(format!(
                "the credentials were not printed: stdout is a terminal and no shell function listens. Run `eval \"$(orgscope assume {})\"`, load the shell function (`orgscope init --help`), or pass --format sh to print them",
                crate::text::visible(&args.account)
            )));
        }
    }
    let format = chosen.unwrap_or(Format::Sh);
    super::super::print(&shell::render(credentials, region, format).map_err(Failure::runtime)?)?;
    if format != Format::CredentialProcess {
        let _ = writeln!(stderr, "{}", credentials.life_left());
    }
    Ok(exit::OK)
}
