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
    pub role_arn: String,
    pub source_profile: String,
    pub external_id: Option<String>,
    pub region: Option<String>,
}

/// A profile name from the OU path (root left out) and the account name: lower case, anything but
/// letters, digits, `.`, `_` and `-` turned into `-`.
pub fn profile_name(prefix: &str, ou_path: &[Text], account_name: &Text) -> String {
    let mut parts: Vec<&str> = ou_path.iter().skip(1).map(Text::raw).collect();
    parts.push(account_name.raw());
    let joined = parts.join("-");
    let cleaned: String = joined
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c.to_ascii_lowercase() } else { '-' })
        .collect();
    format!("{prefix}{cleaned}")
}

/// The managed block. Names that would collide get the account id appended.
pub fn render_block(profiles: &[Profile]) -> String {
    let mut out = format!("{BEGIN}\n# Written by `orgscope profiles --write`; a second run replaces this block.\n");
    let mut seen = BTreeSet::new();
    for profile in profiles {
        let mut name = profile.name.clone();
        if !seen.insert(name.clone()) {
            let account = profile.role_arn.split(':').nth(4).unwrap_or_default();
            name = format!("{name}-{account}");
            seen.insert(name.clone());
        }
        // The comment is one line: a name's line breaks are shown, never written.
        out.push_str(&format!(
            "\n# {} in {}\n[profile {name}]\nrole_arn = {}\nsource_profile = {}\n",
            profile.account,
            crate::text::join(&profile.ou_path, " / "),
            profile.role_arn,
            profile.source_profile
        ));
        if let Some(external_id) = &profile.external_id {
            out.push_str(&format!("external_id = {external_id}\n"));
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
            role_arn: format!("arn:aws:iam::{account}:role/R"),
            source_profile: "mgmt".into(),
            external_id: None,
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
}
