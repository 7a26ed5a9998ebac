//! `orgscope profiles`: one `~/.aws/config` profile per reachable account, inside a managed block
//! that a second run replaces in place. Nothing outside the block is ever touched.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Text;

pub const BEGIN: &str = "# >>> orgscope managed profiles >>>";
pub const END: &str = "# <<< orgscope managed profiles <<<";
const SSO_BEGIN: &str = "# >>> orgscope managed sso profiles >>>";
const SSO_END: &str = "# <<< orgscope managed sso profiles <<<";

/// Which managed block: the cross-account role's profiles, or your Identity Center sign-in's.
/// Each has its own, so writing one kind keeps the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Role,
    Sso,
}

impl Kind {
    fn markers(self) -> (&'static str, &'static str) {
        match self {
            Kind::Role => (BEGIN, END),
            Kind::Sso => (SSO_BEGIN, SSO_END),
        }
    }
}

/// One profile to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    /// Whether the name is the account's own words unchanged (made safe, nothing changed but the
    /// prefix): when names collide, such a profile keeps its name and the others get their id.
    pub exact: bool,
    /// Which account it reaches, for the comment above it: its name (someone else's words) and
    /// its OU path.
    pub account: Text,
    pub ou_path: Vec<Text>,
    pub access: ProfileAccess,
    pub region: Option<String>,
}

/// How a profile gets its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileAccess {
    /// `role_arn` + `source_profile` (+ `external_id`): the cross-account role.
    Role { role_arn: String, source_profile: String, external_id: Option<String> },
    /// The AWS CLI's sso-session style: `sso_session` (or a legacy `sso_start_url` and
    /// `sso_region`), `sso_account_id`, `sso_role_name`.
    Sso { session: Option<String>, start_url: String, sso_region: String, account_id: String, role_name: String },
    /// `credential_process`: orgscope itself (`assume ID --format credential-process` and the
    /// flags), so every SDK gets orgscope's cached credentials. `command` is quoted for `sh -c`
    /// (how the Rust SDK runs it) and for shlex (botocore).
    Process { account_id: String, command: String },
}

impl ProfileAccess {
    fn account_id(&self) -> &str {
        match self {
            ProfileAccess::Role { role_arn, .. } => role_arn.split(':').nth(4).unwrap_or_default(),
            ProfileAccess::Sso { account_id, .. } | ProfileAccess::Process { account_id, .. } => account_id,
        }
    }
}

/// A `credential_process` line running `program` with `args`, each quoted for `sh -c` and shlex;
/// None when one holds a character a config file cannot hold on one line.
pub fn process_command(program: &str, args: &[String]) -> Option<String> {
    let words: Vec<&str> = std::iter::once(program).chain(args.iter().map(String::as_str)).collect();
    if words.iter().any(|w| w.is_empty() || w.chars().any(char::is_control)) {
        return None;
    }
    Some(words.iter().map(|w| crate::export::shell::sh_quote(w)).collect::<Vec<_>>().join(" "))
}

/// A value safe to write after `key = ` in the config file: one line of the characters AWS allows
/// in role and permission-set names, ids, regions and URLs. Anything else is never written.
pub fn config_value_ok(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-:/".contains(c))
}

/// A profile name from the OU path (root left out) and the account name: lower case, anything but
/// letters, digits, `.`, `_` and `-` turned into `-`; and whether nothing needed changing.
pub fn profile_name(prefix: &str, ou_path: &[Text], account_name: &Text) -> (String, bool) {
    let mut parts: Vec<&str> = ou_path.iter().skip(1).map(Text::raw).collect();
    parts.push(account_name.raw());
    made_safe(prefix, &parts.join("-"))
}

/// `prefix` and `name` made safe, and whether `name` was safe already.
fn made_safe(prefix: &str, name: &str) -> (String, bool) {
    let safe = safe(name);
    let exact = safe == name;
    (format!("{prefix}{safe}"), exact)
}

/// The credentials-file profile `w` writes for an account: `orgscope-<name>`, with the account id
/// appended when another account of `accounts` (id, name) makes the same name and this one does
/// not hold it (the rule of [`assign_names`]).
pub fn switch_profile_name(account_id: &str, account_name: &Text, accounts: &[(&str, &Text)]) -> String {
    let (name, exact) = profile_name("orgscope-", &[], account_name);
    let rivals: Vec<bool> = accounts
        .iter()
        .filter(|(id, _)| *id != account_id)
        .map(|(_, other)| profile_name("orgscope-", &[], other))
        .filter(|(other, _)| *other == name)
        .map(|(_, other_exact)| other_exact)
        .collect();
    if rivals.is_empty() || (exact && rivals.iter().all(|other_exact| !other_exact)) {
        name
    } else {
        format!("{name}-{account_id}")
    }
}

/// A profile-name template (`--name-template`, config `profile_name_template`): text with
/// `{account_id}`, `{account_name}`, `{ou_path}` (the OUs below the root, joined with `-`), `{ou}`
/// (the nearest OU, or the root's name) and `{role}` (the role's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTemplate(String);

/// What a template's placeholders stand for, for one profile.
pub struct NameFields<'a> {
    pub account_id: &'a str,
    pub account_name: &'a Text,
    /// From the root down, the root included.
    pub ou_path: &'a [Text],
    pub role: &'a str,
}

const PLACEHOLDERS: [&str; 5] = ["account_id", "account_name", "ou_path", "ou", "role"];

impl NameTemplate {
    /// Checks every `{…}` names a placeholder; an unknown one (or an unclosed brace) is an error
    /// that lists the valid ones.
    pub fn parse(template: &str) -> Result<NameTemplate, String> {
        let valid = || PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ");
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                return Err(format!("{template:?} opens a {{ it does not close; the placeholders are {}", valid()));
            };
            let name = &rest[open + 1..open + close];
            if !PLACEHOLDERS.contains(&name) {
                return Err(format!("{{{name}}} in {template:?} is not a placeholder; they are {}", valid()));
            }
            rest = &rest[open + close + 1..];
        }
        if template.trim().is_empty() {
            return Err(format!("the template is empty; the placeholders are {}", valid()));
        }
        Ok(NameTemplate(template.to_string()))
    }

    /// The profile name: the template filled in, then made safe like every profile name; and
    /// whether making it safe changed nothing.
    pub fn render(&self, prefix: &str, fields: &NameFields) -> (String, bool) {
        let below_root: Vec<&str> = fields.ou_path.iter().skip(1).map(Text::raw).collect();
        let ou = fields.ou_path.last().map(Text::raw).unwrap_or_default();
        let filled = self
            .0
            .replace("{account_id}", fields.account_id)
            .replace("{account_name}", fields.account_name.raw())
            .replace("{ou_path}", &below_root.join("-"))
            .replace("{ou}", ou)
            .replace("{role}", fields.role);
        made_safe(prefix, &filled)
    }
}

/// Lower case, anything but letters, digits, `.`, `_` and `-` turned into `-`.
fn safe(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c.to_ascii_lowercase() } else { '-' })
        .collect()
}

/// The names `profiles` give: one per profile, None for a name the file already defines outside
/// this kind's block (skipped: the user's profile stays). Where names collide, the profile whose
/// name is its account's own words unchanged keeps it (when exactly one is) and the others get
/// their account id appended, so a lookalike account never takes another's name by coming first.
pub fn assign_names(profiles: &[Profile], taken: &BTreeSet<String>) -> Vec<Option<String>> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (at, profile) in profiles.iter().enumerate() {
        groups.entry(profile.name.as_str()).or_default().push(at);
    }
    let mut names: Vec<Option<String>> = vec![None; profiles.len()];
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut suffixed = Vec::new();
    for (name, members) in &groups {
        let exact: Vec<usize> = members.iter().copied().filter(|at| profiles[*at].exact).collect();
        let holder = match (members.as_slice(), exact.as_slice()) {
            ([only], _) => Some(*only),
            (_, [one]) => Some(*one),
            _ => None,
        };
        for at in members {
            if Some(*at) == holder {
                names[*at] = Some(name.to_string());
                used.insert(name.to_string());
            } else {
                suffixed.push(*at);
            }
        }
    }
    for at in suffixed {
        let mut name = format!("{}-{}", profiles[at].name, profiles[at].access.account_id());
        while used.contains(&name) {
            name = format!("{name}-{}", profiles[at].access.account_id());
        }
        used.insert(name.clone());
        names[at] = Some(name);
    }
    for name in names.iter_mut() {
        if name.as_ref().is_some_and(|n| taken.contains(n)) {
            *name = None;
        }
    }
    names
}

/// A managed block of `kind` with `profiles` under the `names` [`assign_names`] gave (a None
/// name is left out).
pub fn render_block(kind: Kind, profiles: &[Profile], names: &[Option<String>]) -> String {
    let (begin, end) = kind.markers();
    let command = if kind == Kind::Sso { "orgscope profiles --sso --write" } else { "orgscope profiles --write" };
    let mut out = format!("{begin}\n# Written by `{command}`; a second run replaces this block.\n");
    for (profile, name) in profiles.iter().zip(names) {
        let Some(name) = name else { continue };
        // The comment is one line: a name's line breaks are shown, never written.
        out.push_str(&format!(
            "\n# {} in {}\n[profile {name}]\n",
            profile.account,
            crate::text::join(&profile.ou_path, " / "),
        ));
        match &profile.access {
            ProfileAccess::Role { role_arn, source_profile, external_id } => {
                out.push_str(&format!("role_arn = {role_arn}\nsource_profile = {source_profile}\n"));
                if let Some(external_id) = external_id {
                    out.push_str(&format!("external_id = {external_id}\n"));
                }
            }
            ProfileAccess::Sso { session, start_url, sso_region, account_id, role_name } => {
                match session {
                    Some(session) => out.push_str(&format!("sso_session = {session}\n")),
                    None => out.push_str(&format!("sso_start_url = {start_url}\nsso_region = {sso_region}\n")),
                }
                out.push_str(&format!("sso_account_id = {account_id}\nsso_role_name = {role_name}\n"));
            }
            ProfileAccess::Process { command, .. } => out.push_str(&format!("credential_process = {command}\n")),
        }
        if let Some(region) = &profile.region {
            out.push_str(&format!("region = {region}\n"));
        }
    }
    out.push_str(end);
    out.push('\n');
    out
}

/// Where `kind`'s managed block is in `existing`: its byte range, the line break after it included.
fn block_range(existing: &str, kind: Kind) -> Option<std::ops::Range<usize>> {
    let (begin, end) = kind.markers();
    let start = existing.find(begin)?;
    let mut stop = start + existing[start..].find(end)? + end.len();
    if existing[stop..].starts_with('\n') {
        stop += 1;
    }
    Some(start..stop)
}

/// `existing` with `kind`'s managed block replaced by `block`, or `block` appended.
pub fn replace_block(existing: &str, kind: Kind, block: &str) -> String {
    if let Some(range) = block_range(existing, kind) {
        return format!("{}{block}{}", &existing[..range.start], &existing[range.end..]);
    }
    let mut out = existing.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(block);
    out
}

/// The profile names `existing` defines outside `kind`'s own block (the other kind's block
/// included): `[profile NAME]`, `[default]`, and any other section's name, to be safe.
pub fn defined_names(existing: &str, kind: Kind) -> BTreeSet<String> {
    let outside = match block_range(existing, kind) {
        Some(range) => format!("{}{}", &existing[..range.start], &existing[range.end..]),
        None => existing.to_string(),
    };
    outside
        .lines()
        .filter_map(|line| line.trim().strip_prefix('[')?.strip_suffix(']'))
        .map(|section| {
            let section = section.trim();
            section.strip_prefix("profile").filter(|rest| rest.starts_with(char::is_whitespace)).unwrap_or(section)
        })
        .map(|name| name.trim().to_string())
        .filter(|name| !name.starts_with("sso-session") && !name.starts_with("services"))
        .collect()
}

/// The shared config file the SDK and the AWS CLI read.
pub fn config_path() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("AWS_CONFIG_FILE").filter(|p| !p.is_empty()) {
        return Some(path.into());
    }
    dirs::home_dir().map(|home| home.join(".aws").join("config"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str, account: &str) -> Profile {
        Profile {
            name: name.into(),
            exact: true,
            account: format!("acct-{account}").into(),
            ou_path: vec!["Root".into()],
            access: ProfileAccess::Role {
                role_arn: format!("arn:aws:iam::{account}:role/R"),
                source_profile: "mgmt".into(),
                external_id: None,
            },
            region: Some("eu-west-1".into()),
        }
    }

    #[test]
    fn names_come_from_the_ou_path_and_the_account() {
        let path: Vec<Text> = vec!["Root".into(), "Work Loads".into(), "Prod".into()];
        assert_eq!(
            profile_name("org-", &path, &"Payments API".into()),
            ("org-work-loads-prod-payments-api".to_string(), false)
        );
        assert_eq!(profile_name("org-", &[], &"payments-api".into()), ("org-payments-api".to_string(), true));
    }

    fn block(kind: Kind, profiles: &[Profile], existing: &str) -> String {
        render_block(kind, profiles, &assign_names(profiles, &defined_names(existing, kind)))
    }

    #[test]
    fn a_second_run_replaces_the_block_and_nothing_else() {
        let before = "[default]\nregion = us-east-1\n# mine\n";
        let first =
            replace_block(before, Kind::Role, &block(Kind::Role, &[profile("a", "1"), profile("b", "2")], before));
        assert!(first.starts_with(before));
        assert!(first.contains("[profile a]\n") && first.contains("[profile b]\n"), "{first}");
        let with_more = format!("{first}[profile after]\nregion = x\n");
        let second = replace_block(&with_more, Kind::Role, &block(Kind::Role, &[profile("c", "3")], &with_more));
        assert!(second.starts_with(before));
        assert!(second.ends_with("[profile after]\nregion = x\n"), "{second}");
        assert!(!second.contains("[profile a]") && second.contains("[profile c]"));
        assert_eq!(second.matches(BEGIN).count(), 1);
    }

    /// A lookalike account never takes another's name by coming first: the name an account's own
    /// words give unchanged stays with it, the lookalike gets its id, and where no account (or
    /// several) holds the name exactly, all of them get their ids.
    #[test]
    fn colliding_names_go_to_the_account_that_holds_them() {
        let mut lookalike = profile("data-prod", "602918374655");
        lookalike.exact = false;
        let real = profile("data-prod", "210987654321");
        let names = assign_names(&[lookalike.clone(), real.clone()], &BTreeSet::new());
        assert_eq!(names, vec![Some("data-prod-602918374655".into()), Some("data-prod".into())]);
        let names = assign_names(&[real.clone(), lookalike.clone()], &BTreeSet::new());
        assert_eq!(names, vec![Some("data-prod".into()), Some("data-prod-602918374655".into())], "order is no matter");
        let twin = profile("data-prod", "333333333333");
        let names = assign_names(&[real.clone(), twin], &BTreeSet::new());
        assert_eq!(names, vec![Some("data-prod-210987654321".into()), Some("data-prod-333333333333".into())]);
        let mut squatter = profile("data-prod-602918374655", "444444444444");
        squatter.exact = true;
        let names = assign_names(&[real, lookalike, squatter], &BTreeSet::new());
        let unique: BTreeSet<&String> = names.iter().flatten().collect();
        assert_eq!(unique.len(), 3, "{names:?}");
    }

    #[test]
    fn names_the_file_defines_outside_the_block_are_skipped_and_the_other_kinds_block_is_kept() {
        let existing = format!(
            "[default]\nregion = x\n[profile infrastructure-dns]\nregion = y\n[sso-session corp]\nsso_region = z\n\n{}",
            block(Kind::Sso, &[profile("dev-admin", "5")], "")
        );
        let taken = defined_names(&existing, Kind::Role);
        assert!(taken.contains("default") && taken.contains("infrastructure-dns") && taken.contains("dev-admin"));
        assert!(!taken.iter().any(|n| n.contains("corp")), "{taken:?}");
        let list = [profile("infrastructure-dns", "1"), profile("default", "2"), profile("dns", "3")];
        let names = assign_names(&list, &taken);
        assert_eq!(names, vec![None, None, Some("dns".into())]);
        let written = replace_block(&existing, Kind::Role, &render_block(Kind::Role, &list, &names));
        assert!(written.starts_with(&existing), "the sso block and the user's sections stay: {written}");
        assert_eq!(written.matches("[profile infrastructure-dns]").count(), 1);
        assert!(written.contains("[profile dns]"));
        // Its own block's names are its to replace.
        assert!(!defined_names(&written, Kind::Role).contains("dns"));
        assert!(defined_names(&written, Kind::Sso).contains("dns"));
    }

    #[test]
    fn the_switch_profile_gets_the_id_when_another_account_shares_its_name() {
        let real: Text = "data-prod".into();
        let lookalike: Text = "DATA-PROD".into();
        let accounts = [("210987654321", &real), ("602918374655", &lookalike)];
        assert_eq!(switch_profile_name("210987654321", &real, &accounts), "orgscope-data-prod");
        assert_eq!(switch_profile_name("602918374655", &lookalike, &accounts), "orgscope-data-prod-602918374655");
        assert_eq!(switch_profile_name("210987654321", &real, &accounts[..1]), "orgscope-data-prod");
    }

    #[test]
    fn sso_profiles_name_the_session_the_account_and_the_role() {
        let mut sso = profile("dev-admin", "111111111111");
        sso.access = ProfileAccess::Sso {
            session: Some("corp".into()),
            start_url: "https://corp.awsapps.com/start".into(),
            sso_region: "eu-west-1".into(),
            account_id: "111111111111".into(),
            role_name: "Admin".into(),
        };
        let block = block(Kind::Sso, &[sso.clone()], "");
        assert!(
            block.contains("[profile dev-admin]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = eu-west-1\n"),
            "{block}"
        );
        if let ProfileAccess::Sso { session, .. } = &mut sso.access {
            *session = None;
        }
        let legacy = render_block(Kind::Sso, &[sso], &[Some("dev-admin".into())]);
        assert!(
            legacy.contains("sso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"),
            "{legacy}"
        );
        assert!(config_value_ok("AWSAdministratorAccess") && !config_value_ok("Admin\n[x]") && !config_value_ok("a b"));
    }

    #[test]
    fn the_comment_above_a_profile_stays_one_line() {
        let mut hostile = profile("evil", "3");
        hostile.account = "x\r\n[profile evil]\ncredential_process = sh -c 'id'\u{1b}]0;t\u{7}".into();
        hostile.ou_path = vec!["Root".into(), "OU\n[default]".into()];
        let block = block(Kind::Role, &[hostile], "");
        assert!(
            block.contains(
                "\n# x\\r\\n[profile evil]\\ncredential_process = sh -c 'id'\\e]0;t\\x07 in Root / OU\\n[default]\n"
            ),
            "{block}"
        );
        assert_eq!(block.lines().filter(|l| l.starts_with('[')).count(), 1, "{block}");
        assert!(!block.lines().any(|l| l.starts_with("credential_process")), "{block}");
    }

    #[test]
    fn templates_fill_their_placeholders_and_stay_safe() {
        let path: Vec<Text> = vec!["Root".into(), "Work Loads".into(), "Prod".into()];
        let name: Text = "Payments API\n[x]".into();
        let fields = NameFields { account_id: "123456789012", account_name: &name, ou_path: &path, role: "Admin" };
        let render = |t: &str| NameTemplate::parse(t).map(|t| t.render("p-", &fields).0);
        assert_eq!(render("{ou}-{account_name}").as_deref(), Ok("p-prod-payments-api--x-"));
        assert_eq!(render("{ou_path}.{role}@{account_id}").as_deref(), Ok("p-work-loads-prod.admin-123456789012"));
        assert_eq!(render("{account_id}").as_deref(), Ok("p-123456789012"));
        let root_only: Vec<Text> = vec!["Root".into()];
        let fields = NameFields { ou_path: &root_only, ..fields };
        assert_eq!(
            NameTemplate::parse("{ou}/{ou_path}/{account_name}").map(|t| t.render("", &fields).0).as_deref(),
            Ok("root--payments-api--x-")
        );
        for bad in ["{account}", "{ou_path", "{}", "  "] {
            let err = NameTemplate::parse(bad).expect_err(bad);
            assert!(
                err.contains("{account_id}, {account_name}, {ou_path}, {ou}, {role}") || err.contains("empty"),
                "{err}"
            );
        }
    }
}
