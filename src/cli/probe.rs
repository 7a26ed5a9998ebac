//! `orgscope probe`: discover, try every account, and report who can get in where — as text for a
//! person, or the contract's JSON and CSV for scripts. `--fail-on-blocked` exits 3 when any
//! account is blocked.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use super::{Failure, GlobalArgs, exit};
use crate::diagram::{Diagram, Kind, Verdict};
use crate::export::profiles;
use crate::model::{ProbeOutcome, ProbeStatus, RawText, Text};
use crate::probe::{CallerContext, ProbeSettings, ProbeTarget, Prober};
use crate::source::Source;
use crate::source::portal::Portal;
use crate::text::csv_cell;

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

/// One row of `orgscope probe --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeRow {
    pub account_id: String,
    pub account_name: Text,
    pub ou_path: Vec<Text>,
    pub role_arn: Option<String>,
    pub status: ProbeStatus,
    pub reason: Option<crate::model::Reason>,
    pub message: Option<Text>,
    pub hint: Option<Text>,
    /// The roles your Identity Center sign-in holds in the account; None: no sign-in available.
    pub sso_roles: Option<Vec<Text>>,
}

impl ProbeRow {
    fn new(target: &ProbeTarget, outcome: ProbeOutcome, portal: Option<&HashMap<String, Vec<Text>>>) -> ProbeRow {
        ProbeRow {
            account_id: target.account.id.clone(),
            account_name: target.account.name.clone(),
            ou_path: target.ou_path(),
            role_arn: outcome.role_arn,
            status: outcome.status,
            reason: outcome.reason,
            message: outcome.message,
            hint: outcome.hint,
            sso_roles: portal.map(|roles| roles.get(&target.account.id).cloned().unwrap_or_default()),
        }
    }
}

/// Every account's portal roles, read beside the probe; None when no sign-in is available (said
/// on stderr when one is configured but failed).
pub async fn portal_roles(portal: Option<Arc<dyn Portal>>) -> Option<HashMap<String, Vec<Text>>> {
    let portal = portal?;
    match portal.accounts(Arc::new(|_| {})).await {
        Ok(accounts) => {
            super::signin::report_unlisted(&accounts);
            Some(accounts.into_iter().map(|a| (a.account_id, a.roles)).collect())
        }
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "orgscope: Identity Center roles left out: {err}");
            None
        }
    }
}

/// The probe settings the global flags ask for.
pub fn settings(global: &GlobalArgs, source: &dyn Source) -> ProbeSettings {
    let mut settings = ProbeSettings {
        roles: global.roles.clone(),
        external_id: global.external_id.clone(),
        concurrency: global.concurrency(),
        region: global.region.clone().or_else(|| source.region()),
        ..ProbeSettings::default()
    };
    if settings.roles.is_empty() {
        settings.roles = ProbeSettings::default().roles;
    }
    for (id, target) in global.settings.targets() {
        if let Some(roles) = &target.roles {
            settings.roles_for.insert(id.clone(), roles.clone());
        }
        if let Some(external_id) = &target.external_id {
            settings.external_ids.insert(id.clone(), external_id.clone());
        }
    }
    settings
}

pub async fn run(
    source: Arc<dyn Source>,
    global: &GlobalArgs,
    format: ProbeFormat,
    fail_on_blocked: bool,
) -> Result<u8, Failure> {
    let started = Instant::now();
    let org = source.discover(Arc::new(|_| {})).await?;
    let prober = Prober::new(Arc::clone(&source), settings(global, source.as_ref()));
    let portal = super::signin::optional_portal(global).await;
    let caller = CallerContext::of(&org);
    let (results, portal) = tokio::join!(prober.probe_collect(ProbeTarget::all(&org), &caller), portal_roles(portal));
    let rows: Vec<ProbeRow> =
        results.into_iter().map(|(target, outcome)| ProbeRow::new(&target, outcome, portal.as_ref())).collect();

    let text = match format {
        ProbeFormat::Json => serde_json::to_string_pretty(&rows).map_err(Failure::runtime)? + "\n",
        ProbeFormat::Csv => render_csv(&rows).map_err(Failure::runtime)?,
        ProbeFormat::Text => render_text(&rows),
        ProbeFormat::Dot => diagram(&org, &rows, Kind::Dot),
        ProbeFormat::Mermaid => diagram(&org, &rows, Kind::Mermaid),
        ProbeFormat::Svg => diagram(&org, &rows, Kind::Svg),
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|err| Failure::runtime(format!("could not write the results: {err}")))?;

    let count = |status| rows.iter().filter(|r| r.status == status).count();
    let blocked = count(ProbeStatus::Blocked);
    tracing::info!(accounts = rows.len(), blocked, elapsed_ms = started.elapsed().as_millis() as u64, "probe finished");
    let _ = writeln!(
        std::io::stderr(),
        "{} accounts: {} reachable, {blocked} blocked, {} skipped, {} errors ({:.1} s)",
        rows.len(),
        count(ProbeStatus::Reachable),
        count(ProbeStatus::Skipped),
        count(ProbeStatus::Error),
        started.elapsed().as_secs_f64()
    );
    Ok(if fail_on_blocked && blocked > 0 { exit::BLOCKED } else { exit::OK })
}

/// The organization with every account filled by its verdict.
fn diagram(org: &crate::model::Org, rows: &[ProbeRow], kind: Kind) -> String {
    let verdicts =
        rows.iter().map(|row| (row.account_id.clone(), Verdict { status: row.status, reason: row.reason })).collect();
    Diagram::new(org, Some(&verdicts)).render(kind)
}

/// OU names from the root down, as a person reads them.
pub fn ou_path(path: &[Text]) -> String {
    path.iter().map(Text::to_string).collect::<Vec<_>>().join(" / ")
}

/// One line per account (glyph, status, id, name, OU path, reason), the hint indented below every
/// account that is not plainly reachable.
pub fn render_text(rows: &[ProbeRow]) -> String {
    let name_width = rows.iter().map(|r| r.account_name.shown().chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for row in rows {
        let reason = row.reason.map(|r| r.code()).unwrap_or("");
        let line = format!(
            "{} {:<9} {}  {:<name_width$}  {}  {}",
            crate::theme::glyph(row.status),
            row.status.code(),
            row.account_id,
            row.account_name,
            ou_path(&row.ou_path),
            reason
        );
        out.push_str(line.trim_end());
        out.push('\n');
        if matches!(row.status, ProbeStatus::Blocked | ProbeStatus::Error) {
            if let Some(message) = &row.message {
                out.push_str(&format!("    AWS: {message}\n"));
            }
            if let Some(hint) = &row.hint {
                out.push_str(&format!("    Fix: {hint}\n"));
            }
        }
        if row.status == ProbeStatus::Blocked
            && let Some(roles) = row.sso_roles.as_ref().filter(|r| !r.is_empty())
        {
            out.push_str(&format!(
                "    Identity Center: you hold {} here: orgscope assume {} --via sso\n",
                crate::text::join(roles, ", "),
                row.account_id
            ));
        }
    }
    out
}

pub fn render_csv(rows: &[ProbeRow]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "account_id",
        "account_name",
        "ou_path",
        "role_arn",
        "status",
        "reason",
        "message",
        "hint",
        "sso_roles",
    ])?;
    for row in rows {
        let sso_roles = row.sso_roles.as_ref().map(|r| r.iter().map(Text::raw).collect::<Vec<_>>().join(";"));
        let cells = [
            row.account_id.as_str(),
            row.account_name.raw(),
            &row.ou_path.iter().map(Text::raw).collect::<Vec<_>>().join(" / "),
            row.role_arn.as_deref().unwrap_or(""),
            row.status.code(),
            row.reason.map(|r| r.code()).unwrap_or(""),
            row.message.raw().unwrap_or(""),
            row.hint.raw().unwrap_or(""),
            sso_roles.as_deref().unwrap_or(""),
        ];
        writer.write_record(cells.map(csv_cell).iter().map(|c| c.as_ref()))?;
    }
    let bytes = writer.into_inner().map_err(|err| csv::Error::from(err.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `orgscope profiles`: one `~/.aws/config` profile per account reachable through a role.
pub async fn profiles(
    source: Arc<dyn Source>,
    global: &GlobalArgs,
    prefix: &str,
    write: bool,
    template: Option<&crate::export::profiles::NameTemplate>,
) -> Result<u8, Failure> {
    use crate::export::profiles::{NameFields, Profile, ProfileAccess};
    let org = source.discover(Arc::new(|_| {})).await?;
    let settings = settings(global, source.as_ref());
    let prober = Prober::new(Arc::clone(&source), settings.clone());
    let results = prober.probe_collect(ProbeTarget::all(&org), &CallerContext::of(&org)).await;
    let region = global.region.clone().or_else(|| source.region());
    let source_profile = global.profile.clone().unwrap_or_else(|| "default".to_string());
    let list: Vec<Profile> = results
        .iter()
        .filter(|(_, outcome)| outcome.status == ProbeStatus::Reachable && outcome.reason.is_none())
        .filter_map(|(target, outcome)| {
            let role_arn = outcome.role_arn.as_deref()?;
            let ou_path = target.ou_path();
            let (name, exact) = match template {
                Some(template) => template.render(
                    prefix,
                    &NameFields {
                        account_id: &target.account.id,
                        account_name: &target.account.name,
                        ou_path: &ou_path,
                        role: role_arn.rsplit('/').next().unwrap_or_default(),
                    },
                ),
                None => profiles::profile_name(prefix, &ou_path, &target.account.name),
            };
            Some(Profile {
                name,
                exact,
                account: target.account.name.clone(),
                ou_path: target.ou_path(),
                access: ProfileAccess::Role {
                    role_arn: outcome.role_arn.clone()?,
                    source_profile: source_profile.clone(),
                    external_id: settings.external_id_for(target),
                },
                region: region.clone(),
            })
        })
        .collect();
    write_profiles(profiles::Kind::Role, &list, write)
}

/// Prints `kind`'s managed block of `list`, or writes it into the shared config file. A name the
/// file defines outside the block is skipped (named on stderr); nothing is written when no
/// profile is left, so a run that reached nothing never empties the block.
pub fn write_profiles(kind: profiles::Kind, list: &[profiles::Profile], write: bool) -> Result<u8, Failure> {
    let path = profiles::config_path();
    let mut stderr = std::io::stderr();
    if !write {
        let existing = path.as_ref().and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
        let names = profiles::assign_names(list, &profiles::defined_names(&existing, kind));
        report_skipped(list, &names, path.as_deref());
        let block = profiles::render_block(kind, list, &names);
        std::io::stdout().write_all(block.as_bytes()).map_err(Failure::runtime)?;
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
fn report_skipped(list: &[profiles::Profile], names: &[Option<String>], path: Option<&std::path::Path>) -> usize {
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
