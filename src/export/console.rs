//! The AWS console sign-in URL for temporary credentials (the federation endpoint's
//! `getSigninToken`, then `login`), with the right sign-in host and console for each partition.
//! Role-chained sessions get no `SessionDuration`: AWS caps them at one hour and refuses longer.

use std::time::Duration;

use serde::Deserialize;

use crate::model::TempCredentials;

/// Console sessions for non-chained credentials: 12 hours, AWS's maximum.
const CONSOLE_SESSION_SECONDS: u32 = 43_200;

/// The federation endpoint of a partition (`aws`, `aws-cn`, `aws-us-gov`).
pub fn federation_endpoint(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "https://signin.amazonaws.cn/federation",
        "aws-us-gov" => "https://signin.amazonaws-us-gov.com/federation",
        _ => "https://signin.aws.amazon.com/federation",
    }
}

/// The console home a sign-in lands on.
pub fn console_destination(partition: &str, region: Option<&str>) -> String {
    let host = match partition {
        "aws-cn" => "https://console.amazonaws.cn/console/home",
        "aws-us-gov" => "https://console.amazonaws-us-gov.com/console/home",
        _ => "https://console.aws.amazon.com/console/home",
    };
    match region {
        Some(region) => format!("{host}?region={region}"),
        None => host.to_string(),
    }
}

/// The partition of a role ARN.
pub fn partition_of(role_arn: &str) -> &str {
    role_arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws")
}

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("the sign-in endpoint {endpoint} could not be reached: {message}")]
    Unreachable { endpoint: String, message: String },
    #[error("the sign-in endpoint {endpoint} refused the credentials (HTTP {status})")]
    Refused { endpoint: String, status: u16 },
    #[error("the sign-in endpoint {endpoint} answered without a SigninToken")]
    Malformed { endpoint: String },
}

#[derive(Deserialize)]
struct SigninToken {
    #[serde(rename = "SigninToken")]
    signin_token: String,
}

/// The `getSigninToken` request URL (it carries the credentials: never log it).
fn token_url(endpoint: &str, credentials: &TempCredentials) -> String {
    let session = serde_json::json!({
        "sessionId": credentials.access_key_id,
        "sessionKey": credentials.secret_access_key.expose(),
        "sessionToken": credentials.session_token.expose(),
    })
    .to_string();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("Action", "getSigninToken");
    if !credentials.chained {
        query.append_pair("SessionDuration", &CONSOLE_SESSION_SECONDS.to_string());
    }
    query.append_pair("Session", &session);
    format!("{endpoint}?{}", query.finish())
}

/// The sign-in URL. `endpoint` overrides the partition's federation endpoint (tests point it at a
/// local server).
pub fn signin_url(
    credentials: &TempCredentials,
    region: Option<&str>,
    endpoint: Option<&str>,
) -> Result<String, ConsoleError> {
    let partition = partition_of(&credentials.role_arn);
    let endpoint = endpoint.unwrap_or_else(|| federation_endpoint(partition)).to_string();
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(20)))
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut response = agent
        .get(&token_url(&endpoint, credentials))
        .call()
        .map_err(|err| ConsoleError::Unreachable { endpoint: endpoint.clone(), message: err.to_string() })?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(ConsoleError::Refused { endpoint, status });
    }
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .map_err(|_| ConsoleError::Malformed { endpoint: endpoint.clone() })?;
    let token: SigninToken =
        serde_json::from_str(&body).map_err(|_| ConsoleError::Malformed { endpoint: endpoint.clone() })?;
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("Action", "login");
    query.append_pair("Issuer", "orgscope");
    query.append_pair("Destination", &console_destination(partition, region));
    query.append_pair("SigninToken", &token.signin_token);
    Ok(format!("{endpoint}?{}", query.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Secret;

    fn credentials(chained: bool) -> TempCredentials {
        TempCredentials {
            account_id: "2".into(),
            role_arn: "arn:aws-us-gov:iam::2:role/R".into(),
            access_key_id: "ASIA1".into(),
            secret_access_key: Secret::new("s"),
            session_token: Secret::new("t"),
            expiration: chrono::Utc::now(),
            chained,
            demo: false,
        }
    }

    #[test]
    fn partitions_have_their_own_hosts() {
        assert_eq!(
            federation_endpoint(partition_of("arn:aws-cn:iam::1:role/R")),
            "https://signin.amazonaws.cn/federation"
        );
        assert_eq!(federation_endpoint("aws-us-gov"), "https://signin.amazonaws-us-gov.com/federation");
        assert_eq!(
            console_destination("aws", Some("eu-west-1")),
            "https://console.aws.amazon.com/console/home?region=eu-west-1"
        );
    }

    #[test]
    fn chained_sessions_ask_for_no_session_duration() {
        assert!(token_url("https://x/federation", &credentials(false)).contains("SessionDuration=43200"));
        assert!(!token_url("https://x/federation", &credentials(true)).contains("SessionDuration"));
    }
}
