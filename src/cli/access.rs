//! `orgscope access [ACCOUNT] [--principal NAME|ID] [--permission-set NAME] [--stale]`: who can get
//! into which account through Identity Center, with which permission set — or, for one user, where
//! she can get in and through which group.

use std::io::Write;
use std::sync::Arc;

use clap::Args;

use super::{Failure, GlobalArgs, exit};
use crate::model::Text;
use crate::model::identity::{AccessRow, Principal};
use crate::probe::ProbeTarget;
use crate::source::{AccessQuery, Source};

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
    #[arg(long, value_enum, default_value_t = AccessFormat::Text)]
    pub format: AccessFormat,
}

/// Where the access map of the profile's Identity Center is kept between runs.
pub fn cache_path(global: &GlobalArgs) -> Option<std::path::PathBuf> {
    let profile = global.profile.clone().or_else(|| std::env::var("AWS_PROFILE").ok()).unwrap_or("default".into());
    let region = global.sso_region.as_deref().or(global.region.as_deref()).unwrap_or("default");
    dirs::cache_dir().map(|dir| dir.join("orgscope").join(format!("access-map-{profile}-{region}.json")))
}

/// The access map's read for these flags: Identity Center's region and, unless `--no-cache`,
/// the cache to refresh.
pub fn query(global: &GlobalArgs) -> AccessQuery {
    AccessQuery {
        sso_region: global.sso_region.clone(),
        cache_path: if global.no_cache { None } else { cache_path(global) },
    }
}

fn usage(message: String) -> Failure {
    Failure { code: exit::USAGE, message }
}

fn suggest(what: &str, wanted: &str, close: &[String]) -> Failure {
    let mut message = format!("no {what} {}", crate::text::visible(wanted));
    if !close.is_empty() {
        message.push_str(&format!(": did you mean {}?", close.join(", ")));
    }
    usage(message)
}

pub async fn run(source: Arc<dyn Source>, global: &GlobalArgs, args: &AccessArgs) -> Result<u8, Failure> {
    let org = source.discover(Arc::new(|_| {})).await?;
    let targets = ProbeTarget::all(&org);
    let account = match &args.account {
        Some(wanted) => Some(super::assume::find_account(&targets, wanted)?.account.id.clone()),
        None => None,
    };
    // One principal's reach is read on its own (a few dozen calls); everything else from the
    // map, refreshed from its cache when there is one.
    let map = match &args.principal {
        Some(wanted) => source.principal_access(global.sso_region.as_deref(), wanted).await?,
        None => source.identity_center(&query(global)).await?,
    };
    for note in &map.unavailable {
        let _ = writeln!(std::io::stderr(), "orgscope: warning: {note}");
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
    rows.retain(|r| {
        account.as_ref().is_none_or(|a| r.account_id == a.as_str())
            && set.as_ref().is_none_or(|s| r.permission_set_name.raw().to_lowercase() == *s)
            && (!args.stale || r.provisioning == "stale")
    });
    let text = match args.format {
        AccessFormat::Json => serde_json::to_string_pretty(&rows).map_err(Failure::runtime)? + "\n",
        AccessFormat::Csv => render_csv(&rows).map_err(Failure::runtime)?,
        AccessFormat::Text => render_text(&rows, principal.as_ref()),
    };
    std::io::stdout().write_all(text.as_bytes()).map_err(Failure::runtime)?;
    Ok(exit::OK)
}

pub const CSV_COLUMNS: [&str; 10] = [
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
];

fn render_csv(rows: &[AccessRow]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS)?;
    for r in rows {
        let path = r.ou_path.iter().map(Text::raw).collect::<Vec<_>>().join(" / ");
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
        ];
        writer.write_record(cells.iter().map(|c| crate::text::csv_cell(c).into_owned()))?;
    }
    let bytes = writer.into_inner().map_err(|err| csv::Error::from(err.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// One line per row: account, permission set, principal, the group it comes through, a stale mark.
pub fn render_text(rows: &[AccessRow], principal: Option<&Principal>) -> String {
    let mut out = String::new();
    if let Some(principal) = principal {
        let (kind, name) = match principal {
            Principal::User(user) => ("user", user.name()),
            Principal::Group(group) => ("group", group.name()),
        };
        out.push_str(&format!("{kind} {name}: {} accounts, {} routes\n", accounts(rows), rows.len()));
    }
    for r in rows {
        let via = r.via_group.as_ref().map(|v| format!("  via group {}", v.name)).unwrap_or_default();
        let stale = if r.provisioning == "stale" { "  STALE: not provisioned at its latest version" } else { "" };
        out.push_str(&format!(
            "{} ({})  {}  {} {}{via}{stale}\n",
            r.account_name,
            r.account_id,
            r.permission_set_name,
            r.principal_type.word(),
            r.principal_name
        ));
    }
    if rows.is_empty() {
        out.push_str("no access matches\n");
    }
    out
}

fn accounts(rows: &[AccessRow]) -> usize {
    rows.iter().map(|r| r.account_id.raw()).collect::<std::collections::BTreeSet<_>>().len()
}
