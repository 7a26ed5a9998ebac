//! The credential cache: what `assume` and the TUI hand out, kept in
//! `$XDG_CACHE_HOME/orgscope/credentials/` (directory 0700, one file per session, 0600, written
//! atomically) and handed out again with no AWS call while more than `refresh_before` of its life
//! remains — the way the AWS CLI keeps `~/.aws/cli/cache` and Granted its sessions.
//!
//! A session is keyed by who asked (the profile, the environment's access key, the endpoint, or
//! your Identity Center sign-in), the account, the role (or `sso:` and the portal role), the
//! external ID, the MFA device and the duration; the file's name is the SHA-1 of that key, so
//! nothing about the account shows in a listing. A file that is not a regular file of this user
//! with mode 0600 is never read.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::model::{Secret, TempCredentials};

/// Cached credentials are handed out again while more than this is left (config `refresh_before`).
pub const DEFAULT_REFRESH_BEFORE_SECONDS: i64 = 300;

/// What a session is kept by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Key {
    /// Who asked: `profile:NAME` (with `env:AKID` when the environment holds keys, and the
    /// endpoint when one is set), `sso:START_URL`, or `demo`.
    pub principal: String,
    pub account: String,
    /// The role's ARN, or `sso:ROLE` for a portal role.
    pub role: String,
    pub external_id: Option<String>,
    pub mfa_serial: Option<String>,
    /// Seconds asked for; 0 for a portal role (the permission set decides).
    pub duration: i32,
}

impl Key {
    /// The file's name: the SHA-1 of the key, in hex.
    fn file_name(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        let digest = Sha1::digest(json.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("{hex}.json")
    }
}

/// One cached session on disk, with the parts of its key that a stray file must match.
#[derive(Serialize, Deserialize)]
struct Entry {
    version: u32,
    principal: String,
    account_id: String,
    role: String,
    role_arn: String,
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: DateTime<Utc>,
    chained: bool,
    demo: bool,
    sso_role: Option<String>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.secret_access_key.zeroize();
        self.session_token.zeroize();
    }
}

impl Entry {
    fn of(key: &Key, credentials: &TempCredentials) -> Entry {
        Entry {
            version: 1,
            principal: key.principal.clone(),
            account_id: credentials.account_id.clone(),
            role: key.role.clone(),
            role_arn: credentials.role_arn.clone(),
            access_key_id: credentials.access_key_id.clone(),
            secret_access_key: credentials.secret_access_key.expose().to_string(),
            session_token: credentials.session_token.expose().to_string(),
            expiration: credentials.expiration,
            chained: credentials.chained,
            demo: credentials.demo,
            sso_role: credentials.sso_role.clone(),
        }
    }

    fn credentials(&self) -> TempCredentials {
        TempCredentials {
            account_id: self.account_id.clone(),
            role_arn: self.role_arn.clone(),
            access_key_id: self.access_key_id.clone(),
            secret_access_key: Secret::new(self.secret_access_key.as_str()),
            session_token: Secret::new(self.session_token.as_str()),
            expiration: self.expiration,
            chained: self.chained,
            demo: self.demo,
            sso_role: self.sso_role.clone(),
        }
    }
}

/// The cache directory and how much life a session must have left to be handed out again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialStore {
    dir: PathBuf,
    refresh_before: chrono::Duration,
}

impl CredentialStore {
    pub fn new(dir: PathBuf, refresh_before: chrono::Duration) -> CredentialStore {
        CredentialStore { dir, refresh_before }
    }

    /// `$XDG_CACHE_HOME/orgscope/credentials` (None without a home directory).
    pub fn default_dir() -> Option<PathBuf> {
        super::dir().map(|dir| dir.join("credentials"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The session kept for `key`, when it has more than `refresh_before` left.
    pub fn get(&self, key: &Key) -> Option<TempCredentials> {
        let entry = read_entry(&self.dir.join(key.file_name()))?;
        (entry.principal == key.principal && entry.role == key.role && entry.account_id == key.account)
            .then(|| entry.credentials())
            .filter(|c| self.fresh(c))
    }

    fn fresh(&self, credentials: &TempCredentials) -> bool {
        credentials.expiration - Utc::now() > self.refresh_before
    }

    /// Keeps `credentials` under `key`. A failure is logged, never fatal: the credentials are
    /// handed out all the same.
    pub fn put(&self, key: &Key, credentials: &TempCredentials) {
        if let Err(err) = self.write(key, credentials) {
            tracing::warn!(%err, dir = %self.dir.display(), "could not keep the credentials in the cache");
        }
    }

    fn write(&self, key: &Key, credentials: &TempCredentials) -> std::io::Result<()> {
        private_dir(&self.dir)?;
        let entry = Entry::of(key, credentials);
        let json = zeroize::Zeroizing::new(serde_json::to_vec(&entry).map_err(std::io::Error::other)?);
        crate::files::write_atomic(&self.dir.join(key.file_name()), &json, 0o600)
    }

    /// Deletes every kept session; returns how many there were.
    pub fn clear(&self) -> std::io::Result<usize> {
        let mut removed = 0;
        let listing = match std::fs::read_dir(&self.dir) {
            Ok(listing) => listing,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(err) => return Err(err),
        };
        for entry in listing {
            let path = entry?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.ends_with(".json") || name.ends_with(".tmp") {
                std::fs::remove_file(&path)?;
                removed += usize::from(name.ends_with(".json"));
            }
        }
        Ok(removed)
    }
}

/// The directory, made 0700 (and set so when it exists with a wider mode).
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode != 0o700 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// An entry, read only from a regular file of this user that nobody else can read.
fn read_entry(path: &Path) -> Option<Entry> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(path).ok()?;
    let meta = file.metadata().ok()?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    if !meta.is_file() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        tracing::warn!(path = %path.display(), "a cached session that is not a private file of yours is ignored");
        return None;
    }
    let mut text = zeroize::Zeroizing::new(Vec::new());
    std::io::Read::read_to_end(&mut std::io::Read::take(file, 64 * 1024), &mut text).ok()?;
    serde_json::from_slice::<Entry>(&text).ok().filter(|e| e.version == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn credentials(minutes: i64) -> TempCredentials {
        TempCredentials {
            account_id: "222222222222".into(),
            role_arn: "arn:aws:iam::222222222222:role/R".into(),
            access_key_id: "ASIAKEPT".into(),
            secret_access_key: Secret::new("kept-secret"),
            session_token: Secret::new("kept-token"),
            expiration: Utc::now() + chrono::Duration::minutes(minutes),
            chained: false,
            demo: false,
            sso_role: None,
        }
    }

    fn key(role: &str) -> Key {
        Key {
            principal: "profile:default".into(),
            account: "222222222222".into(),
            role: role.into(),
            external_id: None,
            mfa_serial: None,
            duration: 3600,
        }
    }

    #[test]
    fn a_session_is_kept_privately_and_handed_out_while_it_has_life() {
        let dir = tempfile::tempdir().expect("dir");
        let store = CredentialStore::new(dir.path().join("credentials"), chrono::Duration::minutes(5));
        let arn = "arn:aws:iam::222222222222:role/R";
        store.put(&key(arn), &credentials(60));
        let got = store.get(&key(arn)).expect("kept");
        assert_eq!(got.secret_access_key.expose(), "kept-secret");
        let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
        assert_eq!(mode(store.dir()), 0o700);
        let files: Vec<_> = std::fs::read_dir(store.dir()).expect("listing").flatten().map(|e| e.path()).collect();
        assert_eq!(files.len(), 1, "one file, no temporary left: {files:?}");
        assert_eq!(mode(&files[0]), 0o600);
        assert!(!files[0].to_string_lossy().contains("222222222222"), "the name says nothing");
        // Another duration, external ID or principal is another session.
        assert!(store.get(&Key { duration: 900, ..key(arn) }).is_none());
        assert!(store.get(&Key { external_id: Some("x".into()), ..key(arn) }).is_none());
        assert!(store.get(&Key { principal: "profile:other".into(), ..key(arn) }).is_none());
        // Within refresh_before of its end it is not handed out.
        store.put(&key(arn), &credentials(4));
        assert!(store.get(&key(arn)).is_none());
        assert_eq!(store.clear().expect("clear"), 1);
        assert!(store.get(&key(arn)).is_none());
    }

    #[test]
    fn a_file_others_can_read_is_never_used() {
        let dir = tempfile::tempdir().expect("dir");
        let store = CredentialStore::new(dir.path().to_path_buf(), chrono::Duration::minutes(5));
        let arn = "arn:aws:iam::222222222222:role/R";
        store.put(&key(arn), &credentials(60));
        let path = dir.path().join(key(arn).file_name());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(store.get(&key(arn)).is_none());
    }
}
