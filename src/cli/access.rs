//! `orgscope access [ACCOUNT] [--principal NAME|ID] [--permission-set NAME] [--stale]`: who can get
//! into which account through Identity Center, with which permission set — or, for one user, where
//! she can get in and through which group.

use std::io::Write;
use std::sync::Arc;

use super::args::{AccessArgs, AccessFormat};
use super::context::Context;
use super::failure::Failure;
use crate::model::Text;
use crate::model::identity::{AccessRow, IdentityCenter, Principal};
use crate::probe::ProbeTarget;

fn suggest(what: &str, wanted: &str, close: &[String]) -> Failure {
    let mut message = format!("no {what} {}", crate::text::visible(wanted));
    if !close.is_empty() {
        message.push_str(&format!(": did you mean {}?", close.join(", ")));
    }
    Failure::usage(message)
}

/// The access map with what it means (levels, usage), read through the probe's ways into the
/// accounts of `org`; `principal`: only what that user or group reaches. Every note is said on
/// stderr.
pub async fn read_map(
    cx: &Context,
    source: &Arc<dyn crate::source::Source>,
    org: &crate::model::Org,
    targets: &[ProbeTarget],
    principal: Option<&str>,
) -> Result<IdentityCenter, Failure> {
    let prober = crate::probe::Prober::new(Arc::clone(source), cx.probe_settings(source.as_ref()))
        .with_portal(cx.optional_portal().await);
    let footholds =
        crate::probe::AccountFootholds::new(Arc::new(prober), targets, crate::probe::CallerContext::of(org));
    let query = crate::source::AccessQuery { footholds: Some(Arc::new(footholds)), ..cx.access_query() };
    // One principal's reach is read on its own (a few dozen calls); everything else from the
    // map, refreshed from its cache when there is one.
    let map = match principal {
        Some(wanted) => source.principal_access(&query, wanted).await?,
        None => source.identity_center(&query).await?,
    };
    for note in map.unseen.iter().chain(&map.unavailable) {
        super::warn(note.raw());
    }
    Ok(map)
}

pub async fn run(cx: &Context, args: &AccessArgs) -> Result<u8, Failure> {
    let source = cx.source().await?;
    let org = source.discover(Arc::new(|_| {})).await?;
    let targets = ProbeTarget::all(&org);
    let account = match &args.account {
        Some(wanted) => Some(ProbeTarget::find(&targets, wanted)?.account.id.clone()),
        None => None,
    };
    let map = read_map(cx, &source, &org, &targets, args.principal.as_deref()).await?;
    if let Some(wanted) = &args.permission_set {
        check_permission_set(&map, wanted)?;
    }
    let principal = match &args.principal {
        Some(wanted) => Some(map.find_principal(wanted).map_err(|close| suggest("user or group", wanted, &close))?),
        None => None,
    };
    let places: std::collections::HashMap<&str, &ProbeTarget> =
        targets.iter().map(|t| (t.account.id.as_str(), t)).collect();
    let place = |id: &str| places.get(id).map(|t| (t.account.name.clone(), t.ou_path()));
    let mut rows = map.rows(principal.as_ref(), &place);
    let set = args.permission_set.as_ref().map(|s| s.to_lowercase());
    let unused_since = args.unused.map(|window| chrono::Utc::now() - window);
    rows.retain(|r| {
        account.as_ref().is_none_or(|a| r.account_id == a.as_str())
            && set.as_ref().is_none_or(|s| r.permission_set_name.raw().to_lowercase() == *s)
            && (!args.stale || r.provisioning == "stale")
            && args.level.is_none_or(|floor| r.level.at_least(floor.into()))
            && unused_since.is_none_or(|since| r.unused_since(since))
            && (!args.orphaned || r.orphaned)
    });
    if let Some(principal) = &principal {
        // Who the rows are for is chatter: stderr, so stdout holds the rows alone.
        let _ = writeln!(std::io::stderr(), "{}", summary(&rows, principal));
    }
    let text = match args.format {
        AccessFormat::Json => serde_json::to_string_pretty(&rows).map_err(Failure::runtime)? + "\n",
        AccessFormat::Csv => render_csv(&rows).map_err(Failure::runtime)?,
        AccessFormat::Text => render_text(&rows),
    };
    super::print(&text)
}

/// An unknown `--permission-set` is a usage error with the close names, like an unknown
/// principal or account.
fn check_permission_set(map: &IdentityCenter, wanted: &str) -> Result<(), Failure> {
    let names: Vec<&str> = map.permission_sets.iter().filter_map(|p| p.name.as_ref().map(Text::raw)).collect();
    if names.iter().any(|n| n.to_lowercase() == wanted.to_lowercase()) {
        return Ok(());
    }
    let scored = names.iter().map(|n| (crate::similar::score(wanted, n), *n)).collect();
    let close: Vec<String> =
        crate::similar::closest(scored).into_iter().map(|n| crate::text::visible(n).into_owned()).collect();
    Err(suggest("permission set", wanted, &close))
}

/// "user jane: 4 accounts, 6 routes".
fn summary(rows: &[AccessRow], principal: &Principal) -> String {
    let (kind, name) = match principal {
        Principal::User(user) => ("user", user.name()),
        Principal::Group(group) => ("group", group.name()),
    };
    format!("{kind} {name}: {} accounts, {} routes", accounts(rows), rows.len())
}

pub const CSV_COLUMNS: [&str; 14] = [
    "account_id",
    "account_name",
    "ou_path",
    "permission_set_arn",
    "permission_set_name",
    "principal_type",
    "principal_id",
    "principal_name",
    "via_group",
    "provisioning",
    "level",
    "last_used",
    "last_used_source",
    "orphaned",
];

fn render_csv(rows: &[AccessRow]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS)?;
    for r in rows {
        let path = r.ou_path.iter().map(Text::raw).collect::<Vec<_>>().join(" / ");
        let last_used = r.last_used.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default();
        let cells = [
            r.account_id.raw(),
            r.account_name.raw(),
            path.as_str(),
            r.permission_set_arn.raw(),
            r.permission_set_name.raw(),
            r.principal_type.code(),
            r.principal_id.raw(),
            r.principal_name.raw(),
            r.via_group.as_ref().map(|v| v.name.raw()).unwrap_or_default(),
            r.provisioning,
            r.level.code(),
            last_used.as_str(),
            r.last_used_source,
            if r.orphaned { "true" } else { "false" },
        ];
        writer.write_record(cells.iter().map(|c| crate::text::csv_cell(c).into_owned()))?;
    }
    let bytes = writer.into_inner().map_err(|err| csv::Error::from(err.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// One line per row: account, permission set and its level, principal, the group it comes
/// through, when last used, and the orphaned and stale marks.
pub fn render_text(rows: &[AccessRow]) -> String {
    let mut out = String::new();
    for r in rows {
        let via = r.via_group.as_ref().map(|v| format!("  via group {}", v.name)).unwrap_or_default();
        let stale = if r.provisioning == "stale" { "  STALE: not provisioned at its latest version" } else { "" };
        let orphaned = if r.orphaned { "  ORPHANED: no such principal in the Identity Store" } else { "" };
        out.push_str(&format!(
            "{} ({})  {} [{}]  {} {}{via}  {}{orphaned}{stale}\n",
            r.account_name,
            r.account_id,
            r.permission_set_name,
            r.level,
            r.principal_type.word(),
            r.principal_name,
            used_text(r),
        ));
    }
    if rows.is_empty() {
        out.push_str("no access matches\n");
    }
    out
}

/// `used 2026-11-03`, `never used`, `use unknown`.
pub fn used_text(row: &AccessRow) -> String {
    match (row.last_used_source, row.last_used) {
        ("iam", Some(at)) => format!("used {}", at.format("%Y-%m-%d")),
        ("iam", None) => "never used".to_string(),
        _ => "use unknown".to_string(),
    }
}

fn accounts(rows: &[AccessRow]) -> usize {
    rows.iter().map(|r| r.account_id.raw()).collect::<std::collections::BTreeSet<_>>().len()
}
