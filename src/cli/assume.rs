//! `orgscope assume ACCOUNT`: credentials for one account, every way users take them — exports for a
//! shell, a profile in the credentials file, a sub-process, the console, `credential_process`.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::{Failure, GlobalArgs, exit};
use crate::export::shell::{self, Format};
use crate::model::lookup::LookupError;
use crate::model::portal::{RoleChoice, choose_role};
use crate::model::{ProbeOutcome, ProbeStatus, Reason, TempCredentials, Text};
use crate::probe::{CallerContext, ProbeTarget, Prober, SWITCH_SESSION_SECONDS};
use crate::source::Source;
use crate::source::portal::{Portal, PortalError};

/// How `assume` gets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Via {
    /// sts:AssumeRole into the cross-account role (--role)
    Role,
    /// Your Identity Center sign-in: the access portal's credentials for a permission set's role
    Sso,
    /// The role first; when it is blocked, Identity Center
    #[default]
    Auto,
}

#[derive(Debug, Clone, Args)]
pub struct AssumeArgs {
    /// The account: its 12-digit id or its exact name (case-insensitive)
    pub account: String,
    /// How to get in: role (sts:AssumeRole), sso (your Identity Center sign-in), auto (the role,
    /// then Identity Center when the role is blocked)
    #[arg(long, value_enum, default_value_t = Via::Auto)]
    pub via: Via,
    /// The portal role (permission set) to take through Identity Center (default: the first of the
    /// config's sso_roles the account offers, else its only role)
    #[arg(long, value_name = "NAME")]
    pub sso_role: Option<String>,
    /// How to print the credentials (default: the config's export.format, else sh)
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Session length in seconds (900–43200; role chaining caps it at 3600; through Identity
    /// Center the permission set's own session duration decides)
    #[arg(long, value_name = "SECONDS", default_value_t = SWITCH_SESSION_SECONDS,
          value_parser = clap::value_parser!(i32).range(900..=43200))]
    pub duration: i32,
    /// Write the credentials as this profile into the shared credentials file instead of printing
    #[arg(long, value_name = "NAME")]
    pub write_profile: Option<String>,
    /// Open the AWS console signed in as the role (with --print: print the URL)
    #[arg(long)]
    pub console: bool,
    /// With --console: print the sign-in URL instead of opening a browser
    #[arg(long, requires = "console")]
    pub print: bool,
    /// With --console: where to land: a service (s3, ec2, iam, cloudformation, lambda, …), a console
    /// path (/ec2/home#Instances:) or a console URL (default: the config's console_destination,
    /// else the console home)
    #[arg(long, value_name = "D", requires = "console")]
    pub destination: Option<String>,
    /// With --console: the console's region (default: the config's console_region, else --region)
    #[arg(long, value_name = "R", requires = "console")]
    pub console_region: Option<String>,
    /// Run a command (default: $SHELL) with the credentials in its environment; its exit code is
    /// passed through
    #[arg(long)]
    pub exec: bool,
    /// The command for --exec
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
    /// MFA device ARN for roles that require MFA (the code is asked for on the terminal)
    #[arg(long, value_name = "ARN")]
    pub mfa_serial: Option<String>,
    /// The MFA code, instead of being asked
    #[arg(long, value_name = "CODE", requires = "mfa_serial")]
    pub mfa_code: Option<String>,
}

/// The account `wanted` names: its id, or a name no other account shares (any case).
pub fn find_account<'a>(targets: &'a [ProbeTarget], wanted: &str) -> Result<&'a ProbeTarget, LookupError> {
    crate::model::lookup::find_account(targets, wanted, |t| t.account.id.as_str(), |t| &t.account.name)
}

impl From<LookupError> for Failure {
    fn from(err: LookupError) -> Failure {
        Failure { code: exit::USAGE, message: err.to_string() }
    }
}

/// The exit code and stderr text for an account that cannot be entered.
pub fn refusal(target: &ProbeTarget, outcome: &ProbeOutcome) -> Failure {
    let account = format!("{} ({})", target.account.name, target.account.id);
    if outcome.reason == Some(Reason::CallerAccount) {
        return Failure::runtime(format!(
            "you are signed in to {account} already: your current credentials work there, no role is needed"
        ));
    }
    let reason = outcome.reason.map(|r| r.code()).unwrap_or("unknown");
    let mut message = format!("{account} is {}: {reason}", outcome.status.code());
    if let Some(aws) = &outcome.message {
        message.push_str(&format!("\n  AWS: {aws}"));
    }
    if let Some(hint) = &outcome.hint {
        message.push_str(&format!("\n  Fix: {hint}"));
    }
    let code = match outcome.status {
        ProbeStatus::Blocked | ProbeStatus::Skipped => exit::ASSUME_BLOCKED,
        ProbeStatus::Reachable | ProbeStatus::Error => exit::RUNTIME,
    };
    Failure { code, message }
}

fn read_mfa_code(serial: &str) -> Result<String, Failure> {
    let tty = std::fs::File::open("/dev/tty")
        .map_err(|err| Failure::runtime(format!("cannot ask for the MFA code ({err}): pass --mfa-code")))?;
    let _ = write!(std::io::stderr(), "MFA code for {serial}: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::BufReader::new(tty).read_line(&mut line).map_err(Failure::runtime)?;
    Ok(line.trim().to_string())
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

pub async fn run(global: &GlobalArgs, args: &AssumeArgs) -> Result<u8, Failure> {
    if args.account.bytes().all(|b| b.is_ascii_digit()) && args.account.len() != 12 {
        return Err(Failure {
            code: exit::USAGE,
            message: format!("{:?} is not an account id: an account id has 12 digits (or give the name)", args.account),
        });
    }
    let destination =
        args.destination.clone().or_else(|| global.settings.console_destination.as_ref().map(|d| d.get_ref().clone()));
    if args.console
        && let Some(destination) = &destination
    {
        crate::export::console::check_destination(destination)
            .map_err(|err| Failure { code: exit::USAGE, message: err.to_string() })?;
    }
    let (credentials, account_name, region) = match args.via {
        Via::Sso => {
            let portal = super::signin::build_portal(global).await?;
            let (credentials, name) = through_portal(portal.as_ref(), global, args, None).await?;
            (credentials, name, export_region(global))
        }
        Via::Role | Via::Auto => {
            let source = super::build_source(global).await?;
            let (credentials, name) = through_role(Arc::clone(&source), global, args).await?;
            (credentials, name, global.region.clone().or_else(|| source.region()))
        }
    };
    let mut stderr = std::io::stderr();

    if let Some(name) = &args.write_profile {
        let path: PathBuf = crate::export::credentials_file::default_path()
            .ok_or_else(|| Failure::runtime("no home directory: set AWS_SHARED_CREDENTIALS_FILE"))?;
        if credentials.seconds_left(chrono::Utc::now()) <= 0 {
            return Err(Failure::runtime("the credentials have expired: switch role again"));
        }
        crate::export::credentials_file::write_profile(&path, name, &credentials)
            .map_err(|err| Failure::runtime(format!("could not write {}: {err}", path.display())))?;
        let _ = writeln!(stderr, "wrote profile {name} to {} ({})", path.display(), credentials.life_left());
        return Ok(exit::OK);
    }
    if args.console {
        use crate::export::console;
        let console_region =
            args.console_region.clone().or_else(|| global.settings.console_region.clone()).or_else(|| region.clone());
        let destination = console::destination_url(
            console::partition_of(&credentials.role_arn),
            destination.as_deref(),
            console_region.as_deref(),
        )
        .map_err(|err| Failure { code: exit::USAGE, message: err.to_string() })?;
        let url = console::signin_url(&credentials, &destination, console::test_endpoint().as_deref())
            .map_err(Failure::runtime)?;
        if args.print {
            println!("{url}");
        } else {
            global
                .browser()
                .open_signin(&url, account_name.raw(), &credentials.account_id)
                .map_err(|err| Failure::runtime(format!("{err}: use --print to print the URL instead")))?;
            let _ = writeln!(stderr, "opened the console ({})", credentials.life_left());
        }
        return Ok(exit::OK);
    }
    if args.exec {
        let _ = writeln!(stderr, "running with {}", credentials.life_left());
        return exec(&credentials, region.as_deref(), &args.command);
    }
    let chosen = chosen_format(global, args);
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        // On a terminal the exports would only put the secret on the screen: they go to the
        // shell function when it listens, and are printed only when a format was asked for.
        if let Some(channel) = crate::export::handoff::Channel::from_env()
            && chosen.is_none_or(|format| format == channel.format)
        {
            let text = shell::render(&credentials, region.as_deref(), channel.format).map_err(Failure::runtime)?;
            channel.write(&text).map_err(Failure::runtime)?;
            let _ = writeln!(stderr, "credentials handed to your shell: {}", credentials.life_left());
            return Ok(exit::OK);
        }
        if chosen.is_none() {
            return Err(Failure {
                code: exit::USAGE,
                message: format!(
                    "the credentials were not printed: stdout is a terminal and no shell function listens. Run `eval \"$(orgscope assume {})\"`, load the shell function (`orgscope init --help`), or pass --format sh to print them",
                    crate::text::visible(&args.account)
                ),
            });
        }
    }
    let format = chosen.unwrap_or(Format::Sh);
    let text = shell::render(&credentials, region.as_deref(), format).map_err(Failure::runtime)?;
    std::io::stdout().write_all(text.as_bytes()).map_err(Failure::runtime)?;
    if format != Format::CredentialProcess {
        let _ = writeln!(stderr, "{}", credentials.life_left());
    }
    Ok(exit::OK)
}

/// The export format asked for: `--format`, else the config's `export.format`.
fn chosen_format(global: &GlobalArgs, args: &AssumeArgs) -> Option<Format> {
    let configured = global
        .settings
        .export
        .format
        .as_ref()
        .and_then(|f| <Format as clap::ValueEnum>::from_str(f.get_ref(), true).ok());
    args.format.or(configured)
}

/// The role first; with `--via auto`, Identity Center when the role is blocked.
async fn through_role(
    source: Arc<dyn Source>,
    global: &GlobalArgs,
    args: &AssumeArgs,
) -> Result<(TempCredentials, Text), Failure> {
    let org = source.discover(Arc::new(|_| {})).await?;
    let targets = ProbeTarget::all(&org);
    let target = find_account(&targets, &args.account)?;
    if let Some(run) = source.saved_run() {
        // A saved verdict that keeps the account out is still the answer; otherwise AWS is needed.
        if let Some(outcome) = source.saved_outcome(&target.account.id).filter(|o| o.status != ProbeStatus::Reachable) {
            return Err(refusal(target, &outcome));
        }
        return Err(Failure::runtime(format!(
            "{run} is a saved snapshot: run orgscope without --snapshot to switch role"
        )));
    }
    let mfa = match (&args.mfa_serial, &args.mfa_code) {
        (Some(serial), Some(code)) => Some((serial.clone(), code.clone())),
        (Some(serial), None) => Some((serial.clone(), read_mfa_code(serial)?)),
        _ => None,
    };
    let prober = Prober::new(Arc::clone(&source), super::probe::settings(global, source.as_ref()));
    let outcome = match prober.switch_role(target, &CallerContext::of(&org), args.duration, mfa).await {
        Ok(credentials) => return Ok((credentials, target.account.name.clone())),
        Err(outcome) => outcome,
    };
    let mut refused = refusal(target, &outcome);
    if args.via != Via::Auto || outcome.status != ProbeStatus::Blocked {
        return Err(refused);
    }
    // Without a sign-in configured the role's refusal is the whole answer.
    let portal = match super::signin::build_portal(global).await {
        Ok(portal) => portal,
        Err(PortalError::NotConfigured(_) | PortalError::Unavailable(_)) => return Err(refused),
        Err(err) => {
            refused.message.push_str(&format!("\n  Identity Center: {err}"));
            return Err(refused);
        }
    };
    let account = (target.account.id.as_str(), &target.account.name);
    match through_portal(portal.as_ref(), global, args, Some(account)).await {
        Ok((credentials, name)) => {
            let _ = writeln!(
                std::io::stderr(),
                "{name} is blocked for the role ({}): in through Identity Center as {}",
                outcome.reason.map(|r| r.code()).unwrap_or("unknown"),
                credentials.sso_role.as_deref().map(crate::text::visible).unwrap_or_default()
            );
            Ok((credentials, name))
        }
        // A choice to make is the user's: exit 2 with the roles to pick from.
        Err(failure) if failure.code == exit::USAGE => Err(failure),
        Err(failure) => {
            refused.message.push_str(&format!("\n  Identity Center: {}", failure.message));
            Err(refused)
        }
    }
}

/// Credentials through the access portal: the account (`known`, else found by id or name among
/// the portal's), the role (`--sso-role`, else the config's `sso_roles` order, else the only one).
async fn through_portal(
    portal: &dyn Portal,
    global: &GlobalArgs,
    args: &AssumeArgs,
    known: Option<(&str, &Text)>,
) -> Result<(TempCredentials, Text), Failure> {
    let (account_id, name) = match known {
        Some((id, name)) => (id.to_string(), name.clone()),
        None if args.account.len() == 12 && args.account.bytes().all(|b| b.is_ascii_digit()) => {
            (args.account.clone(), Text::from(args.account.as_str()))
        }
        None => {
            let listed = portal.account_list().await?;
            let (id, name) = crate::model::lookup::find_account(&listed, &args.account, |a| a.0.as_str(), |a| &a.1)?;
            (id.clone(), name.clone())
        }
    };
    let roles = portal.roles(&account_id).await?;
    let preferred = global.settings.sso_roles.clone().unwrap_or_default();
    let account = if name.raw() == account_id { account_id.clone() } else { format!("{name} ({account_id})") };
    let offered = || crate::text::join(&roles, ", ");
    let role = choose_role(&roles, args.sso_role.as_deref(), &preferred).map_err(|choice| match choice {
        RoleChoice::NotOffered => Failure {
            code: exit::USAGE,
            message: format!(
                "{account} offers no role {} through Identity Center; it offers: {}",
                crate::text::visible(args.sso_role.as_deref().unwrap_or_default()),
                offered()
            ),
        },
        RoleChoice::Several => Failure {
            code: exit::USAGE,
            message: format!(
                "{account} offers several roles through Identity Center: {}; pick one with --sso-role NAME (or order them in the config's sso_roles)",
                offered()
            ),
        },
        RoleChoice::None => Failure {
            code: exit::ASSUME_BLOCKED,
            message: format!("{account}: your Identity Center sign-in ({}) holds no role there", portal.label()),
        },
    })?;
    let credentials = portal.credentials(&account_id, role.raw()).await?;
    Ok((credentials, name))
}

/// The region the exports name for portal credentials: --region, else the profile's region.
pub(crate) fn export_region(global: &GlobalArgs) -> Option<String> {
    use crate::source::aws::shared_config::{SharedConfig, profile_name};
    if global.region.is_some() {
        return global.region.clone();
    }
    if global.demo {
        return crate::source::snapshot::SnapshotSource::demo().ok().and_then(|s| s.region());
    }
    SharedConfig::load().0.profile(&profile_name(global.profile.as_deref())).and_then(|p| p.get("region").cloned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Account;

    fn target(id: &str, name: &str) -> ProbeTarget {
        ProbeTarget { account: Account::fixture(id, name), path: Vec::new() }
    }

    #[test]
    fn accounts_are_found_by_id_or_a_name_no_other_account_shares() {
        let targets = vec![
            target("111111111111", "payments-prod"),
            target("222222222222", "payments-dev"),
            target("333333333333", "dns"),
            target("444444444444", "DNS"),
        ];
        assert_eq!(find_account(&targets, "222222222222").map(|t| t.account.id.as_str()), Ok("222222222222"));
        assert_eq!(find_account(&targets, "PAYMENTS-PROD").map(|t| t.account.id.as_str()), Ok("111111111111"));
        assert!(matches!(find_account(&targets, "dns"), Err(LookupError::Ambiguous { .. })));
        let failure = Failure::from(find_account(&targets, "payments-prd").expect_err("unknown"));
        assert_eq!(failure.code, exit::USAGE);
        assert!(failure.message.contains("payments-prod") && !failure.message.contains("dns"), "{}", failure.message);
    }
}
