//! `orgscope probe`: discover, try every account, and report who can get in where — as text for a
//! person, or the contract's JSON and CSV for scripts. `--fail-on-blocked` exits 3 when any
//! account is blocked.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use super::args::ProbeFormat;
use super::context::Context;
use super::failure::{Failure, exit};
use crate::diagram::{Diagram, Kind, Verdict};
use crate::model::{Cause, Evidence, ProbeOutcome, ProbeStatus, RawText, Text};
use crate::probe::{CallerContext, ProbeTarget, Prober};
use crate::source::portal::Portal;
use crate::text::csv_cell;

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
    /// Why it is blocked, exactly, when something orgscope read tells (None unless blocked).
    pub cause: Option<Cause>,
    pub evidence: Option<Box<Evidence>>,
    /// Blocked on purpose (the config's `expected_blocked`).
    pub expected: bool,
    pub expected_reason: Option<Text>,
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
            cause: outcome.cause,
            evidence: outcome.evidence,
            expected: outcome.expected.is_some(),
            expected_reason: outcome.expected,
        }
    }

    /// Blocked, and not on purpose.
    pub fn unexpectedly_blocked(&self) -> bool {
        self.status == ProbeStatus::Blocked && !self.expected
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
            super::warn(&format!("Identity Center roles left out: {err}"));
            None
        }
    }
}

pub async fn run(cx: &Context, format: ProbeFormat, fail_on_blocked: bool) -> Result<u8, Failure> {
    let started = Instant::now();
    let source = cx.source().await?;
    let org = source.discover(Arc::new(|_| {})).await?;
    let portal = cx.optional_portal().await;
    // Your sign-in also reads a blocked account's role from inside (its cause).
    let prober = Prober::new(Arc::clone(&source), cx.probe_settings(source.as_ref())).with_portal(portal.clone());
    let caller = CallerContext::of(&org);
    let (results, portal) = tokio::join!(prober.probe_collect(ProbeTarget::all(&org), &caller), portal_roles(portal));
    cx.remember_run(&org, results.iter().map(|(t, o)| (t.account.id.clone(), o.clone())).collect(), source.region());
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
    let unexpected = rows.iter().filter(|r| r.unexpectedly_blocked()).count();
    tracing::info!(accounts = rows.len(), blocked, elapsed_ms = started.elapsed().as_millis() as u64, "probe finished");
    let expected = match blocked - unexpected {
        0 => String::new(),
        n => format!(" ({n} expected)"),
    };
    let _ = writeln!(
        std::io::stderr(),
        "{} accounts: {} reachable, {blocked} blocked{expected}, {} skipped, {} errors ({:.1} s)",
        rows.len(),
        count(ProbeStatus::Reachable),
        count(ProbeStatus::Skipped),
        count(ProbeStatus::Error),
        started.elapsed().as_secs_f64()
    );
    Ok(if fail_on_blocked && unexpected > 0 { exit::BLOCKED } else { exit::OK })
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
        let glyph = if row.expected { crate::theme::EXPECTED_GLYPH } else { crate::theme::glyph(row.status) };
        let line = format!(
            "{} {:<9} {}  {:<name_width$}  {}  {}",
            glyph,
            row.status.code(),
            row.account_id,
            row.account_name,
            ou_path(&row.ou_path),
            reason
        );
        out.push_str(line.trim_end());
        out.push('\n');
        if let Some(reason) = &row.expected_reason {
            out.push_str(&format!("    Expected: {reason}\n"));
        }
        if let Some(cause) = row.cause {
            out.push_str(&format!("    Cause: {}\n", crate::remedy::cause::describe(cause, row.evidence.as_deref())));
        }
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
        "cause",
        "evidence",
        "expected",
        "expected_reason",
    ])?;
    for row in rows {
        let sso_roles = row.sso_roles.as_ref().map(|r| r.iter().map(Text::raw).collect::<Vec<_>>().join(";"));
        let evidence = match &row.evidence {
            Some(evidence) => serde_json::to_string(evidence).unwrap_or_default(),
            None => String::new(),
        };
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
            row.cause.map(Cause::code).unwrap_or(""),
            &evidence,
            if row.expected { "true" } else { "false" },
            row.expected_reason.raw().unwrap_or(""),
        ];
        writer.write_record(cells.map(csv_cell).iter().map(|c| c.as_ref()))?;
    }
    let bytes = writer.into_inner().map_err(|err| csv::Error::from(err.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
