//! Names for the ids a request carries: permission sets from `DescribePermissionSet`, users and
//! groups from the Identity Store (`DescribeUser` / `DescribeGroup`). Best effort: a name that
//! cannot be read leaves the id, and the first refusal stops the Identity Store lookups.

use std::collections::{HashMap, HashSet};

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::super::AwsSource;
use super::super::pace::Api;
use super::super::retry::Caller;
use crate::model::{AssignmentAttempt, Text};

/// Display names of the principals from the Identity Store, when the caller may read it: the
/// instances' identity store (from `ListInstances`), then `DescribeUser` / `DescribeGroup` once per
/// principal. The first refusal stops the lookups; the ids stay.
pub(super) async fn name_principals(
    source: &AwsSource,
    stores: &[(String, String)],
    region: &str,
    attempts: &mut [AssignmentAttempt],
) {
    let wanted: HashSet<(Text, Text)> =
        attempts.iter().filter_map(|a| Some((a.principal_type.clone()?, a.principal_id.clone()?))).collect();
    if wanted.is_empty() {
        return;
    }
    // Every instance of an organization shares its one identity store.
    let Some(store) = stores.iter().map(|(_, store)| store.clone()).find(|s| !s.is_empty()) else { return };
    let config = aws_sdk_identitystore::config::Builder::from(&source.config)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    let identity = aws_sdk_identitystore::Client::from_conf(config);
    let mut names: HashMap<(Text, Text), Text> = HashMap::new();
    for (kind, id) in wanted {
        let name = if kind == "GROUP" {
            let result = source
                .calls
                .call(Api::IdentityStore, || {
                    identity.describe_group().identity_store_id(&store).group_id(id.raw()).send()
                })
                .await;
            match result {
                Ok(group) => group.display_name().map(Text::from),
                Err(err) if err.code().is_some_and(|c| c.contains("AccessDenied")) => break,
                Err(_) => None,
            }
        } else {
            let result = source
                .calls
                .call(Api::IdentityStore, || {
                    identity.describe_user().identity_store_id(&store).user_id(id.raw()).send()
                })
                .await;
            match result {
                Ok(user) => user.user_name().or_else(|| user.display_name()).map(Text::from),
                Err(err) if err.code().is_some_and(|c| c.contains("AccessDenied")) => break,
                Err(_) => None,
            }
        };
        if let Some(name) = name {
            names.insert((kind, id), name);
        }
    }
    apply_names(attempts, &names);
}

fn apply_names(attempts: &mut [AssignmentAttempt], names: &HashMap<(Text, Text), Text>) {
    for attempt in attempts {
        if let (Some(kind), Some(id)) = (&attempt.principal_type, &attempt.principal_id) {
            attempt.principal_name = names.get(&(kind.clone(), id.clone())).cloned();
        }
    }
}

pub(in crate::source::aws) async fn permission_set_name(
    calls: &Caller,
    sso: &aws_sdk_ssoadmin::Client,
    instance: &str,
    permission_set: &str,
) -> Option<Text> {
    let result = calls
        .call(Api::SsoAdmin, || {
            sso.describe_permission_set().instance_arn(instance).permission_set_arn(permission_set).send()
        })
        .await;
    match result {
        Ok(output) => output.permission_set().and_then(|p| p.name()).map(Text::from),
        Err(err) => {
            tracing::debug!(permission_set = %crate::text::visible(permission_set), code = err.code().unwrap_or("none"), "DescribePermissionSet failed");
            None
        }
    }
}
