//! The AWS access portal through your own Identity Center sign-in: the token from the AWS CLI's
//! cache (read and refreshed by aws-config's [`SsoTokenProvider`]), `ListAccounts`,
//! `ListAccountRoles` and `GetRoleCredentials` (aws-sdk-sso), and the device-authorization login
//! ([`login`]). The token is held as a [`Secret`] and sent only to the portal.

pub mod login;

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_config::sso::SsoTokenProvider;
use aws_credential_types::provider::token::ProvideToken;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::StreamExt;

use super::AwsOptions;
use super::pace::Api;
use super::paging;
use super::retry::Caller;
use super::shared_config::{self, SharedConfig};
use crate::model::portal::PortalAccount;
use crate::model::{Secret, TempCredentials};
use crate::source::portal::{Portal, PortalError, PortalFn, SignIn};
use crate::text::Text;

/// The largest page the portal's listings answer.
const PAGE: i32 = 100;

pub struct AwsPortal {
    sign_in: SignIn,
    config: SdkConfig,
    token: SsoTokenProvider,
    sso: aws_sdk_sso::Client,
    calls: Caller,
}

impl std::fmt::Debug for AwsPortal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsPortal").field("sign_in", &self.sign_in).finish_non_exhaustive()
    }
}

/// The sign-in `--sso-session` (else the profile) names, from the shared config file.
pub fn sign_in(options: &AwsOptions, session: Option<&str>) -> Result<SignIn, PortalError> {
    let (config, path) = SharedConfig::load();
    SignIn::resolve(&config, path.as_deref(), session, &shared_config::profile_name(options.profile.as_deref()))
}

/// Signs out of the sign-in `session` (else the profile's) names, as `aws sso logout` does: the
/// portal's `Logout` with the token, then the token file deleted. A `Logout` the portal refuses
/// (the token has expired already) still deletes the file. Returns what was done, in a sentence.
pub async fn logout(options: &AwsOptions, session: Option<&str>) -> Result<String, PortalError> {
    let sign_in = sign_in(options, session)?;
    let path = sign_in
        .cache_path()
        .ok_or_else(|| PortalError::Login("no home directory to find the sign-in in: set HOME".into()))?;
    let label = match &sign_in.session {
        Some(name) => format!("sso-session {name}"),
        None => format!("profile {}", sign_in.profile),
    };
    let text = match std::fs::read(&path) {
        Ok(text) => zeroize::Zeroizing::new(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok(format!("not signed in to Identity Center ({label}): no token file to delete"));
        }
        Err(err) => return Err(PortalError::Login(format!("could not read {}: {err}", path.display()))),
    };
    let token = serde_json::from_slice::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("accessToken").and_then(|t| t.as_str()).map(Secret::new));
    let mut refused = String::new();
    if let Some(token) = token {
        let config = config_for(options, &sign_in.region).await;
        let sso = aws_sdk_sso::Client::new(&config);
        let calls = Caller::new(1, options.retry);
        if let Err(err) = calls.call(Api::Portal, || sso.logout().access_token(token.expose()).send()).await {
            let code = err.code().unwrap_or("unreachable").to_string();
            tracing::info!(%code, "the portal's Logout failed; the token file is deleted all the same");
            refused = format!(
                " (the portal's Logout answered {}; the file is deleted all the same)",
                crate::text::visible(&code)
            );
        }
    }
    std::fs::remove_file(&path)
        .map_err(|err| PortalError::Login(format!("could not delete {}: {err}", path.display())))?;
    Ok(format!("signed out of Identity Center ({label}){refused}; deleted {}", path.display()))
}

/// The SDK configuration for Identity Center's own region (the portal and OIDC live there).
pub(super) async fn config_for(options: &AwsOptions, region: &str) -> SdkConfig {
    let options = AwsOptions { region: Some(region.to_string()), ..options.clone() };
    super::load_config(&options).await
}

impl AwsPortal {
    /// The portal for the sign-in `session` (else the profile's) names. Nothing is called yet: a
    /// missing or expired token shows on the first call.
    pub async fn connect(options: &AwsOptions, session: Option<&str>) -> Result<AwsPortal, PortalError> {
        let sign_in = sign_in(options, session)?;
        let config = config_for(options, &sign_in.region).await;
        let token = SsoTokenProvider::builder()
            .configure(&config)
            .region(aws_config::Region::new(sign_in.region.clone()))
            .session_name(sign_in.cache_key())
            .start_url(sign_in.start_url.clone())
            .build()
            .await;
        Ok(AwsPortal {
            sso: aws_sdk_sso::Client::new(&config),
            calls: Caller::new(options.concurrency.max(1), options.retry),
            token,
            config,
            sign_in,
        })
    }

    pub fn stats(&self) -> &Arc<super::retry::CallStats> {
        self.calls.stats()
    }

    /// The access token: cached, refreshed by aws-config when it is about to expire.
    async fn token(&self) -> Result<Secret, PortalError> {
        match self.token.provide_token().await {
            Ok(token) => Ok(Secret::new(token.token())),
            Err(err) => {
                let cached = self.sign_in.cache_path().is_some_and(|p| p.exists());
                tracing::debug!(cached, error = %crate::source::aws::errors::chain(&err), "no usable Identity Center token");
                Err(PortalError::NotSignedIn {
                    what: if cached {
                        format!(
                            "the Identity Center sign-in for {} has expired and could not be refreshed",
                            self.label()
                        )
                    } else {
                        format!("you are not signed in to Identity Center ({})", self.label())
                    },
                    hint: self.sign_in.login_hint(),
                })
            }
        }
    }

    fn failure<E: ProvideErrorMetadata + std::error::Error + 'static>(
        &self,
        action: &'static str,
        err: SdkError<E, HttpResponse>,
    ) -> PortalError {
        match err.code() {
            Some("UnauthorizedException") => PortalError::NotSignedIn {
                what: format!(
                    "the access portal refused the sign-in for {} ({})",
                    self.label(),
                    crate::text::visible(err.message().unwrap_or("UnauthorizedException"))
                ),
                hint: self.sign_in.login_hint(),
            },
            Some(code) => {
                PortalError::Service { action, code: code.into(), message: err.message().unwrap_or_default().into() }
            }
            None => PortalError::Network { action, message: crate::source::aws::errors::chain(&err).into() },
        }
    }

    /// Why a paged listing stopped: the call's failure, or a paginator that would loop.
    fn listing_failure<E: ProvideErrorMetadata + std::error::Error + 'static>(
        &self,
        action: &'static str,
        err: paging::PageError<SdkError<E, HttpResponse>>,
    ) -> PortalError {
        match err {
            paging::PageError::Call(err) => self.failure(action, err),
            paging::PageError::Paging(message) => {
                PortalError::Service { action, code: "InvalidPagination".into(), message: message.into() }
            }
        }
    }

    /// Every account the portal lists (no roles yet).
    async fn list_accounts(&self, token: &Secret) -> Result<Vec<(String, Text)>, PortalError> {
        paging::collect(|next| async move {
            let page = self
                .calls
                .call(Api::Portal, || {
                    self.sso
                        .list_accounts()
                        .access_token(token.expose())
                        .max_results(PAGE)
                        .set_next_token(next.clone())
                        .send()
                })
                .await?;
            // An account id is used as it is (in ARNs, paths, the tree): anything but AWS's twelve
            // digits is dropped and logged in its visible form.
            let accounts = page.account_list().iter().filter_map(|a| {
                let id = a.account_id().unwrap_or_default();
                if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                    tracing::warn!(account_id = %crate::text::visible(id), "the portal listed an account id that is not one");
                    return None;
                }
                Some((id.to_string(), Text::from(a.account_name().unwrap_or(id))))
            });
            Ok((accounts.collect(), page.next_token().map(str::to_string)))
        })
        .await
        .map_err(|err| self.listing_failure("sso:ListAccounts", err))
    }

    /// One account's roles; a refused token fails the whole read, anything else only the account.
    async fn list_roles(&self, token: &Secret, account_id: &str) -> Result<Vec<Text>, PortalError> {
        let roles = paging::collect(|next| async move {
            let page = self
                .calls
                .call(Api::Portal, || {
                    self.sso
                        .list_account_roles()
                        .access_token(token.expose())
                        .account_id(account_id)
                        .max_results(PAGE)
                        .set_next_token(next.clone())
                        .send()
                })
                .await?;
            let roles = page.role_list().iter().filter_map(|r| r.role_name()).map(Text::from);
            Ok((roles.collect(), page.next_token().map(str::to_string)))
        })
        .await
        .map_err(|err| self.listing_failure("sso:ListAccountRoles", err))?;
        let mut roles: Vec<Text> = roles;
        roles.sort_by(|a, b| a.raw().to_lowercase().cmp(&b.raw().to_lowercase()).then_with(|| a.cmp(b)));
        roles.dedup();
        Ok(roles)
    }

    /// The ARN the credentials act as, asked of STS with them (the portal does not say it).
    async fn caller_arn(&self, credentials: &aws_credential_types::Credentials) -> Option<String> {
        let config = aws_sdk_sts::config::Builder::from(&self.config).credentials_provider(credentials.clone()).build();
        let sts = aws_sdk_sts::Client::from_conf(config);
        match self.calls.call(Api::Sts, || sts.get_caller_identity().send()).await {
            Ok(identity) => identity.arn().map(str::to_string),
            Err(err) => {
                tracing::debug!(error = %crate::source::aws::errors::chain(&err), "GetCallerIdentity with portal credentials failed");
                None
            }
        }
    }
}

#[async_trait]
impl Portal for AwsPortal {
    fn label(&self) -> String {
        match &self.sign_in.session {
            Some(name) => format!("sso-session {name}"),
            None => format!("profile {}", self.sign_in.profile),
        }
    }

    fn sign_in(&self) -> SignIn {
        self.sign_in.clone()
    }

    async fn account_list(&self) -> Result<Vec<(String, Text)>, PortalError> {
        let token = self.token().await?;
        self.list_accounts(&token).await
    }

    async fn roles(&self, account_id: &str) -> Result<Vec<Text>, PortalError> {
        let token = self.token().await?;
        self.list_roles(&token, account_id).await
    }

    async fn accounts(&self, found: PortalFn) -> Result<Vec<PortalAccount>, PortalError> {
        let token = self.token().await?;
        let listed = self.list_accounts(&token).await?;
        let token = &token;
        let mut reads = futures::stream::iter(listed.into_iter().map(|(account_id, account_name)| async move {
            let roles = self.list_roles(token, &account_id).await;
            (account_id, account_name, roles)
        }))
        .buffer_unordered(self.calls.concurrency());
        let mut accounts = Vec::new();
        while let Some((account_id, account_name, roles)) = reads.next().await {
            let account = match roles {
                Ok(roles) => PortalAccount { account_id, account_name, roles, error: None },
                Err(err @ PortalError::NotSignedIn { .. }) => return Err(err),
                Err(err) => {
                    PortalAccount { account_id, account_name, roles: Vec::new(), error: Some(err.to_string().into()) }
                }
            };
            found(&account);
            accounts.push(account);
        }
        accounts.sort_by(|a, b| {
            (a.account_name.raw().to_lowercase(), &a.account_id)
                .cmp(&(b.account_name.raw().to_lowercase(), &b.account_id))
        });
        Ok(accounts)
    }

    async fn credentials(&self, account_id: &str, role: &str) -> Result<TempCredentials, PortalError> {
        self.role_credentials(account_id, role, true).await
    }

    async fn foothold_credentials(&self, account_id: &str, role: &str) -> Result<TempCredentials, PortalError> {
        self.role_credentials(account_id, role, false).await
    }
}

impl AwsPortal {
    /// The portal's GetRoleCredentials; `ask_arn`: also ask STS who they are (for what is handed
    /// out and shown), else name the role as Identity Center does (a foothold needs no more).
    async fn role_credentials(
        &self,
        account_id: &str,
        role: &str,
        ask_arn: bool,
    ) -> Result<TempCredentials, PortalError> {
        let token = self.token().await?;
        let answer = self
            .calls
            .call(Api::Portal, || {
                self.sso
                    .get_role_credentials()
                    .access_token(token.expose())
                    .account_id(account_id)
                    .role_name(role)
                    .send()
            })
            .await
            .map_err(|err| self.failure("sso:GetRoleCredentials", err))?;
        let missing = || PortalError::Service {
            action: "sso:GetRoleCredentials",
            code: "IncompleteCredentials".into(),
            message: "the portal answered without credentials".into(),
        };
        let answered = answer.role_credentials().ok_or_else(missing)?;
        let (Some(access_key_id), Some(secret), Some(session_token)) =
            (answered.access_key_id(), answered.secret_access_key(), answered.session_token())
        else {
            return Err(missing());
        };
        // Never a made-up lifetime: an expiration out of range is an answer without credentials.
        let expiration = chrono::DateTime::from_timestamp_millis(answered.expiration()).ok_or_else(missing)?;
        let sdk_credentials = aws_credential_types::Credentials::new(
            access_key_id,
            secret,
            Some(session_token.to_string()),
            None,
            "orgscope-portal",
        );
        let asked = if ask_arn { self.caller_arn(&sdk_credentials).await } else { None };
        let role_arn = match asked {
            Some(arn) => arn,
            // Identity Center's roles are named AWSReservedSSO_<permission set>_<suffix>.
            None => {
                format!("arn:{}:sts::{account_id}:assumed-role/AWSReservedSSO_{role}", partition(&self.sign_in.region))
            }
        };
        Ok(TempCredentials {
            account_id: account_id.to_string(),
            role_arn,
            access_key_id: access_key_id.to_string(),
            secret_access_key: Secret::new(secret),
            session_token: Secret::new(session_token),
            expiration,
            chained: false,
            demo: false,
            sso_role: Some(role.to_string()),
        })
    }
}

/// The partition a region belongs to.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}
