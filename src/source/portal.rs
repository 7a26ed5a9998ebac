//! Your own Identity Center sign-in: which sign-in (an `sso-session`, or a legacy profile's
//! `sso_start_url`), and the [`Portal`] that lists what it reaches and hands out role credentials.
//! The AWS implementation is [`super::aws::portal::AwsPortal`]; the demo's is
//! [`super::snapshot::DemoPortal`].

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use super::aws::shared_config::SharedConfig;
use crate::model::TempCredentials;
use crate::model::portal::PortalAccount;
use crate::text::Text;

/// The scope the AWS CLI registers an sso-session's client for when the session names none.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// One Identity Center sign-in, as the shared config describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// The `[sso-session NAME]`; None for a legacy profile that carries `sso_start_url` itself.
    pub session: Option<String>,
    /// The profile it was found through (for the login hint of a legacy profile).
    pub profile: String,
    pub start_url: String,
    pub region: String,
    /// `sso_registration_scopes` (sso-session only).
    pub scopes: Vec<String>,
}

impl SignIn {
    /// Finds the sign-in: `--sso-session NAME`, else the profile's `sso_session`, else its legacy
    /// `sso_start_url` and `sso_region`. `config_path` only words the errors.
    pub fn resolve(
        config: &SharedConfig,
        config_path: Option<&std::path::Path>,
        session: Option<&str>,
        profile: &str,
    ) -> Result<SignIn, PortalError> {
        let file = config_path.map(|p| p.display().to_string()).unwrap_or_else(|| "~/.aws/config".to_string());
        let profile_keys = config.profile(profile);
        let session = session.map(str::to_string).or_else(|| profile_keys.and_then(|p| p.get("sso_session")).cloned());
        if let Some(name) = session {
            let Some(keys) = config.sso_session(&name) else {
                return Err(PortalError::NotConfigured(format!(
                    "there is no [sso-session {name}] in {file}: {}",
                    how_to_add(Some(&name))
                )));
            };
            let get = |key: &str| {
                keys.get(key).filter(|v| !v.is_empty()).cloned().ok_or_else(|| {
                    PortalError::NotConfigured(format!(
                        "[sso-session {name}] in {file} has no {key}: {}",
                        how_to_add(Some(&name))
                    ))
                })
            };
            let scopes = keys
                .get("sso_registration_scopes")
                .map(|s| s.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            return Ok(SignIn {
                session: Some(name.clone()),
                profile: profile.to_string(),
                start_url: get("sso_start_url")?,
                region: get("sso_region")?,
                scopes,
            });
        }
        let legacy = profile_keys.and_then(|p| Some((p.get("sso_start_url")?.clone(), p.get("sso_region")?.clone())));
        match legacy {
            Some((start_url, region)) => {
                Ok(SignIn { session: None, profile: profile.to_string(), start_url, region, scopes: Vec::new() })
            }
            None => Err(PortalError::NotConfigured(format!(
                "no Identity Center sign-in is configured for profile {profile} in {file}: {}",
                how_to_add(None)
            ))),
        }
    }

    /// What the token cache file is named after: the session's name, or a legacy start URL.
    pub fn cache_key(&self) -> &str {
        self.session.as_deref().unwrap_or(&self.start_url)
    }

    /// The AWS CLI's token cache file: `~/.aws/sso/cache/<sha1 of the key>.json`.
    pub fn cache_path(&self) -> Option<PathBuf> {
        use sha1::Digest;
        let home = dirs::home_dir()?;
        let digest = sha1::Sha1::digest(self.cache_key().as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Some(home.join(".aws").join("sso").join("cache").join(format!("{hex}.json")))
    }

    /// How to sign in again, in orgscope's words and the AWS CLI's.
    pub fn login_hint(&self) -> String {
        let flag = match &self.session {
            Some(name) => format!("--sso-session {name}"),
            None => format!("--profile {}", self.profile),
        };
        format!("run `orgscope login {flag}` (or `aws sso login {flag}`)")
    }
}

fn how_to_add(name: Option<&str>) -> String {
    let name = name.unwrap_or("my-sso");
    format!(
        "add one (or run `aws configure sso-session`):\n  [sso-session {name}]\n  sso_start_url = https://my-portal.awsapps.com/start\n  sso_region = us-east-1\n  sso_registration_scopes = {DEFAULT_SCOPE}\nthen pass --sso-session {name}, or put `sso_session = {name}` in the profile"
    )
}

/// Why the portal could not answer. Each message says what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    /// No sign-in is configured (the sentence says how to add one).
    #[error("{0}")]
    NotConfigured(String),
    /// No cached token, or an expired one that cannot be refreshed.
    #[error("{what}: {hint}")]
    NotSignedIn { what: String, hint: String },
    /// The account is not among the portal's, or does not offer the role; exit 2.
    #[error("{0}")]
    Choice(String),
    #[error("{action} failed: {code}: {message}")]
    Service { action: &'static str, code: Text, message: Text },
    #[error("{action} could not reach AWS: {message}")]
    Network { action: &'static str, message: Text },
    /// The sign-in itself failed (denied, the code expired, the browser could not open).
    #[error("{0}")]
    Login(String),
    /// What the source cannot do (a snapshot holds no sign-in).
    #[error("{0}")]
    Unavailable(String),
}

pub type PortalFn = Arc<dyn Fn(&PortalAccount) + Send + Sync>;

/// The AWS access portal as your sign-in sees it.
#[async_trait]
pub trait Portal: Send + Sync {
    /// The sign-in, for messages: `sso-session corp` or `profile work`.
    fn label(&self) -> String;

    /// The sign-in itself (for `profiles --sso`).
    fn sign_in(&self) -> SignIn;

    /// Every account the portal lists, roles not read: `(id, name)`.
    async fn account_list(&self) -> Result<Vec<(String, Text)>, PortalError>;

    /// The roles you hold in one account, sorted by name.
    async fn roles(&self, account_id: &str) -> Result<Vec<Text>, PortalError>;

    /// Every account the portal lists with the roles you hold there; `found` hears each account
    /// as soon as its roles are read. An account whose roles cannot be listed carries its error.
    async fn accounts(&self, found: PortalFn) -> Result<Vec<PortalAccount>, PortalError>;

    /// Credentials for `role` in `account_id` (the portal's GetRoleCredentials).
    async fn credentials(&self, account_id: &str, role: &str) -> Result<TempCredentials, PortalError>;

    /// Credentials to read inside `account_id` with (the probe's foothold): as
    /// [`Portal::credentials`], without the extra call that names the session; never handed out
    /// or kept.
    async fn foothold_credentials(&self, account_id: &str, role: &str) -> Result<TempCredentials, PortalError> {
        self.credentials(account_id, role).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "[default]\nsso_session = corp\n\n[profile legacy]\nsso_start_url = https://old.awsapps.com/start\nsso_region = eu-west-1\n\n[profile plain]\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-central-1\nsso_registration_scopes = sso:account:access, other\n\n[sso-session broken]\nsso_region = us-east-1\n";

    #[test]
    fn the_sign_in_comes_from_the_flag_the_profile_or_a_legacy_start_url() {
        let config = SharedConfig::parse(CONFIG);
        let found = SignIn::resolve(&config, None, None, "default").expect("the profile's sso-session");
        assert_eq!(found.session.as_deref(), Some("corp"));
        assert_eq!(found.region, "eu-central-1");
        assert_eq!(found.scopes, vec!["sso:account:access", "other"]);
        assert_eq!(found.cache_key(), "corp");
        let legacy = SignIn::resolve(&config, None, None, "legacy").expect("legacy");
        assert_eq!(legacy.session, None);
        assert_eq!(legacy.cache_key(), "https://old.awsapps.com/start");
        assert!(legacy.login_hint().contains("orgscope login --profile legacy"));
        let flag = SignIn::resolve(&config, None, Some("corp"), "plain").expect("the flag wins");
        assert!(flag.login_hint().contains("aws sso login --sso-session corp"));
    }

    #[test]
    fn a_missing_sign_in_says_how_to_add_one() {
        let config = SharedConfig::parse(CONFIG);
        for (session, profile) in [(None, "plain"), (Some("nope"), "plain"), (Some("broken"), "plain")] {
            let err = SignIn::resolve(&config, None, session, profile).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("[sso-session") && err.contains("sso_start_url ="), "{err}");
        }
    }

    #[test]
    fn the_cache_file_is_named_like_the_aws_cli_names_it() {
        // The AWS SDK's own test vectors (aws-config's sso cache tests).
        let mut sign_in = SignIn::resolve(&SharedConfig::parse(CONFIG), None, Some("corp"), "default").expect("corp");
        sign_in.session = Some("admin".into());
        let name = sign_in.cache_path().and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        assert_eq!(name.as_deref(), Some("d033e22ae348aeb5660fc2140aec35850c4da997.json"));
        sign_in.session = None;
        sign_in.start_url = "https://d-92671207e4.awsapps.com/start".into();
        let name = sign_in.cache_path().and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        assert_eq!(name.as_deref(), Some("13f9d35043871d073ab260e020f0ffde092cb14b.json"));
    }
}
