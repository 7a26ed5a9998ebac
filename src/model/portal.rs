//! What your own Identity Center sign-in reaches through the AWS access portal: the accounts it
//! lists and, in each, the roles (permission sets) you may take. Names are the portal's words, so
//! they are [`Text`].

use serde::{Deserialize, Serialize};

use crate::text::Text;

/// One account the portal lists, with the roles you hold there (sorted by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalAccount {
    pub account_id: String,
    pub account_name: Text,
    pub roles: Vec<Text>,
    /// The account's roles could not be listed (shown in place; the other accounts still load).
    #[serde(default)]
    pub error: Option<Text>,
}

/// The contract's `roles` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalRole {
    pub account_id: String,
    pub account_name: Text,
    pub role_name: Text,
}

/// Every (account, role) pair, sorted by account name then role name (case-insensitive, then
/// exactly, so the order is total).
pub fn role_rows(accounts: &[PortalAccount]) -> Vec<PortalRole> {
    let mut rows: Vec<PortalRole> = accounts
        .iter()
        .flat_map(|a| {
            a.roles.iter().map(|role| PortalRole {
                account_id: a.account_id.clone(),
                account_name: a.account_name.clone(),
                role_name: role.clone(),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &PortalRole| (r.account_name.raw().to_lowercase(), r.role_name.raw().to_lowercase());
        key(a).cmp(&key(b)).then_with(|| (&a.account_name, &a.role_name).cmp(&(&b.account_name, &b.role_name)))
    });
    rows
}

/// The role to take in an account: `wanted` when the account offers it, else the first of
/// `preferred` it offers, else its only role. `Err` lists what it offers (none, or several with
/// no preference among them).
pub fn choose_role<'a>(
    offered: &'a [Text],
    wanted: Option<&str>,
    preferred: &[String],
) -> Result<&'a Text, RoleChoice> {
    if let Some(wanted) = wanted {
        return offered.iter().find(|r| r.raw() == wanted).ok_or(RoleChoice::NotOffered);
    }
    for name in preferred {
        if let Some(role) = offered.iter().find(|r| r.raw() == name) {
            return Ok(role);
        }
    }
    match offered {
        [only] => Ok(only),
        [] => Err(RoleChoice::None),
        _ => Err(RoleChoice::Several),
    }
}

/// Why no role could be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChoice {
    /// The role asked for is not among the account's.
    NotOffered,
    /// The account offers no role.
    None,
    /// Several, and nothing says which.
    Several,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str, roles: &[&str]) -> PortalAccount {
        PortalAccount {
            account_id: id.into(),
            account_name: name.into(),
            roles: roles.iter().map(|r| Text::from(*r)).collect(),
            error: None,
        }
    }

    #[test]
    fn rows_are_sorted_by_account_name_then_role_name() {
        let rows = role_rows(&[
            account("2", "prod", &["ReadOnly", "Admin"]),
            account("1", "Dev", &["ViewOnly"]),
            account("3", "empty", &[]),
        ]);
        let seen: Vec<(&str, &str)> = rows.iter().map(|r| (r.account_name.raw(), r.role_name.raw())).collect();
        assert_eq!(seen, vec![("Dev", "ViewOnly"), ("prod", "Admin"), ("prod", "ReadOnly")]);
    }

    #[test]
    fn the_role_is_the_one_asked_for_the_preferred_or_the_only_one() {
        let roles: Vec<Text> = vec!["Admin".into(), "ReadOnly".into()];
        assert_eq!(choose_role(&roles, Some("ReadOnly"), &[]).map(Text::raw), Ok("ReadOnly"));
        assert_eq!(choose_role(&roles, Some("Billing"), &[]), Err(RoleChoice::NotOffered));
        let preferred = vec!["Billing".to_string(), "ReadOnly".to_string()];
        assert_eq!(choose_role(&roles, None, &preferred).map(Text::raw), Ok("ReadOnly"));
        assert_eq!(choose_role(&roles, None, &[]), Err(RoleChoice::Several));
        assert_eq!(choose_role(&roles[..1], None, &[]).map(Text::raw), Ok("Admin"));
        assert_eq!(choose_role(&[], None, &preferred), Err(RoleChoice::None));
    }
}
