//! Your own Identity Center sign-in on the command line: `login` (device authorization into the
//! AWS CLI's token cache), `roles` (what the sign-in reaches), `profiles --sso`, and the portal
//! that `assume --via sso`, `probe` and the TUI use.

use std::io::Write;
use std::sync::Arc;

use super::{Failure, GlobalArgs, exit};
use crate::model::Text;
use crate::model::portal::{PortalAccount, role_rows};
use crate::source::aws::portal::{AwsPortal, login as device};
use crate::source::portal::{Portal, PortalError};
use crate::source::snapshot::DemoPortal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RolesFormat {
    Text,
    Json,
}

impl From<PortalError> for Failure {
    fn from(err: PortalError) -> Failure {
        let code = if matches!(err, PortalError::Choice(_)) { exit::USAGE } else { exit::RUNTIME };
        Failure { code, message: err.to_string() }
    }
}

/// The portal of the sign-in the flags name: the demo's, or AWS's. A snapshot holds none.
pub async fn build_portal(global: &GlobalArgs) -> Result<Arc<dyn Portal>, PortalError> {
    if global.demo {
        return DemoPortal::new()
            .map(|portal| Arc::new(portal) as Arc<dyn Portal>)
            .map_err(|err| PortalError::Unavailable(err.to_string()));
    }
    if global.snapshot.is_some() {
        return Err(PortalError::Unavailable(
            "a snapshot holds no Identity Center sign-in: run without --snapshot".to_string(),
        ));
    }
    let portal = AwsPortal::connect(&super::aws_options(global), global.sso_session.as_deref()).await?;
    Ok(Arc::new(portal))
}

/// The portal when a sign-in is configured; None (quietly) when none is, or for a snapshot.
/// Anything else (an unreadable section) is said once on stderr.
pub async fn optional_portal(global: &GlobalArgs) -> Option<Arc<dyn Portal>> {
    match build_portal(global).await {
        Ok(portal) => Some(portal),
        Err(PortalError::NotConfigured(_) | PortalError::Unavailable(_)) => None,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "orgscope: Identity Center sign-in unavailable: {err}");
            None
        }
    }
}

/// `orgscope login`.
pub async fn login(global: &GlobalArgs, no_browser: bool) -> Result<u8, Failure> {
    let mut stderr = std::io::stderr();
    if global.demo {
        let _ =
            writeln!(stderr, "the demo is signed in as {} already: nothing to do", crate::source::snapshot::DEMO_USER);
        return Ok(exit::OK);
    }
    if global.snapshot.is_some() {
        return Err(Failure { code: exit::USAGE, message: "login signs in to AWS: run it without --snapshot".into() });
    }
    let options = super::aws_options(global);
    let sign_in = crate::source::aws::portal::sign_in(&options, global.sso_session.as_deref())?;
    let browser = global.browser();
    let start_url = crate::text::visible(&sign_in.start_url).into_owned();
    let signed = device::login(&options, sign_in, |code| {
        // The page and the code are what the user approves, not secrets; they are AWS's text.
        let url = crate::text::visible(&code.url);
        let _ = writeln!(
            stderr,
            "Sign in to Identity Center ({start_url}):\n  open {url}\n  and check that it shows the code {}",
            crate::text::visible(&code.user_code)
        );
        if !no_browser && let Err(err) = browser.open(&code.url, "Identity Center") {
            let _ = writeln!(stderr, "could not open a browser ({err}): open the URL above yourself");
        }
        let _ = writeln!(stderr, "waiting for the sign-in to be approved…");
    })
    .await?;
    let label = match &signed.sign_in.session {
        Some(name) => format!("sso-session {name}"),
        None => format!("profile {}", signed.sign_in.profile),
    };
    let _ = writeln!(
        std::io::stderr(),
        "signed in ({label}) until {}; the token is in {} (mode 0600)",
        signed.expires_at.format("%Y-%m-%d %H:%M UTC"),
        signed.path.display()
    );
    Ok(exit::OK)
}

/// `orgscope roles`.
pub async fn roles(global: &GlobalArgs, format: RolesFormat) -> Result<u8, Failure> {
    let portal = build_portal(global).await?;
    let accounts = portal.accounts(Arc::new(|_| {})).await?;
    report_unlisted(&accounts);
    let rows = role_rows(&accounts);
    let text = match format {
        RolesFormat::Json => serde_json::to_string_pretty(&rows).map_err(Failure::runtime)? + "\n",
        RolesFormat::Text => {
            let width = rows.iter().map(|r| r.account_name.shown().chars().count()).max().unwrap_or(0);
            let mut out = String::new();
            for row in &rows {
                out.push_str(&format!("{}  {:<width$}  {}\n", row.account_id, row.account_name, row.role_name));
            }
            out
        }
    };
    std::io::stdout().write_all(text.as_bytes()).map_err(Failure::runtime)?;
    let _ = writeln!(
        std::io::stderr(),
        "{} roles in {} accounts through {}",
        rows.len(),
        accounts.iter().filter(|a| !a.roles.is_empty()).count(),
        portal.label()
    );
    Ok(exit::OK)
}

/// Accounts whose roles could not be listed, one line each on stderr.
pub fn report_unlisted(accounts: &[PortalAccount]) {
    for account in accounts {
        if let Some(error) = &account.error {
            let _ = writeln!(
                std::io::stderr(),
                "orgscope: the roles of {} ({}) could not be listed: {error}",
                account.account_name,
                account.account_id
            );
        }
    }
}

/// `orgscope profiles --sso`: one sso-session profile per portal role. OU paths come from the
/// organization when the flags' credentials can read it; without them the names use the account.
pub async fn profiles(
    global: &GlobalArgs,
    prefix: &str,
    write: bool,
    template: Option<&crate::export::profiles::NameTemplate>,
) -> Result<u8, Failure> {
    use crate::export::profiles::{self, NameFields, Profile, ProfileAccess, config_value_ok};
    let portal = build_portal(global).await?;
    let accounts = portal.accounts(Arc::new(|_| {})).await?;
    report_unlisted(&accounts);
    let org = match super::build_source(global).await {
        Ok(source) => source.discover(Arc::new(|_| {})).await.map_err(Failure::from),
        Err(failure) => Err(failure),
    };
    let paths: std::collections::HashMap<String, Vec<Text>> = match org {
        Ok(org) => {
            crate::probe::ProbeTarget::all(&org).into_iter().map(|t| (t.account.id.clone(), t.ou_path())).collect()
        }
        Err(failure) => {
            let _ = writeln!(std::io::stderr(), "orgscope: the OU paths are left out ({})", failure.message);
            std::collections::HashMap::new()
        }
    };
    let sign_in = portal.sign_in();
    let region = super::assume::export_region(global).or_else(|| Some(sign_in.region.clone()));
    let mut list = Vec::new();
    for account in &accounts {
        let ou_path: Vec<Text> = paths.get(&account.account_id).cloned().unwrap_or_default();
        for role in &account.roles {
            if !config_value_ok(role.raw()) || !config_value_ok(&account.account_id) {
                let _ = writeln!(
                    std::io::stderr(),
                    "orgscope: no profile for role {role} in {}: the name has characters a config file cannot hold",
                    account.account_id
                );
                continue;
            }
            let (name, exact) = match template {
                Some(template) => template.render(
                    prefix,
                    &NameFields {
                        account_id: &account.account_id,
                        account_name: &account.account_name,
                        ou_path: &ou_path,
                        role: role.raw(),
                    },
                ),
                None => profiles::profile_name(
                    prefix,
                    &ou_path,
                    &Text::from(format!("{}-{}", account.account_name.raw(), role.raw())),
                ),
            };
            list.push(Profile {
                name,
                exact,
                account: account.account_name.clone(),
                ou_path: ou_path.clone(),
                access: ProfileAccess::Sso {
                    session: sign_in.session.clone(),
                    start_url: sign_in.start_url.clone(),
                    sso_region: sign_in.region.clone(),
                    account_id: account.account_id.clone(),
                    role_name: role.raw().to_string(),
                },
                region: region.clone(),
            });
        }
    }
    super::probe::write_profiles(profiles::Kind::Sso, &list, write)
}
