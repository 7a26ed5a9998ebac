//! `orgscope profiles`: one `~/.aws/config` profile per reachable account, inside a managed block
//! that a second run replaces in place. Nothing outside the block is ever touched.

use std::collections::BTreeSet;

use crate::model::Text;

pub const BEGIN: &str = "# >>> orgscope managed profiles >>>";
pub const END: &str = "# <<< orgscope managed profiles <<<";

/// One profile to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
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
}

impl ProfileAccess {
    fn account_id(&self) -> &str {
        match self {
            ProfileAccess::Role { role_arn, .. } => role_arn.split(':').nth(4).unwrap_or_default(),
            ProfileAccess::Sso { account_id, .. } => account_id,
        }
    }
}

/// A value safe to write after `key = ` in the config file: one line of the characters AWS allows
/// in role and permission-set names, ids, regions and URLs. Anything else is never written.
pub fn config_value_ok(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-:/".contains(c))
}

/// A profile name from the OU path (root left out) and the account name: lower case, anything but
/// letters, digits, `.`, `_` and `-` turned into `-`.
pub fn profile_name(prefix: &str, ou_path: &[Text], account_name: &Text) -> String {
    let mut parts: Vec<&str> = ou_path.iter().skip(1).map(Text::raw).collect();
    parts.push(account_name.raw());
    format!("{prefix}{}", safe(&parts.join("-")))
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

    /// The profile name: the template filled in, then made safe like every profile name.
    pub fn render(&self, prefix: &str, fields: &NameFields) -> String {
        let below_root: Vec<&str> = fields.ou_path.iter().skip(1).map(Text::raw).collect();
        let ou = fields.ou_path.last().map(Text::raw).unwrap_or_default();
        let filled = self
            .0
            .replace("{account_id}", fields.account_id)
            .replace("{account_name}", fields.account_name.raw())
            .replace("{ou_path}", &below_root.join("-"))
            .replace("{ou}", ou)
            .replace("{role}", fields.role);
        format!("{prefix}{}", safe(&filled))
    }
}

/// Lower case, anything but letters, digits, `.`, `_` and `-` turned into `-`.
fn safe(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c.to_ascii_lowercase() } else { '-' })
        .collect()
}

/// The managed block. Names that would collide get the account id appended.
pub fn render_block(profiles: &[Profile]) -> String {
    let mut out = format!("{BEGIN}\n# Written by `orgscope profiles --write`; a second run replaces this block.\n");
    let mut seen = BTreeSet::new();
    for profile in profiles {
        let mut name = profile.name.clone();
        if !seen.insert(name.clone()) {
            name = format!("{name}-{}", profile.access.account_id());
            seen.insert(name.clone());
        }
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
        }
        if let Some(region) = &profile.region {
            out.push_str(&format!("region = {region}\n"));
        }
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// `existing` with its managed block replaced by `block`, or `block` appended.
pub fn replace_block(existing: &str, block: &str) -> String {
    if let Some(start) = existing.find(BEGIN)
        && let Some(end_at) = existing[start..].find(END)
    {
        let mut end = start + end_at + END.len();
        if existing[end..].starts_with('\n') {
            end += 1;
        }
        return format!("{}{block}{}", &existing[..start], &existing[end..]);
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
        assert_eq!(profile_name("org-", &path, &"Payments API".into()), "org-work-loads-prod-payments-api");
    }

    #[test]
    fn a_second_run_replaces_the_block_and_nothing_else() {
        let before = "[default]\nregion = us-east-1\n# mine\n";
        let first = replace_block(before, &render_block(&[profile("a", "1"), profile("a", "2")]));
        assert!(first.starts_with(before));
        assert!(first.contains("[profile a]\n") && first.contains("[profile a-2]\n"), "{first}");
        let with_more = format!("{first}[profile after]\nregion = x\n");
        let second = replace_block(&with_more, &render_block(&[profile("b", "3")]));
        assert!(second.starts_with(before));
        assert!(second.ends_with("[profile after]\nregion = x\n"), "{second}");
        assert!(!second.contains("[profile a]") && second.contains("[profile b]"));
        assert_eq!(second.matches(BEGIN).count(), 1);
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
        let block = render_block(&[sso.clone()]);
        assert!(
            block.contains("[profile dev-admin]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = eu-west-1\n"),
            "{block}"
        );
        if let ProfileAccess::Sso { session, .. } = &mut sso.access {
            *session = None;
        }
        let legacy = render_block(&[sso]);
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
        let block = render_block(&[hostile]);
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
        let render = |t: &str| NameTemplate::parse(t).map(|t| t.render("p-", &fields));
        assert_eq!(render("{ou}-{account_name}").as_deref(), Ok("p-prod-payments-api--x-"));
        assert_eq!(render("{ou_path}.{role}@{account_id}").as_deref(), Ok("p-work-loads-prod.admin-123456789012"));
        assert_eq!(render("{account_id}").as_deref(), Ok("p-123456789012"));
        let root_only: Vec<Text> = vec!["Root".into()];
        let fields = NameFields { ou_path: &root_only, ..fields };
        assert_eq!(
            NameTemplate::parse("{ou}/{ou_path}/{account_name}").map(|t| t.render("", &fields)).as_deref(),
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
