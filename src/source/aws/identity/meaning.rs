//! What the access means, read with the map: each permission set's policies (sso-admin's four
//! listings, and `DescribePermissionSet` for its session duration), the AWS-managed documents
//! they name (IAM `GetPolicy` + `GetPolicyVersion` with your own credentials, once per version,
//! kept with the map), customer-managed ones through a way into an account where the set is
//! provisioned, the level they give ([`crate::policy::level`]), and when each provisioned pair's
//! role was last used (IAM's `RoleLastUsed` on `AWSReservedSSO_<name>_<hex>`: `ListRoles` and
//! `GetRole` in each account, paced per account). What cannot be read is said on the row
//! (`unknown`, `unreadable`), never fatal.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::calls::{Failed, Ic};
use super::read::at_most;
use crate::model::Text;
use crate::model::identity::{IdentityCenter, PolicyDocument, SetPolicies, Usage};
use crate::source::{AccessQuery, Way};

/// A pair's usage is read again after this long (IAM itself updates `RoleLastUsed` within hours).
const USAGE_MAX_AGE: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// Where IAM Identity Center creates its roles in every account.
const SSO_ROLE_PATH: &str = "/aws-reserved/sso.amazonaws.com/";
/// Accounts tried, in turn, to read a customer-managed policy in.
const CUSTOMER_POLICY_ACCOUNTS: usize = 3;

/// Reads what `map` lacks of its meaning: the policies of sets not read yet, their levels, and
/// the usage of pairs not read in [`USAGE_MAX_AGE`].
pub(super) async fn read(
    ic: &Ic<'_>,
    instances: &[String],
    query: &AccessQuery,
    map: &mut IdentityCenter,
    now: chrono::DateTime<chrono::Utc>,
) {
    // The roles' use does not wait for the policies: both are read at once.
    let due = usage_due(map, now);
    let (_, used) = futures::join!(levels(ic, instances, query, map), read_usage(ic, query, due));
    keep_usage(map, used, now);
}

/// Reads the policies of sets not read yet and decides their levels; a level that could not be
/// decided last time (a document unreadable then) is tried again.
async fn levels(ic: &Ic<'_>, instances: &[String], query: &AccessQuery, map: &mut IdentityCenter) {
    for set in map.permission_sets.iter_mut().filter(|p| p.level == Some(crate::model::Level::Unknown)) {
        set.level = None;
    }
    let unread: Vec<String> =
        map.permission_sets.iter().filter(|p| p.policies.is_none()).map(|p| p.arn.raw().to_string()).collect();
    let listed = at_most(
        ic.concurrency(),
        unread
            .into_iter()
            .map(|arn| async move { (set_policies(ic, &instance_of(instances, &arn), &arn).await, arn) })
            .collect(),
    )
    .await;
    let mut failed: HashMap<String, String> = HashMap::new();
    for (policies, arn) in listed {
        if let Some(set) = map.permission_sets.iter_mut().find(|p| p.arn == arn.as_str()) {
            set.level = None;
            match policies {
                Ok(policies) => set.policies = Some(policies),
                Err(err) => {
                    failed.insert(arn, err.sentence);
                }
            }
        }
    }
    managed_documents(ic, map).await;
    customer_documents(ic, query, map).await;
    for set in map.permission_sets.iter_mut().filter(|p| p.level.is_none()) {
        let classified = match (&set.policies, failed.get(set.arn.raw())) {
            (_, Some(why)) => crate::policy::level::unreadable(why.clone()),
            (Some(policies), None) => crate::policy::level::of_set(
                policies,
                &map.documents,
                crate::export::console::partition_of(set.arn.raw()),
            ),
            (None, None) => crate::policy::level::unreadable("its policies were not read"),
        };
        set.level = Some(classified.level);
        set.level_why = Some(Text::from(classified.why));
    }
}

/// The instance of `instances` a permission set belongs to: the one whose id its ARN carries
/// (`…:permissionSet/ssoins-1/ps-2` is of `…:instance/ssoins-1`), else the first.
fn instance_of(instances: &[String], set: &str) -> String {
    let id = set.split_once(":permissionSet/").and_then(|(_, tail)| tail.split('/').next()).unwrap_or_default();
    let found = instances.iter().find(|i| !id.is_empty() && i.rsplit('/').next() == Some(id));
    found.or(instances.first()).cloned().unwrap_or_default()
}

/// A customer-managed policy's path and name (`/team/ReadReports`).
fn path_and_name(path: Option<&str>, name: &str) -> String {
    let path = path.filter(|p| !p.is_empty()).unwrap_or("/");
    let path = if path.ends_with('/') { path.to_string() } else { format!("{path}/") };
    format!("{path}{name}")
}

async fn set_policies(ic: &Ic<'_>, instance: &str, arn: &str) -> Result<SetPolicies, Failed> {
    let instance = instance.to_string();
    let managed = ic.managed_policies(&instance, arn);
    let customer = ic.customer_policies(&instance, arn);
    let inline = ic.inline_policy(&instance, arn);
    let boundary = ic.boundary(&instance, arn);
    let duration = ic.session_duration(&instance, arn);
    let (managed, customer, inline, boundary, duration) = futures::join!(managed, customer, inline, boundary, duration);
    let (boundary, boundary_unread) = match boundary {
        Ok(boundary) => (boundary, None),
        Err(failed) => (None, Some(Text::from(failed.sentence))),
    };
    Ok(SetPolicies {
        managed: managed?.into_iter().map(Text::from).collect(),
        customer_managed: customer?
            .into_iter()
            .map(|(path, name)| Text::from(path_and_name(path.as_deref(), &name)))
            .collect(),
        inline: inline?.map(Text::from),
        boundary: boundary.map(|b| {
            Text::from(match b {
                Boundary::Managed(arn) => arn,
                Boundary::Customer(path, name) => path_and_name(path.as_deref(), &name),
            })
        }),
        // Said when AWS says it; its absence costs nothing else.
        session_duration: duration.ok().flatten().map(Text::from),
        boundary_unread,
    })
}

/// A permission set's boundary as sso-admin returns it.
pub(super) enum Boundary {
    Managed(String),
    Customer(Option<String>, String),
}

/// Reads every AWS-managed document a set names that the map does not hold at its default version.
async fn managed_documents(ic: &Ic<'_>, map: &mut IdentityCenter) {
    let wanted: BTreeSet<String> = map
        .permission_sets
        .iter()
        .filter(|p| p.level.is_none())
        .filter_map(|p| p.policies.as_ref())
        .flat_map(|p| p.managed.iter().chain(p.boundary.iter().filter(|b| b.raw().starts_with("arn:"))))
        .map(|a| a.raw().to_string())
        .collect();
    let iam = aws_sdk_iam::Client::new(&ic.source.config);
    let held: HashMap<String, String> =
        map.documents.iter().map(|d| (d.arn.raw().to_string(), d.version.raw().to_string())).collect();
    let read = at_most(
        ic.concurrency(),
        wanted
            .into_iter()
            .map(|arn| {
                let (iam, held) = (&iam, &held);
                async move {
                    let document = super::super::iam::policy_document(ic.source, iam, None, &arn, held.get(&arn)).await;
                    (arn, document)
                }
            })
            .collect(),
    )
    .await;
    keep_documents(map, read);
}

/// The documents read (`Ok(None)`: the map's own is current) put into the map.
/// A document read by ARN: its version and text, `None` when the map's own is current.
type Read = (String, Result<Option<(String, String)>, String>);

fn keep_documents(map: &mut IdentityCenter, read: Vec<Read>) {
    for (arn, document) in read {
        match document {
            Ok(Some((version, text))) => {
                map.documents.retain(|d| d.arn != arn.as_str());
                map.documents.push(PolicyDocument { arn: arn.into(), version: version.into(), document: text.into() });
            }
            Ok(None) => {}
            Err(why) => {
                map.documents.retain(|d| d.arn != arn.as_str());
                tracing::info!(arn = %crate::text::visible(&arn), why = %crate::text::visible(&why), "a policy could not be read");
            }
        }
    }
}

/// Reads the customer-managed documents of every set still to be decided, in an account where
/// the set is provisioned (the first of a few that lets orgscope in).
async fn customer_documents(ic: &Ic<'_>, query: &AccessQuery, map: &mut IdentityCenter) {
    let Some(footholds) = &query.footholds else { return };
    let mut accounts: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in &map.provisioned {
        accounts.entry(p.permission_set_arn.raw()).or_default().push(p.account_id.raw());
    }
    let mut jobs = Vec::new();
    for set in map.permission_sets.iter().filter(|p| p.level.is_none()) {
        let Some(policies) = &set.policies else { continue };
        let names: Vec<String> = policies
            .customer_managed
            .iter()
            .chain(policies.boundary.iter().filter(|b| !b.raw().starts_with("arn:")))
            .map(|n| n.raw().to_string())
            .collect();
        if names.is_empty() {
            continue;
        }
        let tried: Vec<String> = accounts
            .get(set.arn.raw())
            .map(|a| a.iter().take(CUSTOMER_POLICY_ACCOUNTS).map(|a| a.to_string()).collect())
            .unwrap_or_default();
        jobs.push((crate::export::console::partition_of(set.arn.raw()).to_string(), names, tried));
    }
    let read = at_most(
        ic.concurrency(),
        jobs.into_iter()
            .map(|(partition, names, tried)| async move {
                for account in &tried {
                    let Some(way) = footholds.way_in(account).await else { continue };
                    let iam = super::super::iam::client_for(ic.source, &way);
                    let mut found = Vec::new();
                    for name in &names {
                        let arn = format!("arn:{partition}:iam::{account}:policy{name}");
                        let document =
                            super::super::iam::policy_document(ic.source, &iam, Some(account), &arn, None).await;
                        found.push((arn, document));
                    }
                    return found;
                }
                Vec::new()
            })
            .collect(),
    )
    .await;
    keep_documents(map, read.into_iter().flatten().collect());
}

/// The pairs whose use to read, by account: those not read within [`USAGE_MAX_AGE`] (with the
/// set's name); pairs no longer provisioned are dropped from the map.
fn usage_due(map: &mut IdentityCenter, now: chrono::DateTime<chrono::Utc>) -> BTreeMap<String, Vec<(String, String)>> {
    let provisioned: BTreeSet<(String, String)> = map
        .provisioned
        .iter()
        .map(|p| (p.account_id.raw().to_string(), p.permission_set_arn.raw().to_string()))
        .collect();
    map.usage
        .retain(|u| provisioned.contains(&(u.account_id.raw().to_string(), u.permission_set_arn.raw().to_string())));
    let fresh: BTreeSet<(String, String)> = map
        .usage
        .iter()
        .filter(|u| u.readable && now - u.read_at < USAGE_MAX_AGE)
        .map(|u| (u.account_id.raw().to_string(), u.permission_set_arn.raw().to_string()))
        .collect();
    let names: HashMap<&str, &str> =
        map.permission_sets.iter().filter_map(|p| Some((p.arn.raw(), p.name.as_ref()?.raw()))).collect();
    let mut due: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (account, set) in provisioned.iter().filter(|pair| !fresh.contains(*pair)) {
        let name = names.get(set.as_str()).copied().unwrap_or_default().to_string();
        due.entry(account.clone()).or_default().push((set.clone(), name));
    }
    due
}

/// What each account of `due` says of its roles' use (`Err`: why it could not be read).
type Used = Vec<(String, Vec<(String, String)>, Result<HashMap<String, LastUsed>, String>)>;

/// Reads when each pair of `due` was last used, every account through its way in.
async fn read_usage(ic: &Ic<'_>, query: &AccessQuery, due: BTreeMap<String, Vec<(String, String)>>) -> Used {
    let footholds = query.footholds.clone();
    at_most(
        ic.concurrency(),
        due.into_iter()
            .map(|(account, sets)| {
                let footholds = footholds.clone();
                async move {
                    let way = match &footholds {
                        Some(footholds) => footholds.way_in(&account).await,
                        None => None,
                    };
                    let used = match way {
                        Some(way) => account_usage(ic, &account, &way, &sets).await,
                        None => Err("no way into the account".to_string()),
                    };
                    (account, sets, used)
                }
            })
            .collect(),
    )
    .await
}

/// The use read put into the map.
fn keep_usage(map: &mut IdentityCenter, read: Used, now: chrono::DateTime<chrono::Utc>) {
    for (account, sets, used) in read {
        map.usage.retain(|u| {
            u.account_id != account.as_str() || !sets.iter().any(|(s, _)| u.permission_set_arn == s.as_str())
        });
        if let Err(why) = &used {
            tracing::info!(account = %account, why = %crate::text::visible(why), "role usage not readable");
        }
        for (set, _) in &sets {
            let (last_used, readable) = match &used {
                Ok(found) => (found.get(set.as_str()).copied().flatten(), true),
                Err(_) => (None, false),
            };
            map.usage.push(Usage {
                account_id: account.as_str().into(),
                permission_set_arn: set.as_str().into(),
                last_used,
                readable,
                read_at: now,
            });
        }
    }
}

type LastUsed = Option<chrono::DateTime<chrono::Utc>>;

/// When each of `sets` (ARN, name) was last used in `account`: its `AWSReservedSSO_<name>_<hex>`
/// role's `RoleLastUsed` (None: never, or no such role).
async fn account_usage(
    ic: &Ic<'_>,
    account: &str,
    way: &Way,
    sets: &[(String, String)],
) -> Result<HashMap<String, LastUsed>, String> {
    let iam = super::super::iam::client_for(ic.source, way);
    let roles = super::super::iam::roles_under(ic.source, &iam, account, SSO_ROLE_PATH).await?;
    let reads = sets.iter().map(|(set, name)| {
        let role = roles.iter().find(|role| {
            role.strip_prefix("AWSReservedSSO_").and_then(|rest| rest.rsplit_once('_')).is_some_and(|(n, _)| n == name)
        });
        let iam = &iam;
        async move {
            let last_used = match role {
                Some(role) => super::super::iam::role_last_used(ic.source, iam, account, role).await?,
                None => None,
            };
            Ok::<_, String>((set.clone(), last_used))
        }
    });
    // The account's own pacer bounds them.
    futures::future::try_join_all(reads).await.map(|found| found.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_and_names_are_taken_apart_as_aws_builds_them() {
        let instances = ["arn:aws:sso:::instance/ssoins-0".to_string(), "arn:aws:sso:::instance/ssoins-1".to_string()];
        assert_eq!(instance_of(&instances, "arn:aws:sso:::permissionSet/ssoins-1/ps-2"), instances[1]);
        assert_eq!(instance_of(&instances, "arn:aws:sso:::permissionSet/other/ps-2"), instances[0]);
        assert_eq!(path_and_name(None, "Reports"), "/Reports");
        assert_eq!(path_and_name(Some("/team"), "Reports"), "/team/Reports");
        assert_eq!(path_and_name(Some("/team/"), "Reports"), "/team/Reports");
    }
}
