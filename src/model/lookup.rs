//! Finding an account from what the user typed. An account's name is chosen by whoever owns the
//! account and is neither unique nor the user's, so it is never an identity: a 12-digit id means
//! that account and nothing else, and a name that several accounts share (in any case) is refused
//! with their ids rather than resolved to whichever comes first.

use crate::text::Text;

/// Why an ACCOUNT argument names no single account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// Several accounts carry the name (compared case-insensitively).
    #[error("{} names {} accounts ({}): give the id of the one you mean", crate::text::visible(.name), .ids.len(), .ids.join(", "))]
    Ambiguous { name: String, ids: Vec<String> },
    /// No account has the id or the name; `close` are the nearest names (visible forms).
    #[error("{}", unknown(.wanted, .close))]
    Unknown { wanted: String, close: Vec<String> },
}

fn unknown(wanted: &str, close: &[String]) -> String {
    let wanted = crate::text::visible(wanted);
    if is_account_id(&wanted) {
        return format!("no account has the id {wanted}");
    }
    if close.is_empty() {
        format!("no account has the id or name {wanted:?}")
    } else {
        format!("no account has the id or name {wanted:?}; the closest names: {}", close.join(", "))
    }
}

/// Twelve ASCII digits: the form of an AWS account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The one item of `items` that `wanted` names: by id when `wanted` is an account id (names are
/// never consulted then, so an account named like another's id cannot stand in for it), else by
/// exact name, case-insensitively, and only when one account has that name.
pub fn find_account<'a, T>(
    items: &'a [T],
    wanted: &str,
    id: impl Fn(&T) -> &str,
    name: impl Fn(&T) -> &Text,
) -> Result<&'a T, LookupError> {
    if is_account_id(wanted) {
        return items
            .iter()
            .find(|item| id(item) == wanted)
            .ok_or_else(|| LookupError::Unknown { wanted: wanted.to_string(), close: Vec::new() });
    }
    let lower = wanted.to_lowercase();
    let named: Vec<&T> = items.iter().filter(|item| name(item).raw().to_lowercase() == lower).collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => {
            let scored = items.iter().map(|item| (crate::similar::score(wanted, name(item).raw()), name(item).raw()));
            let close = crate::similar::closest(scored.collect())
                .into_iter()
                .map(|name| crate::text::visible(name).into_owned())
                .collect();
            Err(LookupError::Unknown { wanted: wanted.to_string(), close })
        }
        several => {
            let mut ids: Vec<String> = several.iter().map(|item| id(item).to_string()).collect();
            ids.sort();
            ids.dedup();
            Err(LookupError::Ambiguous { name: wanted.to_string(), ids })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Vec<(String, Text)> {
        [
            ("602918374655", "DATA-PROD"),
            ("210987654321", "data-prod"),
            ("111111111111", "210987654321"),
            ("222222222222", "payments-prod"),
            ("333333333333", "payments-dev"),
        ]
        .into_iter()
        .map(|(id, name)| (id.to_string(), Text::from(name)))
        .collect()
    }

    fn find(wanted: &str) -> Result<String, LookupError> {
        let list = accounts();
        find_account(&list, wanted, |a| &a.0, |a| &a.1).map(|a| a.0.clone())
    }

    #[test]
    fn an_id_means_that_account_and_a_name_never_stands_in_for_it() {
        assert_eq!(find("210987654321"), Ok("210987654321".into()));
        assert_eq!(find("111111111111"), Ok("111111111111".into()));
        assert!(matches!(find("999999999999"), Err(LookupError::Unknown { .. })));
    }

    #[test]
    fn a_name_two_accounts_share_in_any_case_is_refused_with_their_ids() {
        let err = find("data-prod").expect_err("ambiguous");
        assert_eq!(
            err,
            LookupError::Ambiguous {
                name: "data-prod".into(),
                ids: vec!["210987654321".into(), "602918374655".into()]
            }
        );
        assert!(err.to_string().contains("210987654321, 602918374655"), "{err}");
        assert_eq!(find("PAYMENTS-prod"), Ok("222222222222".into()));
    }

    #[test]
    fn an_unknown_name_lists_the_closest() {
        match find("payments-prd") {
            Err(LookupError::Unknown { close, .. }) => {
                assert_eq!(close.first().map(String::as_str), Some("payments-prod"))
            }
            other => panic!("{other:?}"),
        }
    }
}
