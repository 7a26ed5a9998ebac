//! Identity Center's access map in the app: read once the first full probe is done (shown from the
//! cached run until then), and indexed by account so the detail pane lists an account's permission sets and
//! who holds each without scanning the map every frame; and the access view over it.

use std::collections::{BTreeMap, HashMap};

use super::cursor::ListCursor;
use super::layout::Layout;
use super::message::{Effect, Intent};
use super::view::{Context, Reply, Screen};
use crate::model::identity::{AccessRow, IdentityCenter, Principal};
use crate::model::{Level, Text};

use crate::model::identity::UNUSED_DAYS;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct IdentityAccess {
    pub map: Option<IdentityCenter>,
    /// Every assignment as AWS holds it, by account id, sorted by permission set then principal.
    pub by_account: BTreeMap<String, Vec<AccessRow>>,
    /// Why the map could not be read.
    pub error: Option<String>,
    pub loading: bool,
    /// Per account id, the principals (ids) holding an admin-level permission set there: the
    /// tree counts them on every OU.
    pub admins: HashMap<String, Vec<String>>,
}

/// Principal mode: one user's or group's reach across the organization, by account (a user's
/// through her groups too), for the tree's marks and the detail pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Reach {
    pub principal: Principal,
    /// The principal's rows (`via_group` naming the group), by account id.
    pub by_account: HashMap<String, Vec<AccessRow>>,
    /// Per account id, the permission sets held there (`PowerUser, ReadOnlyAccess`, visible form):
    /// the tree's mark, made once here rather than on every frame.
    pub marks: HashMap<String, String>,
    /// Per account id, the most reach the principal has there (the mark's colour).
    pub levels: HashMap<String, Level>,
}

impl Reach {
    pub fn new(map: &IdentityCenter, principal: Principal) -> Reach {
        let mut by_account: HashMap<String, Vec<AccessRow>> = HashMap::new();
        for row in map.rows(Some(&principal), &|_| None) {
            by_account.entry(row.account_id.raw().to_string()).or_default().push(row);
        }
        let marks = by_account
            .iter()
            .map(|(account, rows)| {
                let mut names: Vec<String> = Vec::new();
                for name in rows.iter().map(|r| r.permission_set_name.to_string()) {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                (account.clone(), names.join(", "))
            })
            .collect();
        let levels = by_account.iter().map(|(account, rows)| (account.clone(), most(rows))).collect();
        Reach { principal, by_account, marks, levels }
    }

    /// What the principal holds in `account_id`, one entry a permission set in name order:
    /// `AdministratorAccess (via Admins, own)`, its level, and `stale` when not at its latest
    /// version.
    pub fn sets(&self, account_id: &str) -> Vec<(String, Level, bool)> {
        let mut sets: Vec<(String, Vec<String>, Level, bool)> = Vec::new();
        for row in self.by_account.get(account_id).into_iter().flatten() {
            let route = row.via_group.as_ref().map_or_else(|| "own".to_string(), |v| format!("via {}", v.name));
            match sets.iter_mut().find(|(name, ..)| *name == row.permission_set_name.to_string()) {
                Some((_, routes, _, _)) => routes.push(route),
                None => sets.push((
                    row.permission_set_name.to_string(),
                    vec![route],
                    row.level,
                    row.provisioning == "stale",
                )),
            }
        }
        sets.into_iter()
            .map(|(name, routes, level, stale)| match &self.principal {
                Principal::User(_) => (format!("{name} ({})", routes.join(", ")), level, stale),
                Principal::Group(_) => (name, level, stale),
            })
            .collect()
    }
}

/// The most reach among `rows`: admin over privileged over write over read; unknown only when
/// nothing else is known.
fn most(rows: &[AccessRow]) -> Level {
    rows.iter().map(|r| r.level).filter(|l| *l != Level::Unknown).max().unwrap_or(Level::Unknown)
}

/// `3d`, `5mo`, `never`, `?` (unreadable): how long ago the row's role was last used.
pub fn used_short(row: &AccessRow, now: chrono::DateTime<chrono::Utc>) -> String {
    match (row.last_used_source, row.last_used) {
        ("iam", Some(at)) => {
            let days = (now - at).num_days().max(0);
            if days < 60 { format!("{days}d") } else { format!("{}mo", days / 30) }
        }
        ("iam", None) => "never".to_string(),
        _ => "?".to_string(),
    }
}

/// One permission set held in an account: its name, whether stale there, and its holders
/// ("group Admins", "user jane"), visible form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub permission_set: Text,
    pub level: Level,
    pub stale: bool,
    pub holders: Vec<String>,
    /// When its role here was last used (`used_short`).
    pub used: String,
}

impl IdentityAccess {
    pub fn set(&mut self, map: IdentityCenter) {
        self.by_account.clear();
        self.admins.clear();
        for row in map.rows(None, &|_| None) {
            if row.level == Level::Admin {
                let holders = self.admins.entry(row.account_id.raw().to_string()).or_default();
                if !holders.contains(&row.principal_id.raw().to_string()) {
                    holders.push(row.principal_id.raw().to_string());
                }
            }
            self.by_account.entry(row.account_id.raw().to_string()).or_default().push(row);
        }
        self.map = Some(map);
        self.error = None;
        self.loading = false;
    }

    /// The permission sets held in `account_id`, in name order (`now`: for how long ago).
    pub fn held(&self, account_id: &str, now: chrono::DateTime<chrono::Utc>) -> Vec<Held> {
        let mut held: Vec<Held> = Vec::new();
        for row in self.by_account.get(account_id).into_iter().flatten() {
            let orphaned = if row.orphaned { " (orphaned)" } else { "" };
            let holder = format!("{} {}{orphaned}", row.principal_type.word(), row.principal_name);
            match held.last_mut() {
                Some(last) if last.permission_set == row.permission_set_name => last.holders.push(holder),
                _ => held.push(Held {
                    permission_set: row.permission_set_name.clone(),
                    level: row.level,
                    stale: row.provisioning == "stale",
                    holders: vec![holder],
                    used: used_short(row, now),
                }),
            }
        }
        held
    }
}

/// The access view (Tab): who holds which permission set in the tree's selection (an account, or
/// every account under an OU), `f` for stale ones only, `C` the view as a Markdown table, `Y` the
/// selected principal's id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccessScreen {
    /// Every row of the scope, in the contract's order.
    pub rows: Vec<AccessRow>,
    /// Indices into `rows` of the rows shown.
    pub shown: Vec<usize>,
    /// What the rows are of ("data-prod", "OU Production").
    pub scope: String,
    pub stale_only: bool,
    /// `l`: only rows at this level or above (and unknown ones).
    pub level_floor: Option<Level>,
    /// `u`: only rows not used in [`UNUSED_DAYS`] (or never).
    pub unused_only: bool,
    /// The time the `used` column and `u` count from (a saved run's own).
    pub now: chrono::DateTime<chrono::Utc>,
    /// The words typed after `/`: every one must be in the row's account, permission set,
    /// principal or group (case-insensitive).
    pub query: String,
    /// Some while the filter is typed.
    pub filter_input: Option<String>,
    /// Per row, what the filter searches, lower-cased.
    haystacks: Vec<String>,
    pub cursor: ListCursor,
}

impl AccessScreen {
    /// Why no row is shown: nothing here at all, or nothing the narrowing (`f`, `/`) keeps.
    pub fn empty_note(&self) -> String {
        let narrowed = self.level_floor.is_some() || self.unused_only;
        match (self.rows.is_empty(), self.stale_only, self.query.is_empty()) {
            (true, _, _) => "no Identity Center access here".to_string(),
            (false, true, true) if !narrowed => {
                format!("none of the {} rows here is stale (f shows them all)", self.rows.len())
            }
            (false, _, true) if narrowed => {
                format!("none of the {} rows here is kept by f, l or u (press them again)", self.rows.len())
            }
            (false, _, _) => format!("none of the {} rows here matches (Esc clears the filter)", self.rows.len()),
        }
    }

    /// What `l`, `u` and `f` keep, for the title: ` · admin+ · unused 90d · stale`.
    pub fn narrowing(&self) -> String {
        let mut out = String::new();
        if let Some(floor) = self.level_floor {
            out.push_str(&format!(" · {floor}+ (l)"));
        }
        if self.unused_only {
            out.push_str(&format!(" · unused {UNUSED_DAYS}d (u)"));
        }
        if self.stale_only {
            out.push_str(" · stale only (f)");
        }
        out
    }

    /// Shows the rows of `targets` (the selection's accounts), named and placed from the tree:
    /// in principal mode the principal's own rows, else every assignment there.
    pub fn show(
        &mut self,
        identity: &IdentityAccess,
        reach: Option<&Reach>,
        scope: String,
        targets: &[crate::probe::ProbeTarget],
        now: chrono::DateTime<chrono::Utc>,
    ) {
        self.now = now;
        let mut rows = Vec::new();
        for target in targets {
            let here = match reach {
                Some(reach) => reach.by_account.get(&target.account.id),
                None => identity.by_account.get(&target.account.id),
            };
            for row in here.into_iter().flatten() {
                let mut row = row.clone();
                row.account_name = target.account.name.clone();
                row.ou_path = target.ou_path();
                rows.push(row);
            }
        }
        rows.sort_by_key(|r| {
            (
                r.account_name.raw().to_lowercase(),
                r.permission_set_name.raw().to_lowercase(),
                r.principal_name.raw().to_lowercase(),
            )
        });
        self.haystacks = rows
            .iter()
            .map(|r| {
                let via = r.via_group.as_ref().map(|v| v.name.to_string()).unwrap_or_default();
                format!(
                    "{} {} {} {} {} {via}",
                    r.account_name,
                    r.account_id,
                    r.permission_set_name,
                    r.principal_type.code(),
                    r.principal_name
                )
                .to_lowercase()
            })
            .collect();
        self.rows = rows;
        self.scope = match reach {
            Some(reach) => format!("{} in {scope}", reach.principal.label()),
            None => scope,
        };
        self.cursor = ListCursor::default();
        self.rebuild();
    }

    fn rebuild(&mut self) {
        let words: Vec<String> = self.query.split_whitespace().map(str::to_lowercase).collect();
        let since = self.now - chrono::TimeDelta::days(UNUSED_DAYS);
        self.shown = (0..self.rows.len())
            .filter(|&i| {
                let row = &self.rows[i];
                (!self.stale_only || row.provisioning == "stale")
                    && self.level_floor.is_none_or(|floor| row.level.at_least(floor))
                    && (!self.unused_only || row.unused_since(since))
                    && words.iter().all(|w| self.haystacks[i].contains(w.as_str()))
            })
            .collect();
        self.cursor.clamp(self.shown.len());
    }

    fn set_query(&mut self, query: String) {
        self.query = query;
        self.cursor.offset = 0;
        self.cursor.selected = 0;
        self.rebuild();
    }

    pub fn visible(&self) -> impl Iterator<Item = &AccessRow> {
        self.shown.iter().map(|&i| &self.rows[i])
    }

    pub fn selected(&self) -> Option<&AccessRow> {
        self.shown.get(self.cursor.selected).map(|&i| &self.rows[i])
    }

    /// The rows in view as a Markdown table, every cell in its visible form.
    pub fn markdown(&self) -> String {
        let cell = |text: String| text.replace('|', "\\|");
        let mut out = String::from(
            "| account | permission set | level | principal | via group | provisioning | last used |\n\
             | --- | --- | --- | --- | --- | --- | --- |\n",
        );
        for r in self.visible() {
            let orphaned = if r.orphaned { " (orphaned)" } else { "" };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                cell(format!("{} ({})", r.account_name, r.account_id)),
                cell(r.permission_set_name.to_string()),
                r.level,
                cell(format!("{} {}{orphaned}", r.principal_type.word(), r.principal_name)),
                cell(r.via_group.as_ref().map(|v| v.name.to_string()).unwrap_or_default()),
                r.provisioning,
                used_short(r, self.now),
            ));
        }
        out
    }
}

/// One row as a line of text, every name in its visible form: `data-prod (2109…): PowerUser —
/// user jane via group Admins (stale)`.
fn row_line(r: &AccessRow) -> String {
    let via = r.via_group.as_ref().map(|v| format!(" via group {}", v.name)).unwrap_or_default();
    let stale = if r.provisioning == "stale" { " (stale)" } else { "" };
    let orphaned = if r.orphaned { " (orphaned)" } else { "" };
    format!(
        "{} ({}): {} [{}] — {} {}{via}{orphaned}{stale}",
        r.account_name,
        r.account_id,
        r.permission_set_name,
        r.level,
        r.principal_type.word(),
        r.principal_name
    )
}

impl Screen for AccessScreen {
    fn update(&mut self, intent: &Intent, cx: &Context) -> Option<Reply> {
        let height = usize::from(cx.layout.assignments_list().height);
        if self.cursor.follow(intent, self.shown.len(), height) {
            return Some(Reply::default());
        }
        if let Some(typed) = &self.filter_input {
            let mut typed = typed.clone();
            match intent {
                Intent::FilterChar(c) => typed.push(*c),
                Intent::FilterBackspace => {
                    typed.pop();
                }
                Intent::FilterErase { word } => {
                    for _ in 0..super::message::erase_count(&typed, *word) {
                        typed.pop();
                    }
                }
                Intent::FilterAccept => {
                    self.filter_input = None;
                    return Some(Reply::default());
                }
                Intent::FilterCancel => {
                    self.filter_input = None;
                    self.set_query(String::new());
                    return Some(Reply::default());
                }
                _ => return None,
            }
            self.filter_input = Some(typed.clone());
            self.set_query(typed);
            return Some(Reply::default());
        }
        match intent {
            Intent::OpenFilter => self.filter_input = Some(self.query.clone()),
            Intent::CloseOverlay if !self.query.is_empty() => self.set_query(String::new()),
            Intent::ToggleFailedOnly => {
                self.stale_only = !self.stale_only;
                self.cursor.offset = 0;
                self.rebuild();
            }
            Intent::CycleLevel => {
                self.level_floor = match self.level_floor {
                    None => Some(Level::Admin),
                    Some(Level::Admin) => Some(Level::Privileged),
                    Some(Level::Privileged) => Some(Level::Write),
                    Some(_) => None,
                };
                self.cursor.offset = 0;
                self.rebuild();
            }
            Intent::ToggleUnused => {
                self.unused_only = !self.unused_only;
                self.cursor.offset = 0;
                self.rebuild();
            }
            Intent::CopyFailures => {
                return Some(match self.shown.len() {
                    0 => Reply::toast("no access in view"),
                    n => Reply::effect(Effect::copy(self.markdown(), format!("{n} rows as a Markdown table"))),
                });
            }
            Intent::CopyReason => {
                return Some(match self.selected() {
                    Some(row) => Reply::effect(Effect::copy(row_line(row), "the row".to_string())),
                    None => Reply::toast("no row selected"),
                });
            }
            Intent::CopyId => {
                return Some(match self.selected() {
                    Some(row) => Reply::effect(Effect::copy(
                        row.principal_id.to_string(),
                        format!("the id of {} {}", row.principal_type.word(), row.principal_name),
                    )),
                    None => Reply::toast("no row selected"),
                });
            }
            Intent::JumpToAccount => {
                return Some(match self.selected() {
                    Some(row) => Reply { show_account: Some(row.account_id.raw().to_string()), ..Reply::default() },
                    None => Reply::toast("no row selected"),
                });
            }
            Intent::Activate | Intent::Collapse | Intent::Expand | Intent::Toggle => {}
            Intent::Probe | Intent::CopyTemplate | Intent::SwitchRole(_) | Intent::Retry | Intent::Fix => {
                return Some(Reply::toast("Tab back to the tree for this key"));
            }
            _ => return None,
        }
        self.cursor.scroll_into_view(height);
        Some(Reply::default())
    }

    fn click(&mut self, row: usize, _double: bool, _cx: &Context) -> Reply {
        self.cursor.select(row, self.shown.len());
        Reply::default()
    }

    fn list(&self, layout: &Layout) -> (ratatui::layout::Rect, usize, ListCursor) {
        (layout.assignments_list(), self.shown.len(), self.cursor)
    }
}
