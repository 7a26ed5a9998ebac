//! Getting credentials for one account: `sts:AssumeRole` into the cross-account role (`--via
//! role`), your Identity Center sign-in's portal (`--via sso`), or the role and then the portal when
//! the role is blocked (`--via auto`).

use std::io::{BufRead, Write};
use std::sync::Arc;

use super::super::args::{AssumeArgs, Via};
use super::super::context::Context;
use super::super::failure::{Failure, exit};
use super::locate;
use crate::model::lookup::{LookupError, find_account, is_account_id};
use crate::model::portal::{RoleChoice, choose_role};
use crate::model::{ProbeOutcome, ProbeStatus, Reason, TempCredentials, Text};
use crate::probe::{CallerContext, Keeping, ProbeTarget, Prober, Switch};
use crate::source::portal::{Portal, PortalError};

/// The exit code and stderr text for an account that cannot be entered.
pub fn refusal(target: &ProbeTarget, outcome: &ProbeOutcome) -> Failure {
    // An account known by its id alone (assume by id reads no organization) is named once.
    let account = match target.account.name.raw() == target.account.id {
        true => target.account.id.clone(),
        false => format!("{} ({})", target.account.name, target.account.id),
    };
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

/// The credentials `args` ask for and the account's name: a kept session while it has life
/// left (no AWS call), else the role (`--via role`/`auto`) and, with `auto`, Identity Center when
/// the role is blocked; or the portal alone (`--via sso`).
pub(super) async fn credentials(cx: &Context, args: &AssumeArgs) -> Result<(TempCredentials, Text), Failure> {
    let keeping = cx.keeping();
    if args.via == Via::Sso {
        return portal_only(cx, keeping.as_ref(), args).await;
    }
    let switch = Switch { duration_seconds: cx.duration(), mfa: args.mfa_serial.clone().map(|s| (s, String::new())) };
    if let Some(located) = locate::without_reading(cx, &args.account) {
        if let Some(kept) = kept(cx, keeping.as_ref(), args, &located.target, &switch) {
            return Ok(kept);
        }
        // An id needs nothing read but for the console, whose window is named after the account.
        if !args.console {
            return through_role(cx, keeping, args, located, switch).await;
        }
    }
    let located = locate::locate(cx, &args.account).await?;
    if let Some(kept) = kept(cx, keeping.as_ref(), args, &located.target, &switch) {
        return Ok(kept);
    }
    through_role(cx, keeping, args, located, switch).await
}

/// A kept session for the account: the role's, else (with `--via auto`) the portal's.
fn kept(
    cx: &Context,
    keeping: Option<&Keeping>,
    args: &AssumeArgs,
    target: &ProbeTarget,
    switch: &Switch,
) -> Option<(TempCredentials, Text)> {
    let keeping = keeping?;
    let credentials = keeping
        .role(&cx.probe_settings_in(None), target, switch)
        .or_else(|| (args.via == Via::Auto).then(|| kept_portal(cx, keeping, args, &target.account.id)).flatten())?;
    Some((credentials, target.account.name.clone()))
}

/// A kept portal session: `--sso-role`'s, else the first of the config's `sso_roles` kept, else
/// the account's only role's (kept when the account offered one role).
fn kept_portal(cx: &Context, keeping: &Keeping, args: &AssumeArgs, account_id: &str) -> Option<TempCredentials> {
    if let Some(role) = &args.sso_role {
        return keeping.portal(account_id, Some(role));
    }
    let preferred = cx.config.sso_roles.clone().unwrap_or_default();
    preferred
        .iter()
        .find_map(|role| keeping.portal(account_id, Some(role)))
        .or_else(|| keeping.portal(account_id, None))
}

/// `--via sso`: a kept portal session when the account is known by id (or from the cached run),
/// else the portal.
async fn portal_only(
    cx: &Context,
    keeping: Option<&Keeping>,
    args: &AssumeArgs,
) -> Result<(TempCredentials, Text), Failure> {
    let known = match is_account_id(&args.account) {
        true => Some((args.account.clone(), Text::from(args.account.as_str()))),
        false => cx.cached_run().and_then(|run| {
            let targets = ProbeTarget::all(&run.org);
            ProbeTarget::find(&targets, &args.account).ok().map(|t| (t.account.id.clone(), t.account.name.clone()))
        }),
    };
    if let (Some(keeping), Some((id, name))) = (keeping, &known)
        && let Some(kept) = kept_portal(cx, keeping, args, id)
    {
        return Ok((kept, name.clone()));
    }
    let portal = cx.portal().await?;
    let known = known.as_ref().map(|(id, name)| (id.as_str(), name));
    through_portal(cx, keeping, portal.as_ref(), args, known).await
}

/// The role, asked of STS: the caller read once (unless discovery read it), the MFA code asked
/// for now (a kept session needed none); with `--via auto`, Identity Center when the role is blocked.
async fn through_role(
    cx: &Context,
    keeping: Option<Keeping>,
    args: &AssumeArgs,
    located: locate::Located,
    mut switch: Switch,
) -> Result<(TempCredentials, Text), Failure> {
    let source = cx.source().await?;
    let target = &located.target;
    if let Some(run) = source.saved_run() {
        // A saved verdict that keeps the account out is still the answer; otherwise AWS is needed.
        if let Some(outcome) = source.saved_outcome(&target.account.id).filter(|o| o.status != ProbeStatus::Reachable) {
            return Err(refusal(target, &outcome));
        }
        return Err(Failure::runtime(format!(
            "{run} is a saved snapshot: run orgscope without --snapshot to switch role"
        )));
    }
    let arn = match &located.caller_arn {
        Some(arn) => arn.clone(),
        None => source.caller_arn().await?,
    };
    let caller = CallerContext {
        account: arn.split(':').nth(4).unwrap_or_default().to_string(),
        arn,
        management_account_id: located.management_account_id.clone(),
        ..CallerContext::default()
    };
    if let Some((serial, code)) = &mut switch.mfa {
        *code = match &args.mfa_code {
            Some(given) => given.clone(),
            None => read_mfa_code(serial)?,
        };
    }
    let prober = Prober::new(Arc::clone(&source), cx.probe_settings(source.as_ref())).with_keeping(keeping.clone());
    let mut outcome = match prober.switch_role(target, &caller, &switch).await {
        Ok(credentials) => return Ok((credentials, target.account.name.clone())),
        Err(outcome) => outcome,
    };
    // A refusal of an account known by its id alone is explained with all that can be known of it.
    let mut target = target.clone();
    if let Some(better) = locate::better(cx, &located).await {
        let caller = CallerContext { management_account_id: better.management_account_id.clone(), ..caller };
        outcome = prober.explain(&better.target, &caller, outcome).await;
        target = better.target;
    }
    let target = &target;
    let mut refused = refusal(target, &outcome);
    if args.via != Via::Auto || outcome.status != ProbeStatus::Blocked {
        return Err(refused);
    }
    // Without a sign-in configured the role's refusal is the whole answer.
    let portal = match cx.portal().await {
        Ok(portal) => portal,
        Err(PortalError::NotConfigured(_) | PortalError::Unavailable(_)) => return Err(refused),
        Err(err) => {
            refused.message.push_str(&format!("\n  Identity Center: {err}"));
            return Err(refused);
        }
    };
    let account = (target.account.id.as_str(), &target.account.name);
    match through_portal(cx, keeping.as_ref(), portal.as_ref(), args, Some(account)).await {
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
    cx: &Context,
    keeping: Option<&Keeping>,
    portal: &dyn Portal,
    args: &AssumeArgs,
    known: Option<(&str, &Text)>,
) -> Result<(TempCredentials, Text), Failure> {
    let (account_id, name) = match known {
        Some((id, name)) => (id.to_string(), name.clone()),
        None => {
            let listed = portal.account_list().await?;
            match find_account(&listed, &args.account, |a| a.0.as_str(), |a| &a.1) {
                Ok((id, name)) => (id.clone(), name.clone()),
                Err(LookupError::Unknown { .. }) => return Err(not_in_portal(cx, portal, &args.account).await),
                Err(err) => return Err(err.into()),
            }
        }
    };
    let roles = portal.roles(&account_id).await?;
    let preferred = cx.config.sso_roles.clone().unwrap_or_default();
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
    let only = roles.len() == 1;
    let credentials = crate::probe::portal_credentials(keeping, portal, &account_id, role.raw(), only).await?;
    Ok((credentials, name))
}

/// An account the portal does not list: in the organization (when it can be read) but holding no
/// role of your sign-in, or not known at all.
async fn not_in_portal(cx: &Context, portal: &dyn Portal, wanted: &str) -> Failure {
    let org = match cx.source().await {
        Ok(source) => source.discover(Arc::new(|_| {})).await.ok(),
        Err(_) => None,
    };
    let targets = org.as_ref().map(ProbeTarget::all).unwrap_or_default();
    match ProbeTarget::find(&targets, wanted) {
        Ok(target) => Failure {
            code: exit::ASSUME_BLOCKED,
            message: format!(
                "{} ({}) is in the organization, but your Identity Center sign-in ({}) holds no role there",
                target.account.name,
                target.account.id,
                portal.label()
            ),
        },
        Err(err @ LookupError::Ambiguous { .. }) => err.into(),
        Err(LookupError::Unknown { close, .. }) => {
            Failure::usage(LookupError::Unknown { wanted: wanted.to_string(), close })
        }
    }
}
