//! Switching role's sessions: how long they last ([`Switch`]) and where they are kept between runs
//! ([`Keeping`]: the credential cache, [`crate::cache`]), for the role and for the portal.

use super::{ProbeSettings, ProbeTarget};
use crate::model::TempCredentials;

/// Where switched-role sessions are kept, and for whom (see [`crate::cache::Key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keeping {
    pub store: crate::cache::CredentialStore,
    /// Who asks through the role: `profile:NAME`… (the key's principal).
    pub principal: String,
    /// Who asks through the portal: `sso:START_URL`….
    pub portal_principal: String,
}

impl Keeping {
    /// The key for the role named `role` in `target` under `switch`.
    pub(super) fn role_key(
        &self,
        settings: &ProbeSettings,
        target: &ProbeTarget,
        role: &str,
        switch: &Switch,
    ) -> crate::cache::Key {
        crate::cache::Key {
            principal: self.principal.clone(),
            account: target.account.id.clone(),
            role: format!("role:{role}"),
            external_id: settings.external_id_for(target),
            mfa_serial: switch.mfa.as_ref().map(|(serial, _)| serial.clone()),
            duration: switch.duration_seconds,
        }
    }

    /// The key for a portal role.
    fn portal_key(&self, account_id: &str, role: &str) -> crate::cache::Key {
        crate::cache::Key {
            principal: self.portal_principal.clone(),
            account: account_id.to_string(),
            // "sso:" alone: the account's only role.
            role: format!("sso:{role}"),
            external_id: None,
            mfa_serial: None,
            duration: 0,
        }
    }

    /// A kept session in `target` (the first candidate role that has one) with more than the
    /// cache's `refresh_before` left; no AWS call, no MFA code needed.
    pub fn role(&self, settings: &ProbeSettings, target: &ProbeTarget, switch: &Switch) -> Option<TempCredentials> {
        settings
            .roles_for(target)
            .iter()
            .find_map(|role| self.store.get(&self.role_key(settings, target, role, switch)))
    }

    /// A kept portal session for `role` in `account_id` (None: for the account's only role, kept
    /// when the account offered just one); no AWS call.
    pub fn portal(&self, account_id: &str, role: Option<&str>) -> Option<TempCredentials> {
        self.store.get(&self.portal_key(account_id, role.unwrap_or_default()))
    }
}

/// The portal's credentials for `role` in `account_id`: kept ones while fresh, else the portal's
/// `GetRoleCredentials`, then kept (also as the account's only role when `only` says it is one).
pub async fn portal_credentials(
    keeping: Option<&Keeping>,
    portal: &dyn crate::source::portal::Portal,
    account_id: &str,
    role: &str,
    only: bool,
) -> Result<TempCredentials, crate::source::portal::PortalError> {
    if let Some(kept) = keeping.and_then(|k| k.portal(account_id, Some(role))) {
        return Ok(kept);
    }
    let credentials = portal.credentials(account_id, role).await?;
    if let Some(keeping) = keeping {
        keeping.store.put(&keeping.portal_key(account_id, role), &credentials);
        if only {
            keeping.store.put(&keeping.portal_key(account_id, ""), &credentials);
        }
    }
    Ok(credentials)
}

/// How to switch role: the session's length and, for roles that want it, the MFA device and code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch {
    pub duration_seconds: i32,
    pub mfa: Option<(String, String)>,
}

impl Switch {
    pub fn lasting(duration_seconds: i32) -> Switch {
        Switch { duration_seconds, mfa: None }
    }
}
