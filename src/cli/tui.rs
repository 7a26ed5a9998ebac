//! The TUI from the command line: its settings from the flags, the config and the environment;
//! the terminal taken and always given back; what the app's exit asks for (credentials handed to
//! the calling shell, a sub-shell, and back).

use std::io::Write;
use std::sync::Arc;

use super::context::Context;
use super::failure::{Failure, exit};
use crate::app::{self, App};
use crate::source::Source;

/// The TUI's settings from the command line, the config file and the environment.
fn settings(cx: &Context, source: &dyn Source) -> app::Settings {
    let mut settings = app::Settings::for_source(source);
    settings.probe = cx.probe_settings(source);
    let configured_shell = cx.config.export.shell.as_ref().map(|s| s.get_ref().clone());
    let shell = std::env::var(crate::export::handoff::SHELL_VAR)
        .ok()
        .or(configured_shell)
        .or_else(|| std::env::var("SHELL").ok())
        .unwrap_or_default();
    settings.export_format = crate::export::shell::Format::for_shell(&shell);
    settings.theme.light = cx.config.theme.as_ref().is_some_and(|t| t.get_ref() == "light");
    if let Some(lifetime) = &cx.config.clipboard_clear_after
        && let Ok(lifetime) = crate::duration::parse_duration(lifetime.get_ref())
        && let Ok(lifetime) = lifetime.to_std()
    {
        settings.secret_lifetime = lifetime;
    }
    for (name, keys) in &cx.config.keys {
        // Checked when the file was read.
        let _ = settings.keymap.rebind(name, &keys.get_ref().keys());
    }
    settings.assignments.window = cx.assignments_window();
    settings.session_seconds = cx.duration();
    settings.probe_at_start = cx.probe_at_start();
    if cx.flags.region.is_some() {
        settings.region = cx.flags.region.clone();
    }
    settings.assignments.sso_region = cx.flags.sso_region.clone();
    settings.console = app::settings::ConsoleSettings {
        destination: cx.config.console_destination.as_ref().map(|d| d.get_ref().clone()),
        region: cx.config.console_region.clone(),
        browser: cx.browser(),
    };
    settings.assignments.cache_path = cx.assignments_cache_path();
    settings.assignments.access_cache_path = cx.access_cache_path();
    // A live run starts from the last one at once (marked stale) and refreshes behind it.
    if cx.mode() == super::context::Mode::Live {
        settings.cache_path = cx.snapshot_cache_path();
    }
    settings
}

/// `orgscope` with no subcommand: the TUI, until `q`; Enter hands credentials to the shell, `x`
/// runs a sub-shell and comes back.
pub async fn run(cx: &Context) -> Result<u8, Failure> {
    let source = cx.source().await?;
    // Decided before the first frame: where Enter's exports go (and stdout, when it is a pipe,
    // is kept for them alone).
    let handoff = crate::export::handoff::for_tui();
    let mut app = App::new(settings(cx, source.as_ref()));
    app.settings.shell_listens = !matches!(handoff, crate::export::handoff::Handoff::Nowhere);
    // Your own Identity Center sign-in, when one is configured: its roles are read beside discovery.
    let portal = cx.optional_portal().await;
    app.settings.portal = portal.as_ref().map(|portal| app::settings::PortalSettings {
        label: portal.label(),
        preferred: cx.config.sso_roles.clone().unwrap_or_default(),
    });
    if let Some(path) = app.settings.cache_path.clone()
        && path.exists()
    {
        match crate::model::Snapshot::from_file(&path) {
            Ok(snapshot) => {
                app.load_cached(&snapshot);
                app.previous = Some(snapshot);
            }
            Err(err) => tracing::warn!(%err, "the cached snapshot is unreadable; starting afresh"),
        }
    }
    if app.previous.is_none() {
        app.previous = source.previous_snapshot();
    }
    let settings = app.settings.probe.clone();
    let prober = Arc::new(crate::probe::Prober::new(source, settings).with_portal(portal).with_keeping(cx.keeping()));
    loop {
        let mut terminal = crate::tui::terminal::init().map_err(Failure::runtime)?;
        let secret_lifetime = app.settings.secret_lifetime;
        let clipboard = |text: &str, secret: bool| {
            let mut stderr = std::io::stderr();
            if secret {
                crate::export::clipboard::copy_secret(text, secret_lifetime, Some(&mut stderr))
            } else {
                crate::export::clipboard::copy(text, Some(&mut stderr))
            }
        };
        let input = match crate::tui::terminal::Input::start() {
            Ok(input) => input,
            Err(err) => {
                crate::tui::terminal::restore();
                return Err(Failure::runtime(format!("the terminal's input could not be read: {err}")));
            }
        };
        let events = futures::stream::select(input, crate::tui::terminal::signals());
        let result = crate::tui::run::run(&mut terminal, &mut app, Arc::clone(&prober), events, clipboard).await;
        crate::tui::terminal::restore();
        if let Err(err) = &result
            && let Some(crate::tui::terminal::Signalled(number)) = err.get_ref().and_then(|e| e.downcast_ref())
        {
            return Ok(128 + *number as u8);
        }
        let exit = result.map_err(|err| Failure::runtime(format!("the TUI stopped: {err}")))?;
        match exit {
            app::Exit::Quit => return Ok(exit::OK),
            app::Exit::Export(credentials) => {
                return hand_to_shell(
                    &handoff,
                    &credentials,
                    app.settings.region.as_deref(),
                    app.settings.export_format,
                );
            }
            app::Exit::SubShell(credentials) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "sub-shell with {}; exit it to return to orgscope",
                    credentials.life_left()
                );
                let code = super::assume::exec(&credentials, app.settings.region.as_deref(), &[])?;
                tracing::info!(code, "sub-shell finished");
                app.exit = None;
            }
        }
    }
}

/// Hands Enter's credentials to the calling shell: into the shell function's channel, or onto
/// the stdout `eval "$(orgscope)"` captures. Never onto a terminal.
fn hand_to_shell(
    handoff: &crate::export::handoff::Handoff,
    credentials: &crate::model::TempCredentials,
    region: Option<&str>,
    format: crate::export::shell::Format,
) -> Result<u8, Failure> {
    use crate::export::handoff::Handoff;
    let written = match handoff {
        Handoff::Channel(channel) => {
            let text = crate::export::shell::render(credentials, region, channel.format).map_err(Failure::runtime)?;
            channel.write(&text).map_err(Failure::runtime)
        }
        Handoff::Pipe => {
            let text = crate::export::shell::render(credentials, region, format).map_err(Failure::runtime)?;
            crate::export::handoff::write_captured(&text)
                .map_err(|err| Failure::runtime(format!("could not hand the credentials to the shell: {err}")))
        }
        Handoff::Nowhere => Err(Failure::runtime(
            "no shell listens for the credentials: see `orgscope init --help` (nothing was printed)",
        )),
    };
    written?;
    let _ = writeln!(std::io::stderr(), "credentials handed to your shell: {}", credentials.life_left());
    Ok(exit::OK)
}
