//! A saved run: the organization, probe results and assignment attempts, for `--snapshot FILE`
//! and the embedded demo.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AssignmentAttempt, Org, ProbeOutcome};

/// The version written by this build. Older files load; newer ones are refused with a clear message.
pub const SNAPSHOT_FORMAT: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: u32,
    pub saved_at: DateTime<Utc>,
    /// The region the run used, when known.
    pub region: Option<String>,
    pub org: Org,
    /// Probe outcomes keyed by account id.
    #[serde(default)]
    pub access: BTreeMap<String, ProbeOutcome>,
    #[serde(default)]
    pub assignments: Vec<AssignmentAttempt>,
    /// Identity Center's access map, when it was read.
    #[serde(default)]
    pub identity_center: Option<super::identity::IdentityCenter>,
    /// What your own Identity Center sign-in reached (the portal's accounts and roles), when read.
    #[serde(default)]
    pub portal: Option<Vec<super::portal::PortalAccount>>,
}

/// The largest snapshot read (10,000 accounts with tags and their assignments take about 20 MB).
pub const MAX_SNAPSHOT_BYTES: u64 = 128 * 1024 * 1024;

/// The most strings (keys and values) a snapshot may hold: 10,000 accounts with tags and an access
/// map of 20,000 assignments hold about 400,000. Counted before anything is parsed, so that a file
/// of millions of tiny values (each one an allocation) is refused within the memory of its bytes.
pub const MAX_SNAPSHOT_STRINGS: usize = 2_000_000;

/// AWS allows 50 tags on an account.
const MAX_TAGS: usize = 50;

/// The field check's name for an account with more tags than AWS allows.
const TOO_MANY_TAGS: &str = "tags";

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// serde's message quotes the file (an unknown variant, a key): shown in its visible form.
    #[error("{path} is not an orgscope snapshot: {}", crate::text::visible(&source.to_string()))]
    Invalid { path: String, source: serde_json::Error },
    #[error(
        "{path} is not an orgscope snapshot: it is {size} bytes, more than the {MAX_SNAPSHOT_BYTES} a snapshot may have"
    )]
    TooLarge { path: String, size: u64 },
    #[error(
        "{path} is not an orgscope snapshot: it holds more than {MAX_SNAPSHOT_STRINGS} values, more than any organization's run"
    )]
    TooMany { path: String },
    #[error("{path} is not an orgscope snapshot: account {account} has more than the {MAX_TAGS} tags AWS allows")]
    Tags { path: String, account: String },
    /// A field that AWS writes in a fixed form (an id, an ARN, a status) holds something else.
    #[error("{path} is not an orgscope snapshot: {field} {} is not an AWS value", crate::text::visible(value))]
    Field { path: String, field: &'static str, value: String },
    #[error("could not read {path}: {message}")]
    Io { path: String, message: String },
    #[error(
        "{path} is a snapshot of format {found}, made by a newer orgscope; this one reads formats up to {SNAPSHOT_FORMAT}: update orgscope, or save the run again with this one (`orgscope snapshot -o FILE`)"
    )]
    Version { path: String, found: u32 },
}

impl Snapshot {
    /// A run saved now, in this build's format.
    pub fn new(
        org: Org,
        access: BTreeMap<String, ProbeOutcome>,
        assignments: Vec<AssignmentAttempt>,
        region: Option<String>,
    ) -> Snapshot {
        Snapshot {
            format: SNAPSHOT_FORMAT,
            saved_at: Utc::now(),
            region,
            org,
            access,
            assignments,
            identity_center: None,
            portal: None,
        }
    }

    /// Parses a snapshot; `path` only names the file in errors.
    pub fn from_json(text: &str, path: &str) -> Result<Snapshot, SnapshotError> {
        if strings_in(text) > MAX_SNAPSHOT_STRINGS {
            return Err(SnapshotError::TooMany { path: path.to_string() });
        }
        let snapshot: Snapshot =
            serde_json::from_str(text).map_err(|source| SnapshotError::Invalid { path: path.to_string(), source })?;
        // Older formats load (what they lack has serde defaults); a newer one may mean something
        // this build cannot tell.
        if snapshot.format > SNAPSHOT_FORMAT {
            return Err(SnapshotError::Version { path: path.to_string(), found: snapshot.format });
        }
        snapshot.check_fields().map_err(|(field, value)| match field {
            TOO_MANY_TAGS => SnapshotError::Tags { path: path.to_string(), account: value.to_string() },
            _ => SnapshotError::Field { path: path.to_string(), field, value: value.to_string() },
        })?;
        Ok(snapshot)
    }

    /// Ids, ARNs, statuses and the region are shown and used as they are, so a snapshot (which may
    /// come from someone else) must hold them in AWS's own form: printable, no spaces, at most
    /// 2,048 characters. Names and messages are [`Text`](crate::text::Text) and may hold anything.
    fn check_fields(&self) -> Result<(), (&'static str, &str)> {
        fn check<'a>(field: &'static str, value: &'a str) -> Result<(), (&'static str, &'a str)> {
            let inert = !value.is_empty()
                && value.len() <= 2048
                && !value.chars().any(|c| c.is_whitespace() || crate::text::is_unsafe(c));
            if inert { Ok(()) } else { Err((field, value)) }
        }
        fn nodes(children: &[super::Node]) -> Result<(), (&'static str, &str)> {
            for node in children {
                match node {
                    super::Node::Ou(ou) => {
                        check("an OU id", &ou.id)?;
                        nodes(&ou.children)?;
                    }
                    super::Node::Account(account) => {
                        check("an account id", &account.id)?;
                        if account.tags.as_ref().is_some_and(|tags| tags.len() > MAX_TAGS) {
                            return Err((TOO_MANY_TAGS, &account.id));
                        }
                        for (field, value) in
                            [("a status", &account.status), ("a joined method", &account.joined_method)]
                        {
                            if let Some(value) = value {
                                check(field, value)?;
                            }
                        }
                    }
                }
            }
            Ok(())
        }
        let org = &self.org;
        check("the organization id", &org.organization.id)?;
        check("the management account id", &org.organization.management_account_id)?;
        if let Some(feature_set) = &org.organization.feature_set {
            check("the feature set", feature_set)?;
        }
        check("the caller's account", &org.caller.account)?;
        check("the caller's ARN", &org.caller.arn)?;
        if let Some(region) = &self.region {
            check("the region", region)?;
        }
        for root in &org.roots {
            check("a root id", &root.id)?;
            nodes(&root.children)?;
        }
        for account in self.portal.iter().flatten() {
            check("a portal account id", &account.account_id)?;
        }
        for (account, outcome) in &self.access {
            check("a probed account id", account)?;
            if let Some(role) = &outcome.role_arn {
                check("a role ARN", role)?;
                // Profiles are written from it: a verdict names a role in its own account only.
                if role.split(':').nth(4) != Some(account.as_str()) {
                    return Err(("a role ARN in another account", role));
                }
            }
        }
        Ok(())
    }

    /// Reads a snapshot file, refusing one larger than [`MAX_SNAPSHOT_BYTES`] before reading it.
    /// Writes the run to `path` (its directory made first), atomically, mode 0600.
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        crate::files::write_atomic(path, &json, 0o600)
    }

    pub fn from_file(path: &std::path::Path) -> Result<Snapshot, SnapshotError> {
        use std::io::Read as _;
        let shown = path.display().to_string();
        let io = |err: std::io::Error| SnapshotError::Io { path: shown.clone(), message: err.to_string() };
        let file = std::fs::File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        if size > MAX_SNAPSHOT_BYTES {
            return Err(SnapshotError::TooLarge { path: shown, size });
        }
        // `take` bounds a file that grows while it is read (or a pipe that reports no size).
        let mut text = String::new();
        file.take(MAX_SNAPSHOT_BYTES + 1).read_to_string(&mut text).map_err(io)?;
        if text.len() as u64 > MAX_SNAPSHOT_BYTES {
            return Err(SnapshotError::TooLarge { path: shown, size: text.len() as u64 });
        }
        Snapshot::from_json(&text, &shown)
    }
}

/// How many JSON strings (keys and values) `text` holds, counted without parsing it: a quote
/// outside a string opens one; inside, an unescaped quote closes it.
fn strings_in(text: &str) -> usize {
    let mut count = 0;
    let mut inside = false;
    let mut escaped = false;
    for byte in text.bytes() {
        if inside {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => inside = false,
                _ => {}
            }
        } else if byte == b'"' {
            inside = true;
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_counted_without_parsing() {
        assert_eq!(strings_in(r#"{"a":"b","c":["d\"e","f\\"],"g":1}"#), 6);
        assert_eq!(strings_in(""), 0);
    }

    #[test]
    fn a_file_of_too_many_values_is_refused_before_it_is_parsed() {
        let mut text = String::from("[");
        for _ in 0..MAX_SNAPSHOT_STRINGS / 2 + 1 {
            text.push_str("\"k\",\"v\",");
        }
        text.push_str("\"end\"]");
        assert!(matches!(Snapshot::from_json(&text, "many.json"), Err(SnapshotError::TooMany { .. })));
    }
}
