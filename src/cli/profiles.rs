//! `orgscope profiles`: one `~/.aws/config` profile per account reachable through the role, or
//! with `--sso` per role your Identity Center sign-in holds, each kind in a managed block of its
//! own that the next run replaces. A name the file defines outside the block is never written.

use std::io::Write;
use std::sync::Arc;

use super::context::Context;
use super::failure::{Failure, exit};
use crate::export::profiles::{self, Kind, NameFields, NameTemplate, Profile, ProfileAccess, config_value_ok};
use crate::model::{ProbeStatus, Text};
use crate::probe::{CallerContext, ProbeTarget, Prober};

/// How `profiles` was asked to write.
pub struct Options<'a> {
    pub prefix: &'a str,
    pub write: bool,
    pub template: Option<&'a NameTemplate>,
    /// `credential_process` profiles (orgscope's `assume`) instead of the SDK's own kinds.
    pub credential_process: bool,
}

/// The `credential_process` line for `assume ACCOUNT` with `how` (`--via role --role R` or
/// `--via sso --sso-role R`) and the flags this run was given that decide whom it signs in as.
/// The profile is always named, so that a profile of this block picked by `AWS_PROFILE` cannot make
/// orgscope read itself.
fn process_access(cx: &Context, account_id: &str, how: &[&str]) -> Result<ProfileAccess, Failure> {
    let program = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|err| Failure::runtime(format!("could not tell where this orgscope is ({err})")))?;
    let mut args: Vec<String> = vec!["assume".into(), account_id.into()];
    args.extend(how.iter().map(|s| s.to_string()));
    args.extend(["--format".into(), "credential-process".into()]);
    let flags = &cx.flags;
    match cx.mode() {
        super::Mode::Demo => args.push("--demo".into()),
        _ => args.extend(["--profile".into(), cx.profile()]),
    }
    let optional = [
        ("--region", flags.region.clone()),
        ("--endpoint-url", flags.endpoint_url.clone()),
        ("--sso-session", flags.sso_session.clone()),
        ("--duration", flags.duration.map(|d| d.to_string())),
        ("--config", flags.config.as_ref().map(|p| p.display().to_string())),
    ];
    for (flag, value) in optional {
        if let Some(value) = value {
            args.extend([flag.to_string(), value]);
        }
    }
    let program = program.display().to_string();
    let command = profiles::process_command(&program, &args).ok_or_else(|| {
        Failure::usage("a flag or orgscope's own path holds a line break: a config file cannot hold it")
    })?;
    Ok(ProfileAccess::Process { account_id: account_id.to_string(), command })
}

/// `orgscope profiles`: one `~/.aws/config` profile per account reachable through a role.
pub async fn roles(cx: &Context, options: &Options<'_>) -> Result<u8, Failure> {
    let Options { prefix, write, template, .. } = *options;
    let source = cx.source().await?;
    let org = source.discover(Arc::new(|_| {})).await?;
    let settings = cx.probe_settings(source.as_ref());
    let prober = Prober::new(Arc::clone(&source), settings.clone());
    let results = prober.probe_collect(ProbeTarget::all(&org), &CallerContext::of(&org)).await;
    let region = cx.flags.region.clone().or_else(|| source.region());
    let source_profile = cx.flags.profile.clone().unwrap_or_else(|| "default".to_string());
    let list: Vec<Profile> = results
        .iter()
        .filter(|(_, outcome)| outcome.status == ProbeStatus::Reachable && outcome.reason.is_none())
        .filter_map(|(target, outcome)| {
            let role_arn = outcome.role_arn.as_deref()?;
            let role = role_arn.rsplit('/').next().unwrap_or_default();
            let external_id = settings.external_id_for(target);
            let access = match options.credential_process {
                false => ProfileAccess::Role {
                    role_arn: role_arn.to_string(),
                    source_profile: source_profile.clone(),
                    external_id: external_id.clone(),
                },
                true => {
                    let mut how = vec!["--via", "role", "--role", role];
                    if let Some(id) = &external_id {
                        how.extend(["--external-id", id.as_str()]);
                    }
                    match process_access(cx, &target.account.id, &how) {
                        Ok(access) => access,
                        Err(failure) => return Some(Err(failure)),
                    }
                }
            };
            let ou_path = target.ou_path();
            let (name, exact) = match template {
                Some(template) => template.render(
                    prefix,
                    &NameFields {
                        account_id: &target.account.id,
                        account_name: &target.account.name,
                        ou_path: &ou_path,
                        role,
                    },
                ),
                None => profiles::profile_name(prefix, &ou_path, &target.account.name),
            };
            Some(Ok(Profile {
                name,
                exact,
                account: target.account.name.clone(),
                ou_path: target.ou_path(),
                access,
                region: region.clone(),
            }))
        })
        .collect::<Result<_, Failure>>()?;
    write_profiles(cx, Kind::Role, &list, write)
}

/// `orgscope profiles --sso`: one sso-session profile per portal role. OU paths come from the
/// organization when the flags' credentials can read it; without them the names use the account.
pub async fn sso(cx: &Context, options: &Options<'_>) -> Result<u8, Failure> {
    let Options { prefix, write, template, .. } = *options;
    let portal = cx.portal().await?;
    let accounts = portal.accounts(Arc::new(|_| {})).await?;
    super::signin::report_unlisted(&accounts);
    let org = match cx.source().await {
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
    let region = cx.export_region().or_else(|| Some(sign_in.region.clone()));
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
                access: match options.credential_process {
                    false => ProfileAccess::Sso {
                        session: sign_in.session.clone(),
                        start_url: sign_in.start_url.clone(),
                        sso_region: sign_in.region.clone(),
                        account_id: account.account_id.clone(),
                        role_name: role.raw().to_string(),
                    },
                    true => process_access(cx, &account.account_id, &["--via", "sso", "--sso-role", role.raw()])?,
                },
                region: region.clone(),
            });
        }
    }
    write_profiles(cx, Kind::Sso, &list, write)
}

/// Prints `kind`'s managed block of `list`, or writes it into the shared config file. A name the
/// file defines outside the block is skipped (named on stderr); nothing is written when no
/// profile is left, so a run that reached nothing never empties the block.
fn write_profiles(cx: &Context, kind: Kind, list: &[Profile], write: bool) -> Result<u8, Failure> {
    let path = profiles::config_path();
    let mut stderr = std::io::stderr();
    let demo = cx.mode() == super::Mode::Demo;
    if !write || demo {
        let existing = path.as_ref().and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
        let names = profiles::assign_names(list, &profiles::defined_names(&existing, kind));
        report_skipped(list, &names, path.as_deref());
        let block = profiles::render_block(kind, list, &names);
        super::print(&block)?;
        if write {
            let file = path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "the config file".into());
            let _ = writeln!(stderr, "the demo wrote nothing: with your organization this block goes into {file}");
        }
        return Ok(exit::OK);
    }
    let path = path.ok_or_else(|| Failure::runtime("no home directory: set AWS_CONFIG_FILE"))?;
    let mut names = Vec::new();
    crate::files::update_locked(&path, 0o600, false, |existing| {
        names = profiles::assign_names(list, &profiles::defined_names(existing, kind));
        if names.iter().all(Option::is_none) {
            return existing.to_string();
        }
        profiles::replace_block(existing, kind, &profiles::render_block(kind, list, &names))
    })
    .map_err(|err| Failure::runtime(format!("could not write {}: {err}", path.display())))?;
    let skipped = report_skipped(list, &names, Some(&path));
    let written = names.iter().flatten().count();
    if written == 0 {
        return Err(Failure::runtime(format!(
            "no profile to write ({} reachable, {skipped} skipped): the managed block in {} was left as it was",
            list.len(),
            path.display()
        )));
    }
    let skipped =
        if skipped > 0 { format!(" ({skipped} skipped: defined outside orgscope's block)") } else { String::new() };
    let _ = writeln!(stderr, "wrote {written} profiles to {}{skipped}", path.display());
    Ok(exit::OK)
}

/// Names each profile left out because the file defines its name already; returns how many.
fn report_skipped(list: &[Profile], names: &[Option<String>], path: Option<&std::path::Path>) -> usize {
    let file = path.map(|p| p.display().to_string()).unwrap_or_else(|| "the config file".into());
    let mut count = 0;
    for (profile, name) in list.iter().zip(names) {
        if name.is_none() {
            count += 1;
            let _ = writeln!(
                std::io::stderr(),
                "orgscope: profile {} for {} is skipped: {file} defines it already, outside orgscope's block",
                profile.name,
                profile.account
            );
        }
    }
    count
}
