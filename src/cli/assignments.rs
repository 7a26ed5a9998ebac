//! `orgscope assignments`: Identity Center requests — assignments created and deleted, permission
//! sets provisioned — from CloudTrail and the status APIs, each with its outcome, the reason
//! exactly as AWS wrote it, and a fix; `assignments retry` (in [`super::retry`]) sends one again.

use std::io::Write;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::args::{AssignmentsArgs, AssignmentsFormat};
use super::context::Context;
use super::failure::{Failure, exit};
use crate::duration::{parse_duration, parse_time};
use crate::model::{AssignmentAttempt, Operation};
use crate::source::AssignmentQuery;

/// CloudTrail keeps 90 days of management events.
pub const MAX_WINDOW_DAYS: i64 = 90;

/// The window the flags ask for (`default` back from `now` when they name none), checked against
/// what CloudTrail keeps.
pub fn window(
    args: &AssignmentsArgs,
    now: DateTime<Utc>,
    default: Duration,
) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let end = match &args.end {
        Some(end) => parse_time(end)?,
        None => now,
    };
    let start = match (&args.start, &args.since) {
        (Some(start), _) => parse_time(start)?,
        (None, Some(since)) => end - parse_duration(since)?,
        (None, None) => end - default,
    };
    if start >= end {
        return Err("the window is empty: --start must come before --end".to_string());
    }
    let oldest = now - Duration::days(MAX_WINDOW_DAYS);
    if start < oldest {
        return Err(format!(
            "CloudTrail keeps {MAX_WINDOW_DAYS} days of events: start the window on or after {}",
            oldest.format("%Y-%m-%d")
        ));
    }
    Ok((start, end))
}

/// The contract's row: every field but the raw event and the target type.
pub fn row(attempt: &AssignmentAttempt) -> serde_json::Value {
    let mut value = serde_json::to_value(attempt).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.remove("raw_event");
        object.remove("target_type");
    }
    value
}

/// The contract's columns, then the two the complete triage added (`operation`, `principal_name`)
/// at the end, so that a reader of the earlier columns by position still reads them.
pub const CSV_COLUMNS: [&str; 17] = [
    "event_id",
    "event_time",
    "actor",
    "request_id",
    "instance_arn",
    "account_id",
    "account_name",
    "permission_set_arn",
    "permission_set_name",
    "principal_type",
    "principal_id",
    "status",
    "failure_reason",
    "error_code",
    "hint",
    "operation",
    "principal_name",
];

fn render_csv(attempts: &[AssignmentAttempt]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS)?;
    for attempt in attempts {
        let value = row(attempt);
        let cells: Vec<String> = CSV_COLUMNS
            .iter()
            .map(|key| match &value[*key] {
                serde_json::Value::String(s) => crate::text::csv_cell(s).into_owned(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect();
        writer.write_record(&cells)?;
    }
    let bytes = writer.into_inner().map_err(|err| csv::Error::from(err.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub fn render_text(attempts: &[AssignmentAttempt]) -> String {
    let mut out = String::new();
    for a in attempts {
        let time = a.event_time.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "—".into());
        let line = format!(
            "{time}  {:<11}  {:<9}  {}  {}  {}",
            a.status.code(),
            a.operation.code(),
            a.account_label().unwrap_or_else(|| "—".into()),
            a.permission_set_label().unwrap_or_default(),
            a.principal_label().unwrap_or_default()
        );
        out.push_str(line.trim_end());
        out.push('\n');
        if a.status.is_failure() {
            if let Some(reason) = &a.failure_reason {
                out.push_str(&format!("    Reason: {reason}\n"));
            }
            if let Some(hint) = &a.hint {
                out.push_str(&format!("    Fix: {hint}\n"));
            }
            if let Some(request) = &a.request_id {
                out.push_str(&format!("    Request: {request}\n"));
            }
        }
    }
    out
}

pub async fn run(cx: &Context, args: &AssignmentsArgs) -> Result<u8, Failure> {
    let source = cx.source().await?;
    // A saved run's "now" is when it was saved: windows reach back from there.
    let now = source.saved_snapshot().filter(|_| cx.mode() != super::Mode::Live).map_or_else(Utc::now, |s| s.saved_at);
    let (start, end) = window(args, now, cx.assignments_window()).map_err(Failure::usage)?;
    let org = source.discover(Arc::new(|_| {})).await?;
    let only = args.operation.iter().map(|&op| Operation::from(op)).collect();
    let query = AssignmentQuery {
        start,
        end,
        sso_region: cx.flags.sso_region.clone(),
        cache_path: cx.assignments_cache_path(),
        only,
    };
    let read = source.assignments(&query, Arc::new(|_| {})).await?;
    for note in &read.unavailable {
        super::warn(note.raw());
    }
    let mut attempts = read.attempts;
    crate::model::name_accounts(&mut attempts, &org);
    crate::remedy::assignment::explain(&mut attempts, &org.organization.management_account_id);
    if args.failed {
        attempts.retain(|a| a.status.is_failure());
    }
    let text = match args.format {
        AssignmentsFormat::Json => {
            let rows: Vec<serde_json::Value> = attempts.iter().map(row).collect();
            serde_json::to_string_pretty(&rows).map_err(Failure::runtime)? + "\n"
        }
        AssignmentsFormat::Csv => render_csv(&attempts).map_err(Failure::runtime)?,
        AssignmentsFormat::Text => render_text(&attempts),
    };
    super::print(&text)?;
    let failed = attempts.iter().filter(|a| a.status.is_failure()).count();
    let _ = writeln!(
        std::io::stderr(),
        "{} requests from {} to {}, {failed} not successful",
        attempts.len(),
        start.format("%Y-%m-%d %H:%M"),
        end.format("%Y-%m-%d %H:%M")
    );
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(since: Option<&str>, start: Option<&str>, end: Option<&str>) -> AssignmentsArgs {
        AssignmentsArgs {
            action: None,
            operation: Vec::new(),
            since: since.map(str::to_string),
            start: start.map(str::to_string),
            end: end.map(str::to_string),
            failed: false,
            format: AssignmentsFormat::Text,
        }
    }

    fn window_of(args: &AssignmentsArgs, now: DateTime<Utc>) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
        window(args, now, Duration::days(7))
    }

    #[test]
    fn the_window_defaults_to_seven_days_and_refuses_more_than_ninety() {
        let now = parse_time("2026-11-23T12:00:00Z").unwrap_or_default();
        let (start, end) = window_of(&args(None, None, None), now).unwrap_or_default();
        assert_eq!((end - start).num_days(), 7);
        assert!(window_of(&args(Some("12h"), None, None), now).is_ok());
        let wide = window_of(&args(Some("91d"), None, None), now).unwrap_err();
        assert!(wide.contains("90 days"), "{wide}");
        assert!(window_of(&args(None, Some("2026-11-01"), Some("2026-10-01")), now).is_err());
        assert!(window_of(&args(None, Some("2026-11-01"), Some("2026-11-02T00:00:00Z")), now).is_ok());
        assert!(parse_duration("7x").is_err());
    }
}
