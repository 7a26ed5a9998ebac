//! `orgscope login`: your Identity Center sign-in, the way `aws sso login` does it today. A
//! sign-in through an `[sso-session]` uses the authorization-code grant with PKCE ([`pkce`]): a
//! one-shot listener on 127.0.0.1 receives the browser's redirect. A legacy `sso_start_url`
//! profile, `--use-device-code`, or a machine where no browser can be opened uses the device
//! code ([`device`]). Either way the token goes into the AWS CLI's cache file ([`token_file`]).

mod device;
mod pkce;
mod token_file;

use std::path::PathBuf;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, Utc};

use super::super::AwsOptions;
use super::super::retry::Caller;
use crate::model::Secret;
use crate::source::portal::{DEFAULT_SCOPE, PortalError, SignIn};

pub use device::DeviceCode;
pub use pkce::{challenge, redirect_page};

/// How to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// The authorization code with PKCE (an `[sso-session]`; else the device code).
    AuthorizationCode,
    /// The device code, approved in any browser (`--use-device-code`).
    DeviceCode,
}

/// What the user is shown: the page to open in a browser, or a code to approve anywhere.
#[derive(Debug, Clone, Copy)]
pub enum Prompt<'a> {
    /// The authorization page; `show` answers false when no browser could be opened (the sign-in
    /// then falls back to the device code).
    Browser(&'a str),
    Device(&'a DeviceCode),
}

/// A finished sign-in: where the token was written and until when it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub sign_in: SignIn,
    pub path: PathBuf,
    pub expires_at: DateTime<Utc>,
    /// The flow that signed in (the device code when the browser could not be opened).
    pub flow: Flow,
}

/// The OIDC client a sign-in registered, kept in the token file for refreshing.
struct Registration {
    client_id: String,
    client_secret: Secret,
    expires_at: Option<DateTime<Utc>>,
}

/// What `CreateToken` answered.
struct Token {
    access_token: Secret,
    expires_in: i32,
    refresh_token: Option<Secret>,
}

/// Identity Center's OIDC service in the sign-in's region, and where its endpoints are.
struct Oidc {
    client: aws_sdk_ssooidc::Client,
    calls: Caller,
    /// `https://oidc.{region}.amazonaws.com` (or the endpoint the options name): `/authorize` is here.
    base: String,
}

/// Signs in to `sign_in` by `flow`; `show` presents the page or the code.
pub async fn login(
    options: &AwsOptions,
    sign_in: SignIn,
    flow: Flow,
    mut show: impl FnMut(Prompt<'_>) -> bool,
) -> Result<SignedIn, PortalError> {
    let path = sign_in
        .cache_path()
        .ok_or_else(|| PortalError::Login("no home directory to keep the sign-in in: set HOME".into()))?;
    let config = super::config_for(options, &sign_in.region).await;
    let oidc = Oidc {
        client: aws_sdk_ssooidc::Client::new(&config),
        calls: Caller::new(1, options.retry),
        base: pkce::authorization_base(options, &sign_in.region).await?,
    };
    // A legacy start URL signs in with the device code only, as the AWS CLI does.
    let mut flow = if sign_in.session.is_some() { flow } else { Flow::DeviceCode };
    let (registration, token) = match flow {
        Flow::AuthorizationCode => match pkce::sign_in(&oidc, &sign_in, &mut show).await? {
            Some(signed) => signed,
            None => {
                flow = Flow::DeviceCode;
                device::sign_in(&oidc, &sign_in, &mut show).await?
            }
        },
        Flow::DeviceCode => device::sign_in(&oidc, &sign_in, &mut show).await?,
    };
    let expires_at = Utc::now() + chrono::Duration::seconds(i64::from(token.expires_in.max(0)));
    let cached = token_file::CachedToken {
        sign_in: &sign_in,
        access_token: &token.access_token,
        expires_at,
        refresh: sign_in.session.as_ref().map(|_| token_file::Refresh {
            client_id: &registration.client_id,
            client_secret: &registration.client_secret,
            registration_expires_at: registration.expires_at,
            refresh_token: token.refresh_token.as_ref(),
        }),
    };
    token_file::write_cache(&path, &cached)
        .map_err(|err| PortalError::Login(format!("could not write the sign-in to {}: {err}", path.display())))?;
    Ok(SignedIn { sign_in, path, expires_at, flow })
}

/// The scopes a session registers for (its `sso_registration_scopes`, else account access).
fn scopes(sign_in: &SignIn) -> Vec<String> {
    if sign_in.scopes.is_empty() { vec![DEFAULT_SCOPE.to_string()] } else { sign_in.scopes.clone() }
}

/// The client name Identity Center shows for the registration.
fn client_name() -> String {
    format!("orgscope-{}", Utc::now().timestamp())
}

/// A failed OIDC call: AWS's code and message, or the transport's fault.
fn failed<E: ProvideErrorMetadata + std::error::Error + 'static>(
    action: &'static str,
    err: &SdkError<E, HttpResponse>,
) -> PortalError {
    match err.code() {
        Some(code) => {
            PortalError::Service { action, code: code.into(), message: err.message().unwrap_or_default().into() }
        }
        None => PortalError::Network { action, message: crate::source::aws::errors::chain(err).into() },
    }
}

/// Registers the public client `register` describes: its id and secret, or why there are none.
async fn register(
    oidc: &Oidc,
    register: aws_sdk_ssooidc::operation::register_client::builders::RegisterClientFluentBuilder,
) -> Result<Registration, PortalError> {
    let client = oidc
        .calls
        .call(super::super::pace::Api::Portal, || register.clone().send())
        .await
        .map_err(|err| failed("sso-oidc:RegisterClient", &err))?;
    let (Some(client_id), Some(client_secret)) = (client.client_id(), client.client_secret()) else {
        return Err(PortalError::Login("Identity Center registered no client: try again".into()));
    };
    Ok(Registration {
        client_id: client_id.to_string(),
        client_secret: Secret::new(client_secret),
        expires_at: DateTime::from_timestamp(client.client_secret_expires_at(), 0),
    })
}

/// The token `CreateToken` answered, or why there is none.
fn token(answer: &aws_sdk_ssooidc::operation::create_token::CreateTokenOutput) -> Result<Token, PortalError> {
    let Some(access_token) = answer.access_token().map(Secret::new) else {
        return Err(PortalError::Login("Identity Center answered without a token: try again".into()));
    };
    Ok(Token { access_token, expires_in: answer.expires_in(), refresh_token: answer.refresh_token().map(Secret::new) })
}
