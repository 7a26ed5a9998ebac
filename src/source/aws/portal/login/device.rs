//! The device code (RFC 8628), as `aws sso login --use-device-code` runs it: register a public
//! client, start the device authorization, let the user approve the code in any browser, and poll
//! `CreateToken` (waiting while the answer is `authorization_pending`, five seconds slower on
//! `slow_down`).

use std::time::Duration;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::{Oidc, Prompt, Registration, Token, client_name, failed, scopes, token};
use crate::model::Secret;
use crate::source::aws::pace::Api;
use crate::source::portal::{PortalError, SignIn};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What the user approves: the page to open (code filled in), the plain page and the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCode {
    pub url: String,
    pub verification_uri: String,
    pub user_code: String,
}

const EXPIRED: &str = "the sign-in code expired before it was approved: run `orgscope login` again";

pub(super) async fn sign_in(
    oidc: &Oidc,
    sign_in: &SignIn,
    show: &mut impl FnMut(Prompt<'_>) -> bool,
) -> Result<(Registration, Token), PortalError> {
    // A session registers for its scopes and for refreshing; a legacy start URL, as the AWS CLI
    // does, for neither (its token is not refreshed).
    let mut register = oidc.client.register_client().client_name(client_name()).client_type("public");
    if sign_in.session.is_some() {
        register = register
            .set_scopes(Some(scopes(sign_in)))
            .grant_types(DEVICE_GRANT)
            .grant_types("refresh_token")
            .issuer_url(sign_in.start_url.clone());
    }
    let client = super::register(oidc, register).await?;
    let device = oidc
        .calls
        .call(Api::Portal, || {
            oidc.client
                .start_device_authorization()
                .client_id(&client.client_id)
                .client_secret(client.client_secret.expose())
                .start_url(sign_in.start_url.clone())
                .send()
        })
        .await
        .map_err(|err| failed("sso-oidc:StartDeviceAuthorization", &err))?;
    let Some(device_code) = device.device_code().map(Secret::new) else {
        return Err(PortalError::Login("Identity Center started no device authorization: try again".into()));
    };
    let verification_uri = device.verification_uri().unwrap_or_default().to_string();
    show(Prompt::Device(&DeviceCode {
        url: device.verification_uri_complete().unwrap_or(&verification_uri).to_string(),
        verification_uri: verification_uri.clone(),
        user_code: device.user_code().unwrap_or_default().to_string(),
    }));
    let interval = Duration::from_secs(u64::try_from(device.interval()).unwrap_or(5).max(1));
    let lifetime = Duration::from_secs(u64::try_from(device.expires_in()).unwrap_or(600).max(1));
    let answer = poll(oidc, &client, &device_code, interval, lifetime).await?;
    Ok((client, token(&answer)?))
}

/// `CreateToken` until the code is approved, denied or expired.
async fn poll(
    oidc: &Oidc,
    client: &Registration,
    device_code: &Secret,
    mut interval: Duration,
    lifetime: Duration,
) -> Result<aws_sdk_ssooidc::operation::create_token::CreateTokenOutput, PortalError> {
    let deadline = tokio::time::Instant::now() + lifetime;
    loop {
        tokio::time::sleep(interval).await;
        let answer = oidc
            .calls
            .call(Api::Portal, || {
                oidc.client
                    .create_token()
                    .grant_type(DEVICE_GRANT)
                    .device_code(device_code.expose())
                    .client_id(&client.client_id)
                    .client_secret(client.client_secret.expose())
                    .send()
            })
            .await;
        match answer {
            Ok(token) => return Ok(token),
            Err(err) => match err.code() {
                Some("AuthorizationPendingException") => {}
                Some("SlowDownException") => interval += Duration::from_secs(5),
                Some("ExpiredTokenException") => return Err(PortalError::Login(EXPIRED.into())),
                Some("AccessDeniedException") => {
                    return Err(PortalError::Login("the sign-in was denied: run `orgscope login` to try again".into()));
                }
                _ => return Err(failed("sso-oidc:CreateToken", &err)),
            },
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(PortalError::Login(EXPIRED.into()));
        }
    }
}
