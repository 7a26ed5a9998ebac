//! Identity Center's access map in the app: read once the organization is discovered (or from the
//! cached run), and indexed by account so the detail pane lists an account's permission sets and
//! who holds each without scanning the map every frame.

use std::collections::BTreeMap;

use crate::model::Text;
use crate::model::identity::{AccessRow, IdentityCenter};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct IdentityAccess {
    pub map: Option<IdentityCenter>,
    /// Every assignment as AWS holds it, by account id, sorted by permission set then principal.
    pub by_account: BTreeMap<String, Vec<AccessRow>>,
    /// Why the map could not be read.
    pub error: Option<String>,
    pub loading: bool,
}

/// One permission set held in an account: its name, whether stale there, and its holders
/// ("group Admins", "user jane"), visible form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub permission_set: Text,
    pub stale: bool,
    pub holders: Vec<String>,
}

impl IdentityAccess {
    pub fn set(&mut self, map: IdentityCenter) {
        self.by_account.clear();
        for row in map.rows(None, &|_| None) {
            self.by_account.entry(row.account_id.raw().to_string()).or_default().push(row);
        }
        self.map = Some(map);
        self.error = None;
        self.loading = false;
    }

    /// The permission sets held in `account_id`, in name order.
    pub fn held(&self, account_id: &str) -> Vec<Held> {
        let mut held: Vec<Held> = Vec::new();
        for row in self.by_account.get(account_id).into_iter().flatten() {
            let holder = format!("{} {}", row.principal_type.raw().to_lowercase(), row.principal_name);
            match held.last_mut() {
                Some(last) if last.permission_set == row.permission_set_name => last.holders.push(holder),
                _ => held.push(Held {
                    permission_set: row.permission_set_name.clone(),
                    stale: row.provisioning == "stale",
                    holders: vec![holder],
                }),
            }
        }
        held
    }
}
