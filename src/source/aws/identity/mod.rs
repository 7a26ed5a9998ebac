//! Identity Center's access map through the SDK, in Identity Center's region. A cold read
//! ([`read`]) takes everything; with a cached map, a refresh ([`refresh`]) asks CloudTrail what
//! changed since and re-reads only that; one principal's reach ([`principal`]) reads just what
//! that user or group touches. A listing that fails is said in `unavailable` and the rest is read.

mod calls;
mod meaning;
mod principal;
pub mod read;
pub mod refresh;

use std::path::Path;

use serde::{Deserialize, Serialize};

use self::calls::Ic;
use super::AwsSource;
use crate::model::Text;
use crate::model::identity::IdentityCenter;
use crate::source::Source as _;
use crate::source::{AccessQuery, SourceError};

pub(super) use principal::principal;

/// A cached map older than this is read whole again (renames and policy edits, which no
/// followed event names, show by then at the latest).
const MAX_AGE: chrono::TimeDelta = chrono::TimeDelta::days(7);

pub(super) async fn identity_center(source: &AwsSource, query: &AccessQuery) -> Result<IdentityCenter, SourceError> {
    let ic = Ic::new(source, query.sso_region.as_deref());
    let instances = super::assignments::instances(source, &ic.sso).await?;
    let started = chrono::Utc::now();
    let hidden = hidden_account(source).await;
    let management = hidden.as_ref().map(|(_, management)| management.as_str());
    let cached = query.cache_path.as_deref().and_then(|path| load(path, &instances));
    let refreshed = match cached {
        Some(map) if map.read_at.is_some_and(|at| started - at < MAX_AGE) => {
            match refresh::refresh(&ic, &instances, map, started, management).await {
                Ok(map) => Some(map),
                Err(why) => {
                    tracing::info!(why = %crate::text::visible(&why), "access map: refresh not possible, reading it whole");
                    None
                }
            }
        }
        _ => None,
    };
    let mut map = match refreshed {
        Some(map) => map,
        None => {
            let mut map = IdentityCenter::default();
            for (instance, store) in &instances {
                read::instance(&ic, instance, store, management, &mut map).await;
            }
            map
        }
    };
    map.unseen.clear();
    if let Some((account, management)) = &hidden {
        map.provisioned.retain(|p| p.account_id != management.as_str());
        map.assignments.retain(|a| a.account_id != management.as_str());
        map.unseen.push(Text::from(format!(
            "read from Identity Center's delegated administrator ({account}): AWS does not show it the \
             assignments in the management account ({management}); run orgscope from the management account \
             to see those"
        )));
    }
    map.normalize();
    let arns: Vec<String> = instances.iter().map(|(instance, _)| instance.clone()).collect();
    meaning::read(&ic, &arns, query, &mut map, started).await;
    map.read_at = Some(started);
    tracing::info!(
        permission_sets = map.permission_sets.len(),
        assignments = map.assignments.len(),
        users = map.users.len(),
        groups = map.groups.len(),
        unavailable = map.unavailable.len(),
        calls = source.stats().calls(),
        "access map read"
    );
    // Only a complete map is a base for later refreshes; after a partial one the previous cache
    // (complete, older) stays and the next refresh reaches back to it.
    if let Some(path) = &query.cache_path
        && map.unavailable.is_empty()
    {
        save(path, &instances, &map);
    }
    Ok(map)
}

/// Your account and the management account, when you are not in it: Identity Center then answers
/// as to its delegated administrator, which is never shown the management account's assignments.
async fn hidden_account(source: &AwsSource) -> Option<(String, String)> {
    let caller = source.caller_arn().await.ok()?;
    let account = caller.split(':').nth(4)?.to_string();
    let management = source.management_account_id().await.ok()?;
    (!management.is_empty() && management != account).then_some((account, management))
}

/// What the cache file holds: the instances the map is of, and the map.
#[derive(Debug, Serialize, Deserialize)]
struct CachedMap {
    format: u32,
    instances: Vec<(String, String)>,
    map: IdentityCenter,
}

const FORMAT: u32 = 1;

fn load(path: &Path, instances: &[(String, String)]) -> Option<IdentityCenter> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice::<CachedMap>(&bytes) {
        Ok(cached) if cached.format == FORMAT && cached.instances == instances => Some(cached.map),
        Ok(_) => None,
        Err(err) => {
            tracing::warn!(%err, path = %path.display(), "the cached access map is unreadable; reading it whole");
            None
        }
    }
}

fn save(path: &Path, instances: &[(String, String)], map: &IdentityCenter) {
    let cached = CachedMap { format: FORMAT, instances: instances.to_vec(), map: map.clone() };
    let written = serde_json::to_vec(&cached).map_err(std::io::Error::other).and_then(|bytes| {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        crate::files::write_atomic(path, &bytes, 0o600)
    });
    if let Err(err) = written {
        tracing::warn!(%err, path = %path.display(), "the access map could not be cached");
    }
}
