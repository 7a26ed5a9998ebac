//! `orgscope login`: Identity Center's device-authorization sign-in, the one `aws sso login` runs.
//! It registers a public OIDC client, starts the device authorization, lets the user approve the
//! code in a browser, polls `CreateToken` (waiting while the answer is `authorization_pending`,
//! slowing down by five seconds on `slow_down`, as RFC 8628 asks), and writes the token into the
//! AWS CLI's cache file — the same name and fields — atomically, mode 0600.

use std::path::PathBuf;
use std::time::Duration;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, Utc};

use super::super::AwsOptions;
use super::super::pace::Api;
use super::super::retry::Caller;
use crate::model::Secret;
use crate::source::portal::{DEFAULT_SCOPE, PortalError, SignIn};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What the user approves: the page to open (code filled in), the plain page and the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCode {
    pub url: String,
    pub verification_uri: String,
    pub user_code: String,
}

/// A finished sign-in: where the token was written and until when it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub sign_in: SignIn,
    pub path: PathBuf,
    pub expires_at: DateTime<Utc>,
}

/// Signs in to `sign_in`; `show` presents the code (opens the browser, or prints it).
pub async fn login(
    options: &AwsOptions,
    sign_in: SignIn,
    show: impl FnOnce(&DeviceCode),
) -> Result<SignedIn, PortalError> {
    let path = sign_in
        .cache_path()
        .ok_or_else(|| PortalError::Login("no home directory to keep the sign-in in: set HOME".into()))?;
    let config = super::config_for(options, &sign_in.region).await;
    let oidc = aws_sdk_ssooidc::Client::new(&config);
    let calls = Caller::new(1, options.retry);
    let failed =
        |action: &'static str, err: &dyn std::fmt::Display, code: Option<&str>, message: Option<&str>| match code {
            Some(code) => {
                PortalError::Service { action, code: code.into(), message: message.unwrap_or_default().into() }
            }
            None => PortalError::Network { action, message: err.to_string().into() },
        };

    // A session registers for its scopes and for refreshing; a legacy start URL, as the AWS CLI
    // does, for neither (its token is not refreshed).
    let mut register = oidc.register_client().client_name(client_name()).client_type("public");
    if sign_in.session.is_some() {
        let scopes = if sign_in.scopes.is_empty() { vec![DEFAULT_SCOPE.to_string()] } else { sign_in.scopes.clone() };
        register = register
            .set_scopes(Some(scopes))
            .grant_types(DEVICE_GRANT)
            .grant_types("refresh_token")
            .issuer_url(sign_in.start_url.clone());
    }
    let client = calls.call(Api::Portal, || register.clone().send()).await.map_err(|err| {
        failed("sso-oidc:RegisterClient", &crate::source::aws::errors::chain(&err), err.code(), err.message())
    })?;
    let (Some(client_id), Some(client_secret)) = (client.client_id(), client.client_secret()) else {
        return Err(PortalError::Login("Identity Center registered no client: try again".into()));
    };
    let client_secret = Secret::new(client_secret);
    let registration_expires = DateTime::from_timestamp(client.client_secret_expires_at(), 0);

    let device = calls
        .call(Api::Portal, || {
            oidc.start_device_authorization()
                .client_id(client_id)
                .client_secret(client_secret.expose())
                .start_url(sign_in.start_url.clone())
                .send()
        })
        .await
        .map_err(|err| {
            failed(
                "sso-oidc:StartDeviceAuthorization",
                &crate::source::aws::errors::chain(&err),
                err.code(),
                err.message(),
            )
        })?;
    let Some(device_code) = device.device_code().map(Secret::new) else {
        return Err(PortalError::Login("Identity Center started no device authorization: try again".into()));
    };
    let verification_uri = device.verification_uri().unwrap_or_default().to_string();
    show(&DeviceCode {
        url: device.verification_uri_complete().unwrap_or(&verification_uri).to_string(),
        verification_uri: verification_uri.clone(),
        user_code: device.user_code().unwrap_or_default().to_string(),
    });

    let mut interval = Duration::from_secs(u64::try_from(device.interval()).unwrap_or(5).max(1));
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(u64::try_from(device.expires_in()).unwrap_or(600).max(1));
    let token = loop {
        tokio::time::sleep(interval).await;
        let answer = calls
            .call(Api::Portal, || {
                oidc.create_token()
                    .grant_type(DEVICE_GRANT)
                    .device_code(device_code.expose())
                    .client_id(client_id)
                    .client_secret(client_secret.expose())
                    .send()
            })
            .await;
        match answer {
            Ok(token) => break token,
            Err(err) => match err.code() {
                Some("AuthorizationPendingException") => {}
                Some("SlowDownException") => interval += Duration::from_secs(5),
                Some("ExpiredTokenException") => {
                    return Err(PortalError::Login(
                        "the sign-in code expired before it was approved: run `orgscope login` again".into(),
                    ));
                }
                Some("AccessDeniedException") => {
                    return Err(PortalError::Login("the sign-in was denied: run `orgscope login` to try again".into()));
                }
                code => {
                    return Err(failed(
                        "sso-oidc:CreateToken",
                        &crate::source::aws::errors::chain(&err),
                        code,
                        err.message(),
                    ));
                }
            },
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(PortalError::Login(
                "the sign-in code expired before it was approved: run `orgscope login` again".into(),
            ));
        }
    };
    let Some(access_token) = token.access_token().map(Secret::new) else {
        return Err(PortalError::Login("Identity Center answered without a token: try again".into()));
    };
    let expires_at = Utc::now() + chrono::Duration::seconds(i64::from(token.expires_in().max(0)));
    let refresh_token = token.refresh_token().map(Secret::new);
    let cached = CachedToken {
        sign_in: &sign_in,
        access_token: &access_token,
        expires_at,
        refresh: sign_in.session.as_ref().map(|_| Refresh {
            client_id,
            client_secret: &client_secret,
            registration_expires_at: registration_expires,
            refresh_token: refresh_token.as_ref(),
        }),
    };
    write_cache(&path, &cached)
        .map_err(|err| PortalError::Login(format!("could not write the sign-in to {}: {err}", path.display())))?;
    Ok(SignedIn { sign_in, path, expires_at })
}

/// The client name Identity Center shows for the registration.
fn client_name() -> String {
    format!("orgscope-{}", Utc::now().timestamp())
}

struct Refresh<'a> {
    client_id: &'a str,
    client_secret: &'a Secret,
    registration_expires_at: Option<DateTime<Utc>>,
    refresh_token: Option<&'a Secret>,
}

struct CachedToken<'a> {
    sign_in: &'a SignIn,
    access_token: &'a Secret,
    expires_at: DateTime<Utc>,
    refresh: Option<Refresh<'a>>,
}

/// The AWS CLI's format: camelCase keys, times as `2026-12-05T20:00:00Z`.
fn render(token: &CachedToken<'_>) -> zeroize::Zeroizing<String> {
    let time = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut object = serde_json::Map::new();
    object.insert("startUrl".into(), token.sign_in.start_url.clone().into());
    object.insert("region".into(), token.sign_in.region.clone().into());
    object.insert("accessToken".into(), token.access_token.expose().into());
    object.insert("expiresAt".into(), time(token.expires_at).into());
    if let Some(refresh) = &token.refresh {
        object.insert("clientId".into(), refresh.client_id.into());
        object.insert("clientSecret".into(), refresh.client_secret.expose().into());
        if let Some(at) = refresh.registration_expires_at {
            object.insert("registrationExpiresAt".into(), time(at).into());
        }
        if let Some(refresh_token) = refresh.refresh_token {
            object.insert("refreshToken".into(), refresh_token.expose().into());
        }
    }
    let value = serde_json::Value::Object(object);
    zeroize::Zeroizing::new(serde_json::to_string_pretty(&value).unwrap_or_default())
}

fn write_cache(path: &std::path::Path, token: &CachedToken<'_>) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    let text = render(token);
    crate::files::write_atomic(path, text.as_bytes(), 0o600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_holds_the_aws_cli_fields() {
        let sign_in = SignIn {
            session: Some("corp".into()),
            profile: "default".into(),
            start_url: "https://corp.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            scopes: Vec::new(),
        };
        let (token, secret, refresh) = (Secret::new("tok"), Secret::new("sec"), Secret::new("ref"));
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let cached = CachedToken {
            sign_in: &sign_in,
            access_token: &token,
            expires_at: at,
            refresh: Some(Refresh {
                client_id: "cid",
                client_secret: &secret,
                registration_expires_at: Some(at),
                refresh_token: Some(&refresh),
            }),
        };
        let value: serde_json::Value = serde_json::from_str(&render(&cached)).unwrap_or_default();
        assert_eq!(value["startUrl"], "https://corp.awsapps.com/start");
        assert_eq!(value["region"], "eu-west-1");
        assert_eq!(value["accessToken"], "tok");
        assert_eq!(value["expiresAt"], "2027-01-15T08:00:00Z");
        assert_eq!(value["clientId"], "cid");
        assert_eq!(value["clientSecret"], "sec");
        assert_eq!(value["refreshToken"], "ref");
        assert_eq!(value["registrationExpiresAt"], "2027-01-15T08:00:00Z");
    }
}
