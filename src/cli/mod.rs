//! The command line: flags, subcommands, exit codes. Errors reach the user as one sentence on
//! stderr with what to do next; scripts can rely on the exit codes below.

pub mod access;
pub mod assignments;
pub mod assume;
pub mod diff;
pub mod probe;
mod retry;
pub mod signin;
pub mod snapshot;
pub mod tree;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::app::{self, App};
use crate::source::aws::{AwsOptions, AwsSource};
use crate::source::snapshot::SnapshotSource;
use crate::source::{Source, SourceError};

/// Exit codes scripts can rely on.
pub mod exit {
    pub const OK: u8 = 0;
    pub const RUNTIME: u8 = 1;
    pub const USAGE: u8 = 2;
    /// `probe --fail-on-blocked` found blocked accounts.
    pub const BLOCKED: u8 = 3;
    /// `assume` on a blocked account.
    pub const ASSUME_BLOCKED: u8 = 4;
}

#[derive(Debug, Parser)]
#[command(
    name = "orgscope",
    version,
    about = "See your AWS organization, where you can get in, and why Identity Center assignments failed",
    long_about = "orgscope draws the AWS Organizations tree in the terminal, marks the accounts whose \
access is blocked and says why, and hands out credentials for the ones you can reach.\n\n\
Run it with no command for the TUI, or try it without an AWS account: orgscope --demo",
    after_help = "Exit codes: 0 success, 1 runtime error, 2 usage error, 3 blocked accounts found \
(probe --fail-on-blocked), 4 assume on a blocked account."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// AWS profile to use (default: the SDK's default chain: environment, profiles, SSO, IMDS)
    #[arg(long, global = true, value_name = "P")]
    pub profile: Option<String>,
    /// AWS region (default: from the profile or the environment, else us-east-1)
    #[arg(long, global = true, value_name = "R")]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint (AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> work too)
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Role to assume in member accounts, tried in order (repeatable; default: the config's roles,
    /// else OrganizationAccountAccessRole)
    #[arg(long = "role", global = true, value_name = "NAME")]
    pub roles: Vec<String>,
    /// External ID to pass when assuming roles
    #[arg(long, global = true, value_name = "ID")]
    pub external_id: Option<String>,
    /// Identity Center's region (default: the profile's sso_region, else --region)
    #[arg(long, global = true, value_name = "R")]
    pub sso_region: Option<String>,
    /// Your Identity Center sign-in: an [sso-session NAME] of the shared config (default: the
    /// config's sso_session, else the profile's sso_session or its legacy sso_start_url)
    #[arg(long, global = true, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// Use the embedded demo organization; no AWS call is made
    #[arg(long, global = true, conflicts_with = "snapshot")]
    pub demo: bool,
    /// Read a snapshot saved by `orgscope snapshot -o FILE`; no AWS call is made
    #[arg(long, global = true, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// The most AWS calls in flight at once (default: the config's, else 64); the pace adapts to throttling
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: Option<u16>,
    /// Do not read or write the local cache
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// The config file (default: $XDG_CONFIG_HOME/orgscope/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How the console opens: a command with %u for the URL (run without a shell, e.g.
    /// "firefox -P work %u"), or firefox-container (a Firefox container per account); default: the
    /// config's browser, else $BROWSER, else the system's opener
    #[arg(long, global = true, value_name = "CMD")]
    pub browser: Option<String>,
    /// The config file's contents, read once the flags are parsed.
    #[arg(skip)]
    pub settings: crate::config::Config,
}

/// Calls in flight when neither the flag nor the config says.
pub const DEFAULT_CONCURRENCY: u16 = 64;

impl GlobalArgs {
    /// The browser the console opens in.
    pub fn browser(&self) -> crate::export::browser::Browser {
        let choice = self.browser.as_deref().or(self.settings.browser.as_deref());
        crate::export::browser::Browser::choose(choice, std::env::var("BROWSER").ok())
    }

    /// Reads the config file and fills every flag the user left unset from it.
    pub fn apply_config(&mut self) -> Result<(), Failure> {
        let config = crate::config::load(self.config.as_deref())
            .map_err(|err| Failure { code: exit::USAGE, message: err.to_string() })?;
        if self.roles.is_empty() {
            self.roles = config.roles.clone().unwrap_or_else(|| vec![crate::remedy::DEFAULT_ROLE.to_string()]);
        }
        if self.concurrency.is_none() {
            let configured = config.concurrency.as_ref().and_then(|c| u16::try_from(*c.get_ref()).ok());
            self.concurrency = Some(configured.unwrap_or(DEFAULT_CONCURRENCY));
        }
        if self.external_id.is_none() {
            self.external_id = config.external_id.clone();
        }
        if self.sso_region.is_none() {
            self.sso_region = config.sso_region.clone();
        }
        if self.sso_session.is_none() {
            self.sso_session = config.sso_session.clone();
        }
        self.settings = config;
        self.validate()
    }

    /// Refuses values AWS would refuse, with what is allowed, before any call is made.
    fn validate(&self) -> Result<(), Failure> {
        let usage = |message: String| Failure { code: exit::USAGE, message };
        let allowed = |text: &str, extra: &str| {
            text.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) || extra.contains(c))
        };
        for role in &self.roles {
            if role.is_empty() || role.len() > 64 || !allowed(role, "") {
                return Err(usage(format!(
                    "--role {role:?} is not an IAM role name: 1 to 64 letters, digits and + = , . @ _ -"
                )));
            }
        }
        if let Some(id) = &self.external_id
            && (id.len() < 2 || id.len() > 1224 || !allowed(id, ":/"))
        {
            return Err(usage(format!(
                "--external-id {id:?} is not allowed: 2 to 1224 letters, digits and + = , . @ : / _ -"
            )));
        }
        for (flag, region) in [("--region", &self.region), ("--sso-region", &self.sso_region)] {
            if let Some(region) = region
                && (region.is_empty()
                    || !region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            {
                return Err(usage(format!("{flag} {region:?} is not a region name such as eu-west-1")));
            }
        }
        Ok(())
    }

    pub fn concurrency(&self) -> usize {
        usize::from(self.concurrency.unwrap_or(DEFAULT_CONCURRENCY))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Discover the organization and print it
    Tree {
        #[arg(long, value_enum, default_value_t = TreeFormat::Text)]
        format: TreeFormat,
        /// Also read every account's tags (one ListTagsForResource call per account)
        #[arg(long)]
        with_tags: bool,
    },
    /// Discover the organization and try to assume a role in every account
    Probe {
        #[arg(long, value_enum, default_value_t = probe::ProbeFormat::Text)]
        format: probe::ProbeFormat,
        /// Exit with code 3 when any account is blocked
        #[arg(long)]
        fail_on_blocked: bool,
    },
    /// Identity Center requests (assignments created and deleted, permission sets provisioned)
    /// from CloudTrail and Identity Center's status APIs, with why each failed; `retry` sends one again
    Assignments(assignments::AssignmentsArgs),
    /// Who can get in where through Identity Center: every assignment, or one user's effective
    /// access through her groups
    Access(access::AccessArgs),
    /// Credentials for one account: exports for a shell, a profile, a sub-process or the console
    Assume(assume::AssumeArgs),
    /// Sign in to Identity Center (device authorization, as `aws sso login`), into the AWS CLI's
    /// token cache
    Login {
        /// Print the URL and the code on stderr instead of opening a browser
        #[arg(long)]
        no_browser: bool,
    },
    /// The accounts and roles your Identity Center sign-in reaches
    Roles {
        #[arg(long, value_enum, default_value_t = signin::RolesFormat::Text)]
        format: signin::RolesFormat,
    },
    /// One ~/.aws/config profile per reachable account (with --sso: per portal role), in a block
    /// a second run replaces
    Profiles {
        /// One sso-session profile per role your Identity Center sign-in holds, instead of one
        /// role_arn profile per account reachable through the cross-account role
        #[arg(long)]
        sso: bool,
        /// Put this in front of every profile name
        #[arg(long, value_name = "P", default_value = "")]
        prefix: String,
        /// Write the block into the AWS config file (AWS_CONFIG_FILE honoured) instead of printing it
        #[arg(long)]
        write: bool,
        /// How to name each profile: {account_id}, {account_name}, {ou_path} (OUs joined with -),
        /// {ou} (the nearest OU), {role} (default: the config's profile_name_template, else the
        /// OU path and the account name)
        #[arg(long, value_name = "T")]
        name_template: Option<String>,
    },
    /// Print the shell function that lets switch-role in the TUI change the current shell
    Init {
        #[arg(value_enum)]
        shell: crate::export::init::InitShell,
    },
    /// Print a fix as a ready file: the role's trust policy, a StackSet that installs it everywhere,
    /// or the least-privilege policy for the identity running orgscope
    Template {
        #[arg(value_enum)]
        kind: crate::remedy::Template,
        /// The account allowed to assume the role (default: the organization's management account)
        #[arg(long, value_name = "ID")]
        management_account: Option<String>,
    },
    /// What changed between two runs: OLD and NEW are snapshot files, - (a live run now) or cached
    /// (the profile's last cached run); exit 5 when something changed
    Diff {
        old: String,
        new: String,
        #[arg(long, value_enum, default_value_t = diff::DiffFormat::Text)]
        format: diff::DiffFormat,
    },
    /// Save the organization, every account's probe verdict and the assignment attempts, for
    /// offline viewing with --snapshot FILE
    Snapshot {
        /// Where to write the snapshot
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Internal: holds a secret on the clipboard (read from stdin), marked for clipboard managers
    /// as one, and clears it after SECONDS. orgscope starts this itself for `y` and `O`.
    #[command(hide = true)]
    ClipboardHold {
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
        seconds: u64,
    },
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TreeFormat {
    Text,
    Json,
    /// Graphviz source (`dot -Tsvg`)
    Dot,
    /// A Mermaid flowchart for Markdown
    Mermaid,
    /// A self-contained SVG
    Svg,
}

/// A failure that ends the command, with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn runtime(message: impl std::fmt::Display) -> Failure {
        Failure { code: exit::RUNTIME, message: message.to_string() }
    }
}

impl From<SourceError> for Failure {
    fn from(err: SourceError) -> Failure {
        Failure::runtime(err)
    }
}

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

pub async fn run(mut cli: Cli) -> Result<u8, Failure> {
    if !matches!(
        cli.command,
        Some(Command::Completions { .. }) | Some(Command::Init { .. }) | Some(Command::ClipboardHold { .. })
    ) {
        cli.global.apply_config()?;
    }
    match cli.command {
        None => run_tui(&cli.global).await,
        Some(Command::Tree { format, with_tags }) => {
            let source = build_source(&cli.global).await?;
            tree::run(source.as_ref(), format, with_tags).await
        }
        Some(Command::Probe { format, fail_on_blocked }) => {
            let source = build_source(&cli.global).await?;
            probe::run(source, &cli.global, format, fail_on_blocked).await
        }
        Some(Command::Assignments(args)) => {
            let source = build_source(&cli.global).await?;
            assignments::run(source, &cli.global, &args).await
        }
        Some(Command::Access(args)) => {
            let source = build_source(&cli.global).await?;
            access::run(source, &cli.global, &args).await
        }
        Some(Command::Assume(args)) => assume::run(&cli.global, &args).await,
        Some(Command::Login { no_browser }) => signin::login(&cli.global, no_browser).await,
        Some(Command::Roles { format }) => signin::roles(&cli.global, format).await,
        Some(Command::Profiles { sso, prefix, write, name_template }) => {
            let template = name_template
                .or_else(|| cli.global.settings.profile_name_template.as_ref().map(|t| t.get_ref().clone()))
                .map(|t| crate::export::profiles::NameTemplate::parse(&t))
                .transpose()
                .map_err(|message| Failure { code: exit::USAGE, message })?;
            if sso {
                return signin::profiles(&cli.global, &prefix, write, template.as_ref()).await;
            }
            let source = build_source(&cli.global).await?;
            probe::profiles(source, &cli.global, &prefix, write, template.as_ref()).await
        }
        Some(Command::Init { shell }) => {
            std::io::stdout().write_all(crate::export::init::script(shell).as_bytes()).map_err(Failure::runtime)?;
            Ok(exit::OK)
        }
        Some(Command::Template { kind, management_account }) => template(&cli.global, kind, management_account).await,
        Some(Command::Snapshot { output }) => {
            let source = build_source(&cli.global).await?;
            snapshot::save(source, &cli.global, &output).await
        }
        Some(Command::Diff { old, new, format }) => diff::run(&cli.global, &old, &new, format).await,
        Some(Command::ClipboardHold { seconds }) => clipboard_hold(seconds),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(shell, &mut Cli::command(), "orgscope", &mut std::io::stdout());
            Ok(exit::OK)
        }
    }
}

/// The source the global flags ask for: the demo, a snapshot file, or AWS.
pub async fn build_source(global: &GlobalArgs) -> Result<Arc<dyn Source>, Failure> {
    if global.demo {
        return Ok(Arc::new(SnapshotSource::demo()?));
    }
    if let Some(path) = &global.snapshot {
        return Ok(Arc::new(SnapshotSource::from_file(path)?));
    }
    Ok(Arc::new(AwsSource::connect(aws_options(global)).await?))
}

/// How to reach AWS, from the global flags.
pub fn aws_options(global: &GlobalArgs) -> AwsOptions {
    AwsOptions {
        profile: global.profile.clone(),
        region: global.region.clone(),
        endpoint_url: global.endpoint_url.clone(),
        concurrency: global.concurrency(),
        ..AwsOptions::default()
    }
}

async fn template(
    global: &GlobalArgs,
    kind: crate::remedy::Template,
    management_account: Option<String>,
) -> Result<u8, Failure> {
    let management_account_id = match management_account {
        Some(id) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => id,
        Some(id) => {
            return Err(Failure {
                code: exit::USAGE,
                message: format!("--management-account {id:?} is not a 12-digit AWS account id"),
            });
        }
        None => build_source(global).await?.management_account_id().await?,
    };
    let values = crate::remedy::TemplateValues {
        management_account_id,
        role_name: global.roles.first().cloned(),
        external_id: global.external_id.clone(),
    };
    std::io::stdout()
        .write_all(kind.render(&values).as_bytes())
        .map_err(|err| Failure::runtime(format!("could not write the template: {err}")))?;
    Ok(exit::OK)
}

/// The TUI's settings from the command line, the config file and the environment.
fn tui_settings(global: &GlobalArgs, source: &dyn Source) -> app::Settings {
    let mut settings = app::Settings::for_source(source);
    settings.probe = probe::settings(global, source);
    let configured_shell = global.settings.export.shell.as_ref().map(|s| s.get_ref().clone());
    let shell = std::env::var(crate::export::handoff::SHELL_VAR)
        .ok()
        .or(configured_shell)
        .or_else(|| std::env::var("SHELL").ok())
        .unwrap_or_default();
    settings.export_format = crate::export::shell::Format::for_shell(&shell);
    settings.theme.light = global.settings.theme.as_ref().is_some_and(|t| t.get_ref() == "light");
    if let Some(lifetime) = &global.settings.clipboard_clear_after
        && let Ok(lifetime) = crate::duration::parse_duration(lifetime.get_ref())
        && let Ok(lifetime) = lifetime.to_std()
    {
        settings.secret_lifetime = lifetime;
    }
    for (name, keys) in &global.settings.keys {
        // Checked when the file was read.
        let _ = settings.keymap.rebind(name, &keys.get_ref().keys());
    }
    if let Some(since) = &global.settings.assignments.since
        && let Ok(window) = crate::duration::parse_duration(since.get_ref())
    {
        settings.assignments.window = window;
    }
    if global.region.is_some() {
        settings.region = global.region.clone();
    }
    settings.assignments.sso_region = global.sso_region.clone();
    settings.console = app::settings::ConsoleSettings {
        destination: global.settings.console_destination.as_ref().map(|d| d.get_ref().clone()),
        region: global.settings.console_region.clone(),
        browser: global.browser(),
    };
    if !global.no_cache {
        let region = global.sso_region.as_deref().or(global.region.as_deref()).unwrap_or("default");
        settings.assignments.cache_path = assignments::cache_path(region);
        settings.assignments.access_cache_path = access::cache_path(global);
    }
    // A live run starts from the last one at once (marked stale) and refreshes behind it.
    let live = !global.demo && global.snapshot.is_none();
    if live && !global.no_cache {
        settings.cache_path = snapshot::cache_path(global);
    }
    settings
}

async fn run_tui(global: &GlobalArgs) -> Result<u8, Failure> {
    let source = build_source(global).await?;
    // Decided before the first frame: where Enter's exports go (and stdout, when it is a pipe,
    // is kept for them alone).
    let handoff = crate::export::handoff::for_tui();
    let mut app = App::new(tui_settings(global, source.as_ref()));
    app.settings.shell_listens = !matches!(handoff, crate::export::handoff::Handoff::Nowhere);
    // Your own Identity Center sign-in, when one is configured: its roles are read beside discovery.
    let portal = signin::optional_portal(global).await;
    app.settings.portal = portal.as_ref().map(|portal| app::settings::PortalSettings {
        label: portal.label(),
        preferred: global.settings.sso_roles.clone().unwrap_or_default(),
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
    let prober = Arc::new(crate::probe::Prober::new(source, settings).with_portal(portal));
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
                let code = assume::exec(&credentials, app.settings.region.as_deref(), &[])?;
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

/// `orgscope clipboard-hold`: started by orgscope itself with the secret on stdin, never from a
/// terminal.
fn clipboard_hold(seconds: u64) -> Result<u8, Failure> {
    use std::io::{IsTerminal, Read};
    if std::io::stdin().is_terminal() {
        return Err(Failure {
            code: exit::USAGE,
            message:
                "clipboard-hold is orgscope's own helper for `y` and `O` in the TUI: it reads the text from a pipe"
                    .into(),
        });
    }
    let mut text = String::new();
    std::io::stdin().take(1024 * 1024).read_to_string(&mut text).map_err(Failure::runtime)?;
    crate::export::clipboard::hold(&text, std::time::Duration::from_secs(seconds)).map_err(Failure::runtime)?;
    Ok(exit::OK)
}
