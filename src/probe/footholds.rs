//! Ways into member accounts to read IAM there (customer-managed policies, when each permission
//! set's role was last used): the probe's own role, assumed as the probe assumes it (a short
//! session, never handed out or kept in the credential cache), else a role of your Identity Center
//! sign-in; your own account with your own credentials. Each account's way is looked for once.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;

use super::{Attempt, CallerContext, PROBE_SESSION_SECONDS, ProbeTarget, Prober};
use crate::source::{Footholds, Way};

pub struct AccountFootholds {
    prober: Arc<Prober>,
    targets: HashMap<String, ProbeTarget>,
    caller: CallerContext,
    /// Each account's way, looked for once even when asked for at once.
    found: std::sync::Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Option<Way>>>>>,
}

impl AccountFootholds {
    pub fn new(prober: Arc<Prober>, targets: &[ProbeTarget], caller: CallerContext) -> AccountFootholds {
        AccountFootholds {
            prober,
            targets: targets.iter().map(|t| (t.account.id.clone(), t.clone())).collect(),
            caller,
            found: std::sync::Mutex::default(),
        }
    }

    async fn look(&self, account_id: &str) -> Option<Way> {
        if account_id == self.caller.account {
            return Some(Way::Own);
        }
        if let Some(target) = self.targets.get(account_id) {
            let nearby = HashSet::new();
            let attempt = Attempt { duration_seconds: PROBE_SESSION_SECONDS, mfa: None, nearby: &nearby };
            if let Ok(credentials) = self.prober.attempt(target, &self.caller, &attempt).await {
                return Some(Way::Role(credentials));
            }
        }
        self.prober.foothold(account_id).await.map(|(credentials, _)| Way::Role(credentials))
    }
}

#[async_trait]
impl Footholds for AccountFootholds {
    async fn way_in(&self, account_id: &str) -> Option<Way> {
        let cell = {
            let mut found = self.found.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(found.entry(account_id.to_string()).or_default())
        };
        cell.get_or_init(|| self.look(account_id)).await.clone()
    }
}
