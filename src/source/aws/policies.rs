//! Control policies with their documents, for the cause of a blocked account: which SCPs or RCPs
//! are attached to a root, OU or account (`ListPoliciesForTarget`), and what each says
//! (`DescribePolicy`), each read once per run however many probes ask at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_organizations::error::ProvideErrorMetadata;
use aws_sdk_organizations::types::PolicyType;
use tokio::sync::OnceCell;

use super::AwsSource;
use super::pace::Api;
use crate::model::{ControlKind, ControlPolicy, Text};

/// A read shared by its readers; a failure is kept as its sentence (it is only ever said).
type Shared<T> = Arc<OnceCell<Result<T, String>>>;

/// `(policy id, name)` of the policies attached to a target.
type Attached = Vec<(String, Text)>;

/// What was read, by (kind, target) and by policy id: every reader of a key waits for the one read.
#[derive(Debug, Default)]
pub(super) struct PolicyCache {
    lists: Mutex<HashMap<(ControlKind, String), Shared<Attached>>>,
    documents: Mutex<HashMap<String, Shared<String>>>,
}

impl PolicyCache {
    fn cell<K: std::hash::Hash + Eq + Clone, T>(map: &Mutex<HashMap<K, Shared<T>>>, key: &K) -> Shared<T> {
        match map.lock() {
            Ok(mut map) => Arc::clone(map.entry(key.clone()).or_default()),
            Err(_) => Arc::default(),
        }
    }
}

fn policy_type(kind: ControlKind) -> PolicyType {
    match kind {
        ControlKind::Scp => PolicyType::ServiceControlPolicy,
        ControlKind::Rcp => PolicyType::ResourceControlPolicy,
    }
}

/// The `(id, name)` of the policies of `kind` attached to `target`.
pub(super) async fn attached(
    source: &AwsSource,
    kind: ControlKind,
    target: &str,
) -> Result<Vec<(String, Text)>, String> {
    let cell = PolicyCache::cell(&source.policies.lists, &(kind, target.to_string()));
    cell.get_or_init(|| list(source, kind, target)).await.clone()
}

async fn list(source: &AwsSource, kind: ControlKind, target: &str) -> Result<Vec<(String, Text)>, String> {
    type ListError = aws_sdk_organizations::error::SdkError<
        aws_sdk_organizations::operation::list_policies_for_target::ListPoliciesForTargetError,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >;
    let listed = super::paging::collect(|token| async move {
        let page = source
            .calls
            .call(Api::Organizations, || {
                source
                    .organizations
                    .list_policies_for_target()
                    .target_id(target)
                    .filter(policy_type(kind))
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        let policies = page
            .policies()
            .iter()
            .filter_map(|p| Some((p.id()?.to_string(), Text::from(p.name().unwrap_or_default()))));
        Ok::<_, ListError>((policies.collect(), page.next_token().map(str::to_string)))
    })
    .await;
    listed.map_err(|err| match err {
        super::paging::PageError::Call(err) => {
            tracing::debug!(%target, code = err.code().unwrap_or("none"), "ListPoliciesForTarget failed");
            super::errors::call_failed("organizations", "ListPoliciesForTarget", &err)
        }
        super::paging::PageError::Paging(why) => format!("organizations:ListPoliciesForTarget: {why}"),
    })
}

/// The policies of `kind` attached to `target`, with their documents.
pub(super) async fn with_documents(
    source: &AwsSource,
    kind: ControlKind,
    target: &str,
) -> Result<Vec<ControlPolicy>, String> {
    let mut out = Vec::new();
    for (id, name) in attached(source, kind, target).await? {
        let cell = PolicyCache::cell(&source.policies.documents, &id);
        let document = cell.get_or_init(|| describe(source, &id)).await.clone()?;
        out.push(ControlPolicy { id, name, document });
    }
    Ok(out)
}

async fn describe(source: &AwsSource, id: &str) -> Result<String, String> {
    let output = source
        .calls
        .call(Api::Organizations, || source.organizations.describe_policy().policy_id(id).send())
        .await
        .map_err(|err| super::errors::call_failed("organizations", "DescribePolicy", &err))?;
    output
        .policy()
        .and_then(|p| p.content())
        .map(str::to_string)
        .ok_or_else(|| format!("DescribePolicy returned no content for {id}"))
}
