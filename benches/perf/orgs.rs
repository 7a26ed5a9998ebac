//! Organizations for the benchmarks: discovered by the real source layer from the fake endpoint,
//! and saved as snapshots for the UI and the binary.

use std::collections::BTreeMap;
use std::sync::Arc;

use orgscope::model::{Org, ProbeOutcome, ProbeStatus, Reason, SNAPSHOT_FORMAT, Snapshot};
use orgscope::source::Source;
use orgscope::source::aws::AwsSource;

use crate::fake_aws::{FakeAws, FakeOrg};

/// A source on `fake` with orgscope's default concurrency and retry policy.
pub async fn source(fake: &FakeAws) -> AwsSource {
    source_with(fake, orgscope::cli::DEFAULT_CONCURRENCY.into()).await
}

/// [`source`] with at most `concurrency` calls in flight.
pub async fn source_with(fake: &FakeAws, concurrency: usize) -> AwsSource {
    let mut options = fake.options();
    options.concurrency = concurrency;
    options.retry = orgscope::source::aws::retry::RetryPolicy::default();
    AwsSource::connect(options).await.expect("connect to the fake endpoint")
}

/// `accounts` accounts in `accounts / 10` OUs five levels deep, discovered through the source
/// layer from a fake endpoint without latency.
pub async fn discovered(accounts: usize) -> Org {
    let fake = FakeAws::start(FakeOrg::generate(accounts, (accounts / 10).max(1), 5));
    let org = source(&fake).await.discover(Arc::new(|_| {})).await.expect("discovery");
    assert_eq!(org.accounts().count(), accounts, "every account discovered");
    org
}

/// A snapshot of `org` where every tenth account is blocked, as the probe would leave it.
pub fn snapshot(org: &Org) -> Snapshot {
    let access: BTreeMap<String, ProbeOutcome> = org
        .accounts()
        .enumerate()
        .map(|(i, account)| {
            let blocked = i % 10 == 3;
            let outcome = ProbeOutcome {
                status: if blocked { ProbeStatus::Blocked } else { ProbeStatus::Reachable },
                reason: blocked.then_some(Reason::AccessDenied),
                role_arn: Some(format!("arn:aws:iam::{}:role/OrganizationAccountAccessRole", account.id)),
                message: blocked.then(|| "not authorized to perform: sts:AssumeRole".into()),
                hint: None,
                ..ProbeOutcome::default()
            };
            (account.id.clone(), outcome)
        })
        .collect();
    Snapshot {
        format: SNAPSHOT_FORMAT,
        saved_at: chrono::Utc::now(),
        region: Some("us-east-1".into()),
        org: org.clone(),
        access,
        assignments: Vec::new(),
        identity_center: None,
        portal: None,
    }
}
