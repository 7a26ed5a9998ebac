//! The command line as typed: the global flags, the subcommands and their flags, checked for
//! values AWS would refuse. [`super::context::Context`] turns them, once, into what the commands
//! work with.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::failure::{Failure, exit};
use crate::export::shell::Format;
use crate::model::Operation;

#[derive(Debug, Parser)]
#[command(
    name = "orgscope",
    version,
    about = "See your AWS organization, where you can get in, and why Identity Center assignments failed",
    long_about = "orgscope draws the AWS Organizations tree in the terminal, marks the accounts whose \
access is blocked and says why, and hands out credentials for the ones you can reach.\n\n\
Run it with no command for the TUI, or try it without an AWS account: orgscope --demo",
    after_help = "Exit codes: 0 success, 1 runtime error, 2 usage error (a bad flag, or a file given \
on the command line that cannot be read), 3 blocked accounts found (probe --fail-on-blocked), 4 assume on \
a blocked account, 5 diff found changes."
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
    /// Use the embedded demo organization: no network, nothing written outside orgscope's own
    /// directories (ORGSCOPE_DEMO=1 does the same for every command, to try the README's)
    #[arg(long, global = true, conflicts_with = "snapshot", env = "ORGSCOPE_DEMO", hide_env_values = true,
          action = clap::ArgAction::SetTrue, value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,
    /// Read a snapshot saved by `orgscope snapshot -o FILE`; no AWS call is made
    #[arg(long, global = true, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// The most AWS calls in flight at once (default: the config's, else 64); the pace adapts to throttling
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: Option<u16>,
    /// Do not read or write the local cache (the organization's last run, the access map, and the
    /// credentials `assume` and the TUI hand out)
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// How long the credentials orgscope hands out last: seconds, or 15m, 1h, 12h (900 s to 12 h;
    /// role chaining caps it at 1 h; through Identity Center the permission set decides; default:
    /// the config's duration, else 1h)
    #[arg(long, global = true, value_name = "D", value_parser = parse_session_duration)]
    pub duration: Option<i32>,
    /// Start the TUI without probing: the last run's verdicts are shown, p probes (the config's
    /// probe = "manual" does the same)
    #[arg(long, global = true)]
    pub no_probe: bool,
    /// The config file (default: $XDG_CONFIG_HOME/orgscope/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How the console opens: a command with %u for the URL (run without a shell, e.g.
    /// "firefox -P work %u"), or firefox-container (a Firefox container per account); default: the
    /// config's browser, else $BROWSER, else the system's opener
    #[arg(long, global = true, value_name = "CMD")]
    pub browser: Option<String>,
}

/// A session length: whole seconds or a duration such as `1h`, 900 s to 12 h (what STS allows).
pub fn parse_session_duration(text: &str) -> Result<i32, String> {
    let seconds = match text.parse::<i64>() {
        Ok(seconds) => seconds,
        Err(_) => crate::duration::parse_duration(text)?.num_seconds(),
    };
    match i32::try_from(seconds) {
        Ok(seconds) if (900..=43_200).contains(&seconds) => Ok(seconds),
        _ => Err(format!("{text:?} is not a session length from 15m (900) to 12h (43200)")),
    }
}

/// Calls in flight when neither the flag nor the config says.
pub const DEFAULT_CONCURRENCY: u16 = 64;

impl GlobalArgs {
    /// Refuses values AWS would refuse, with what is allowed, before any call is made.
    pub fn validate(&self) -> Result<(), Failure> {
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
        #[arg(long, value_enum, default_value_t = ProbeFormat::Text)]
        format: ProbeFormat,
        /// Exit with code 3 when any account is blocked
        #[arg(long)]
        fail_on_blocked: bool,
    },
    /// Identity Center requests (assignments created and deleted, permission sets provisioned)
    /// from CloudTrail and Identity Center's status APIs, with why each failed; `retry` sends one again
    Assignments(AssignmentsArgs),
    /// Who can get in where through Identity Center: every assignment, or one user's effective
    /// access through her groups
    Access(AccessArgs),
    /// Every permission set: its level and why, its policies, in how many accounts it is
    /// assigned, provisioned out of date and unused for 90 days, and how many principals hold it
    PermissionSets {
        #[arg(long, value_enum, default_value_t = AccessFormat::Text)]
        format: AccessFormat,
    },
    /// Credentials for one account: exports for a shell, a profile, a sub-process or the console
    Assume(AssumeArgs),
    /// Sign in to Identity Center as `aws sso login` does (the browser and PKCE, or a device
    /// code), into the AWS CLI's token cache
    Login {
        /// Print the sign-in page's URL on stderr instead of opening a browser
        #[arg(long)]
        no_browser: bool,
        /// Sign in with a code approved in any browser, on any device (for a machine without a
        /// browser; also used when none can be opened, and for a legacy sso_start_url profile)
        #[arg(long)]
        use_device_code: bool,
    },
    /// Forget the credentials orgscope keeps (the cache of `assume` and the TUI); with --sso also
    /// sign out of Identity Center as `aws sso logout` does
    Logout {
        /// Also sign out of the portal and delete the sign-in's token file
        #[arg(long)]
        sso: bool,
    },
    /// The accounts and roles your Identity Center sign-in reaches
    Roles {
        #[arg(long, value_enum, default_value_t = RolesFormat::Text)]
        format: RolesFormat,
    },
    /// One ~/.aws/config profile per reachable account (with --sso: per portal role), in a block
    /// a second run replaces
    Profiles {
        /// One sso-session profile per role your Identity Center sign-in holds, instead of one
        /// role_arn profile per account reachable through the cross-account role
        #[arg(long)]
        sso: bool,
        /// Profiles whose credential_process is this orgscope with `assume ID --format
        /// credential-process` (and this run's flags): every AWS SDK and the AWS CLI get orgscope's
        /// cached credentials
        #[arg(long)]
        credential_process: bool,
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
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Make blocked accounts reachable: through a role of your Identity Center sign-in in each,
    /// create the missing role or add your account to its trust policy (the plan first, then a yes)
    Fix {
        /// Account ids or names
        #[arg(value_name = "ACCOUNT", required = true)]
        accounts: Vec<String>,
        /// Show the plan and write nothing
        #[arg(long)]
        dry_run: bool,
        /// Write without asking (required without a terminal)
        #[arg(long, conflicts_with = "dry_run")]
        yes: bool,
        /// Install a role of its own (OrgscopeAccessRole) through a service-managed CloudFormation
        /// StackSet from the management account, in the accounts whose role is missing, trusts
        /// someone else or cannot be read (no foothold needed)
        #[arg(long)]
        stackset: bool,
        #[arg(long, value_enum, default_value_t = FixFormat::Text)]
        format: FixFormat,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProbeFormat {
    Text,
    Json,
    Csv,
    /// Graphviz source, accounts filled by status
    Dot,
    /// A Mermaid flowchart, accounts filled by status
    Mermaid,
    /// A self-contained SVG, accounts filled by status
    Svg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RolesFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

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
    /// Write the credentials as this profile into the shared credentials file instead of printing
    #[arg(long, value_name = "NAME", conflicts_with = "format")]
    pub write_profile: Option<String>,
    /// Open the AWS console signed in as the role (with --print: print the URL)
    #[arg(long, conflicts_with_all = ["write_profile", "format"])]
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
    #[arg(long, conflicts_with_all = ["write_profile", "console", "format"])]
    pub exec: bool,
    /// The command for --exec
    #[arg(last = true, value_name = "CMD", requires = "exec")]
    pub command: Vec<String>,
    /// MFA device ARN for roles that require MFA (the code is asked for on the terminal)
    #[arg(long, value_name = "ARN")]
    pub mfa_serial: Option<String>,
    /// The MFA code, instead of being asked
    #[arg(long, value_name = "CODE", requires = "mfa_serial")]
    pub mfa_code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AccessFormat {
    Text,
    Json,
    Csv,
}

#[derive(Debug, Clone, Args)]
pub struct AccessArgs {
    /// Only this account (id or exact name, case-insensitive)
    #[arg(value_name = "ACCOUNT")]
    pub account: Option<String>,
    /// A user (user name, display name, email or id): every account she reaches, her groups'
    /// assignments included; or a group (display name or id)
    #[arg(long, value_name = "NAME|ID")]
    pub principal: Option<String>,
    /// Only this permission set (name, case-insensitive)
    #[arg(long, value_name = "NAME")]
    pub permission_set: Option<String>,
    /// Only rows whose permission set is not provisioned at its latest version
    #[arg(long)]
    pub stale: bool,
    /// Only rows at this level or above (and those whose level is unknown)
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub level: Option<LevelArg>,
    /// Only rows not used in this long (90d, 12w, 48h), or never
    #[arg(long, value_name = "DURATION", value_parser = parse_window)]
    pub unused: Option<chrono::Duration>,
    /// Only rows whose user or group no longer exists in the Identity Store
    #[arg(long)]
    pub orphaned: bool,
    #[arg(long, value_enum, default_value_t = AccessFormat::Text)]
    pub format: AccessFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LevelArg {
    Admin,
    Privileged,
    Write,
    Read,
}

impl From<LevelArg> for crate::model::Level {
    fn from(arg: LevelArg) -> crate::model::Level {
        match arg {
            LevelArg::Admin => crate::model::Level::Admin,
            LevelArg::Privileged => crate::model::Level::Privileged,
            LevelArg::Write => crate::model::Level::Write,
            LevelArg::Read => crate::model::Level::Read,
        }
    }
}

/// A window: `90d`, `12w`, `48h`.
fn parse_window(text: &str) -> Result<chrono::Duration, String> {
    crate::duration::parse_duration(text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AssignmentsFormat {
    Text,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OperationArg {
    Create,
    Delete,
    Provision,
}

impl From<OperationArg> for Operation {
    fn from(arg: OperationArg) -> Operation {
        match arg {
            OperationArg::Create => Operation::Create,
            OperationArg::Delete => Operation::Delete,
            OperationArg::Provision => Operation::Provision,
        }
    }
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum AssignmentsAction {
    /// Send a FAILED request again with the same parameters (asks first; the one write orgscope
    /// makes), follow it to its final status and print it: exit 0 on SUCCEEDED, 1 otherwise
    Retry {
        /// The request id (`request_id` in the listing)
        #[arg(value_name = "REQUEST_ID")]
        request_id: String,
        /// Send it without asking (required without a terminal)
        #[arg(long)]
        yes: bool,
        #[arg(long, value_enum, default_value_t = RetryFormat::Text)]
        format: RetryFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FixFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RetryFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AssignmentsArgs {
    #[command(subcommand)]
    pub action: Option<AssignmentsAction>,
    /// How far back to look: 30m, 12h, 7d, 2w (at most 90 days)
    #[arg(long, value_name = "DURATION", conflicts_with_all = ["start", "end"])]
    pub since: Option<String>,
    /// Start of the window (RFC 3339, or a date such as 2026-11-01)
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// End of the window (default: now)
    #[arg(long, value_name = "TIME")]
    pub end: Option<String>,
    /// Only FAILED, API_ERROR and UNKNOWN attempts
    #[arg(long)]
    pub failed: bool,
    /// Only these operations (default: all three)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "OPS")]
    pub operation: Vec<OperationArg>,
    #[arg(long, value_enum, default_value_t = AssignmentsFormat::Text)]
    pub format: AssignmentsFormat,
}
