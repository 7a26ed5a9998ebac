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

/// The console's host in a partition.
pub fn console_host(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "console.amazonaws.cn",
        "aws-us-gov" => "console.amazonaws-us-gov.com",
        _ => "console.aws.amazon.com",
    }
}

/// Services by the short name `--destination` takes: their console path, and whether the console
/// page is global (IAM, Organizations, billing, Route 53, CloudFront) or takes a region.
pub const SERVICES: [(&str, &str, bool); 24] = [
    ("cloudformation", "/cloudformation/home", true),
    ("cloudfront", "/cloudfront/v4/home", false),
    ("cloudtrail", "/cloudtrail/home", true),
    ("cloudwatch", "/cloudwatch/home", true),
    ("config", "/config/home", true),
    ("dynamodb", "/dynamodbv2/home", true),
    ("ec2", "/ec2/home", true),
    ("ecs", "/ecs/v2/home", true),
    ("eks", "/eks/home", true),
    ("guardduty", "/guardduty/home", true),
    ("iam", "/iam/home", false),
    ("kms", "/kms/home", true),
    ("lambda", "/lambda/home", true),
    ("organizations", "/organizations/v2/home", false),
    ("rds", "/rds/home", true),
    ("route53", "/route53/v2/home", false),
    ("s3", "/s3/home", true),
    ("secretsmanager", "/secretsmanager/home", true),
    ("securityhub", "/securityhub/home", true),
    ("billing", "/billing/home", false),
    ("sns", "/sns/v3/home", true),
    ("sqs", "/sqs/v3/home", true),
    ("sso", "/singlesignon/home", true),
    ("vpc", "/vpc/home", true),
];

/// Whether `destination` could be a destination in some partition (a service, a path, a URL): the
/// check made before anything is assumed.
pub fn check_destination(destination: &str) -> Result<(), ConsoleError> {
    let url = destination.trim();
    if url.starts_with("https://") {
        return url::Url::parse(url).map(|_| ()).map_err(|_| ConsoleError::Destination(url.to_string()));
    }
    destination_url("aws", Some(destination), None).map(|_| ())
}

/// Where a sign-in lands: `destination` is a service's short name (`ec2`), a console path
/// (`/ec2/home#Instances:`) or a whole console URL (kept exactly as given, but only on the
/// partition's console host); None is the console home. `region` is added where the page takes
/// one and the destination does not name one already.
pub fn destination_url(
    partition: &str,
    destination: Option<&str>,
    region: Option<&str>,
) -> Result<String, ConsoleError> {
    let host = console_host(partition);
    let with_region = |path: &str, regional: bool| match region.filter(|_| regional && !path.contains("region=")) {
        Some(region) => {
            let (before, fragment) = path.split_once('#').map_or((path, None), |(b, f)| (b, Some(f)));
            let joiner = if before.contains('?') { '&' } else { '?' };
            let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
            format!("https://{host}{before}{joiner}region={region}{fragment}")
        }
        None => format!("https://{host}{path}"),
    };
    let Some(destination) = destination.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(with_region("/console/home", true));
    };
    if destination.starts_with("https://") || destination.starts_with("http://") {
        let url = url::Url::parse(destination).map_err(|_| ConsoleError::Destination(destination.to_string()))?;
        let own =
            url.scheme() == "https" && url.host_str().is_some_and(|h| h == host || h.ends_with(&format!(".{host}")));
        return if own {
            Ok(destination.to_string())
        } else {
            Err(ConsoleError::ForeignHost(destination.to_string(), host))
        };
    }
    if destination.starts_with('/') {
        return Ok(with_region(destination, true));
    }
    match SERVICES.iter().find(|(name, _, _)| name.eq_ignore_ascii_case(destination)) {
        Some((_, path, regional)) => Ok(with_region(path, *regional)),
        None => Err(ConsoleError::Destination(destination.to_string())),
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
    #[error(
        "--destination {0:?} is neither a service ({services}), a console path (/ec2/home) nor a console URL",
        services = SERVICES.map(|(name, _, _)| name).join(", ")
    )]
    Destination(String),
    #[error("--destination {0} is not on the console's host {1}: only console URLs are signed in to")]
    ForeignHost(String, &'static str),
}

#[derive(Deserialize)]
struct SigninToken {
    #[serde(rename = "SigninToken")]
    signin_token: String,
}

/// The variable the tests point the federation endpoint at.
const TEST_ENDPOINT_VAR: &str = "ORGSCOPE_SIGNIN_ENDPOINT";

/// The federation endpoint `ORGSCOPE_SIGNIN_ENDPOINT` names for the tests: taken only by debug
/// builds, and only on loopback. A release build never sends credentials anywhere but the
/// partition's own sign-in endpoint, whatever the environment says.
pub fn test_endpoint() -> Option<String> {
    let value = std::env::var(TEST_ENDPOINT_VAR).ok()?;
    let taken = endpoint_for_tests(&value, cfg!(debug_assertions));
    if taken.is_none() {
        tracing::warn!("{TEST_ENDPOINT_VAR} is ignored: only debug builds take a loopback endpoint");
    }
    taken
}

/// `value` when `debug` and it is an http(s) URL on 127.0.0.1, ::1 or localhost; else None.
fn endpoint_for_tests(value: &str, debug: bool) -> Option<String> {
    let url = url::Url::parse(value).ok()?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "[::1]" | "localhost"));
    (debug && loopback && matches!(url.scheme(), "http" | "https")).then(|| value.to_string())
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
    destination: &str,
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
    query.append_pair("Destination", destination);
    query.append_pair("SigninToken", &token.signin_token);
    Ok(format!("{endpoint}?{}", query.finish()))
}

/// The demo's sign-in URL, made offline: the demo opens no connection (its credentials are not
/// valid anywhere, and AWS would refuse them).
pub fn demo_signin_url(credentials: &TempCredentials, destination: &str) -> String {
    let endpoint = federation_endpoint(partition_of(&credentials.role_arn));
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("Action", "login");
    query.append_pair("Issuer", "orgscope");
    query.append_pair("Destination", destination);
    query.append_pair("SigninToken", &format!("orgscope-demo-token-for-{}-not-valid", credentials.account_id));
    format!("{endpoint}?{}", query.finish())
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
            sso_role: None,
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
            destination_url("aws", None, Some("eu-west-1")).ok().as_deref(),
            Some("https://console.aws.amazon.com/console/home?region=eu-west-1")
        );
    }

    /// A release build sends credentials to AWS's sign-in endpoints only: the tests' variable is
    /// ignored, and even a debug build takes nothing but loopback.
    #[test]
    fn the_test_endpoint_is_for_debug_builds_and_loopback_only() {
        assert_eq!(
            endpoint_for_tests("http://127.0.0.1:4567/federation", true).as_deref(),
            Some("http://127.0.0.1:4567/federation")
        );
        for (value, debug) in [
            ("http://127.0.0.1:4567/federation", false),
            ("https://signin.aws.amazon.com/federation", false),
            ("http://evil.example/federation", true),
            ("https://evil.example/federation", true),
            ("http://127.0.0.1.evil.example/federation", true),
            ("file:///etc/passwd", true),
        ] {
            assert_eq!(endpoint_for_tests(value, debug), None, "{value} (debug: {debug})");
        }
    }

    #[test]
    fn chained_sessions_ask_for_no_session_duration() {
        assert!(token_url("https://x/federation", &credentials(false)).contains("SessionDuration=43200"));
        assert!(!token_url("https://x/federation", &credentials(true)).contains("SessionDuration"));
    }

    #[test]
    fn every_kind_of_destination_in_every_partition() {
        let url =
            |partition, destination, region| destination_url(partition, destination, region).map_err(|e| e.to_string());
        let cases = [
            ("aws", Some("ec2"), Some("eu-west-1"), "https://console.aws.amazon.com/ec2/home?region=eu-west-1"),
            ("aws", Some("S3"), None, "https://console.aws.amazon.com/s3/home"),
            ("aws", Some("iam"), Some("eu-west-1"), "https://console.aws.amazon.com/iam/home"),
            ("aws", Some("organizations"), Some("us-east-1"), "https://console.aws.amazon.com/organizations/v2/home"),
            (
                "aws-cn",
                Some("cloudformation"),
                Some("cn-north-1"),
                "https://console.amazonaws.cn/cloudformation/home?region=cn-north-1",
            ),
            (
                "aws-us-gov",
                Some("lambda"),
                Some("us-gov-west-1"),
                "https://console.amazonaws-us-gov.com/lambda/home?region=us-gov-west-1",
            ),
            (
                "aws",
                Some("/ec2/home#Instances:"),
                Some("eu-west-1"),
                "https://console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:",
            ),
            (
                "aws",
                Some("/ec2/home?region=us-west-2#Instances:"),
                Some("eu-west-1"),
                "https://console.aws.amazon.com/ec2/home?region=us-west-2#Instances:",
            ),
            (
                "aws",
                Some("/cloudwatch/home?x=1"),
                Some("eu-west-1"),
                "https://console.aws.amazon.com/cloudwatch/home?x=1&region=eu-west-1",
            ),
            (
                "aws",
                Some("https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Home:"),
                Some("us-east-1"),
                "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Home:",
            ),
            ("aws-cn", Some("https://console.amazonaws.cn/vpc/home"), None, "https://console.amazonaws.cn/vpc/home"),
            ("aws-us-gov", None, None, "https://console.amazonaws-us-gov.com/console/home"),
        ];
        for (partition, destination, region, want) in cases {
            assert_eq!(
                url(partition, destination, region).as_deref(),
                Ok(want),
                "{partition} {destination:?} {region:?}"
            );
        }
        for refused in [
            "https://evil.example/ec2",
            "https://console.aws.amazon.com.evil.example/",
            "http://console.aws.amazon.com/ec2/home",
        ] {
            assert!(
                url("aws", Some(refused), None).is_err_and(|e| e.contains("not on the console's host")),
                "{refused}"
            );
        }
        assert!(
            url("aws-cn", Some("https://console.aws.amazon.com/ec2/home"), None).is_err(),
            "another partition's host"
        );
        assert!(
            url("aws", Some("nope"), None).is_err_and(|e| e.contains("ec2") && e.contains("iam")),
            "the services are listed"
        );
    }
}
