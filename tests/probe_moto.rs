//! The probe against moto: every account the organization created is reachable through
//! OrganizationAccountAccessRole, and the credentials the probe keeps work in that account.

mod common;

use std::sync::Arc;

use orgscope::model::ProbeStatus;
use orgscope::probe::{CallerContext, ProbeSettings, ProbeTarget, Prober};
use orgscope::source::Source;
use orgscope::source::aws::AwsSource;

#[tokio::test(flavor = "multi_thread")]
async fn every_created_account_is_reachable_and_its_credentials_work_there() {
    let Some(moto) = common::moto::Moto::start() else { return };
    let created = moto.create_org_with_accounts("probe", 6).await;

    let options = moto.options();
    let source = Arc::new(AwsSource::connect(options).await.expect("connect to moto"));
    let org = source.discover(Arc::new(|_| {})).await.expect("discover");
    let prober = Prober::new(source, ProbeSettings::default());
    let started = std::time::Instant::now();
    let results = prober.probe_collect(ProbeTarget::all(&org), &CallerContext::of(&org)).await;
    eprintln!("probe of {} accounts took {:?}", results.len(), started.elapsed());

    for id in &created {
        let outcome = &results.iter().find(|(t, _)| &t.account.id == id).expect("created account probed").1;
        assert_eq!(outcome.status, ProbeStatus::Reachable, "{id}: {outcome:?}");
        assert_eq!(outcome.reason, None);
        assert_eq!(outcome.role_arn, Some(format!("arn:aws:iam::{id}:role/OrganizationAccountAccessRole")));

        let credentials = prober.credentials.get(id, 600).expect("the probe kept the credentials");
        let in_account = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(moto.url())
            .credentials_provider(aws_credential_types::Credentials::new(
                credentials.access_key_id.clone(),
                credentials.secret_access_key.expose(),
                Some(credentials.session_token.expose().to_string()),
                None,
                "probe",
            ))
            .load()
            .await;
        let identity =
            aws_sdk_sts::Client::new(&in_account).get_caller_identity().send().await.expect("GetCallerIdentity");
        assert_eq!(identity.account(), Some(id.as_str()), "the credentials stand in the target account");
        assert!(identity.arn().unwrap_or_default().contains("assumed-role/OrganizationAccountAccessRole/orgscope"));
    }
}
