//! Footholds for the blocked-account tests: a signed-in Identity Center (the AWS CLI's token
//! cache for the sso-session `corp`) and trust policies for the local endpoint's IAM.

use std::path::Path;

use serde_json::{Value, json};

use super::fake_aws::FakeAws;

const CONFIG: &str = "[default]\nsso_session = corp\nregion = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n";

/// A valid sign-in in the AWS CLI's cache for the sso-session `corp`, as `aws sso login` leaves it.
pub fn sign_in(fake: &FakeAws, home: &Path) {
    let token = fake.state().portal.issued_token.clone();
    fake.state().portal.valid_tokens.insert(token.clone());
    let path = home.join(".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
    std::fs::create_dir_all(path.parent().expect("dir")).expect("cache dir");
    let at = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let now = chrono::Utc::now();
    let cache = json!({
        "startUrl": "https://corp.awsapps.com/start",
        "region": "eu-west-1",
        "accessToken": token,
        "expiresAt": at(now + chrono::Duration::hours(1)),
        "clientId": "fake-client-id",
        "clientSecret": "fake-client-secret-9a8b7c",
        "registrationExpiresAt": at(now + chrono::Duration::days(30)),
        "refreshToken": fake.state().portal.refresh_token.clone(),
    });
    std::fs::write(&path, cache.to_string()).expect("cache");
    std::fs::write(home.join("aws-config"), CONFIG).expect("config");
}

pub fn trust(management: &str, condition: Value) -> String {
    let mut statement = json!({
        "Sid": "TrustManagement",
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{management}:root")},
        "Action": "sts:AssumeRole",
    });
    if !condition.is_null() {
        statement["Condition"] = condition;
    }
    json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}
