//! Temporary credentials from `sts:AssumeRole`. The secret key and the session token live in
//! [`Secret`]s: `Debug` and `Display` never show them, and they are zeroed when dropped. The only way
//! to read one is [`Secret::expose`], called where the user asked for the value.

use std::fmt;

use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

/// A value that must not reach logs, panics or the screen by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(value.into()))
    }

    /// The value itself: call only where the user asked for it (exports, files they named).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct TempCredentials {
    pub account_id: String,
    pub role_arn: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expiration: DateTime<Utc>,
    /// The role session's duration was capped by role chaining (one hour at most).
    pub chained: bool,
    /// Made up by the demo: not valid anywhere.
    pub demo: bool,
    /// From the access portal (your Identity Center sign-in) for this permission set's role;
    /// None: from `sts:AssumeRole`.
    pub sso_role: Option<String>,
}

impl TempCredentials {
    /// Seconds of life left at `now` (negative once expired).
    pub fn seconds_left(&self, now: DateTime<Utc>) -> i64 {
        (self.expiration - now).num_seconds()
    }

    /// `role` (sts:AssumeRole) or `sso` (the access portal), the contract's `via`.
    pub fn via(&self) -> &'static str {
        if self.sso_role.is_some() { "sso" } else { "role" }
    }

    /// "222222222222 via arn:…: 59 min left", for stderr and the TUI.
    pub fn life_left(&self) -> String {
        let seconds = self.seconds_left(Utc::now()).max(0);
        let demo = if self.demo { " (demo credentials, not valid anywhere)" } else { "" };
        format!("{} via {}: {} min left{demo}", self.account_id, crate::text::visible(&self.role_arn), seconds / 60)
    }
}

impl fmt::Debug for TempCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TempCredentials")
            .field("account_id", &self.account_id)
            .field("role_arn", &self.role_arn)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .field("expiration", &self.expiration)
            .field("demo", &self.demo)
            .field("sso_role", &self.sso_role)
            .finish()
    }
}

impl fmt::Display for TempCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} via {} until {}", self.access_key_id, self.role_arn, self.expiration.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_secrets() {
        let credentials = TempCredentials {
            account_id: "222222222222".into(),
            role_arn: "arn:aws:iam::222222222222:role/R".into(),
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("very-secret-key"),
            session_token: Secret::new("very-secret-token"),
            expiration: Utc::now(),
            chained: false,
            demo: false,
            sso_role: None,
        };
        for shown in [format!("{credentials:?}"), format!("{credentials}"), format!("{credentials:#?}")] {
            assert!(!shown.contains("very-secret"), "{shown}");
            assert!(shown.contains("ASIAEXAMPLE"), "{shown}");
        }
        assert_eq!(credentials.secret_access_key.expose(), "very-secret-key");
    }
}
