//! The authorization code with PKCE (RFC 7636, S256), as `aws sso login` runs it since AWS CLI
//! 2.22: a public client registered for `authorization_code` and `refresh_token` with the loopback
//! redirect `http://127.0.0.1/oauth/callback` (any port, RFC 8252), the browser sent to
//! `/authorize` on the OIDC endpoint with a challenge and a random `state`, a one-shot listener on
//! 127.0.0.1 (a port the system picks) receiving the redirect, and `CreateToken` with the code and
//! the verifier. A redirect whose `state` is not the one sent is refused and nothing is written.
//! The verifier and the code are never logged.

use std::time::Duration;

use base64::Engine;
use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::{Oidc, Prompt, Registration, Token, client_name, failed, scopes, token};
use crate::model::Secret;
use crate::source::aws::AwsOptions;
use crate::source::aws::pace::Api;
use crate::source::portal::{PortalError, SignIn};

/// The redirect Identity Center is told about; the port is added for the browser and `CreateToken`.
const REDIRECT_WITHOUT_PORT: &str = "http://127.0.0.1/oauth/callback";

/// How long the browser has to come back, as the AWS CLI waits.
const WAIT: Duration = Duration::from_secs(600);

/// How long one connection to the listener may take to send its request.
const REQUEST_WAIT: Duration = Duration::from_secs(10);

/// The verifier's alphabet: RFC 3986's unreserved characters.
const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// `https://oidc.{region}.amazonaws.com`, or the endpoint the options (or the environment) name:
/// `/authorize` is on the same host as `/token`.
pub(super) async fn authorization_base(options: &AwsOptions, region: &str) -> Result<String, PortalError> {
    use aws_sdk_ssooidc::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
    let explicit = options.endpoint_url.clone().or_else(|| {
        ["AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    });
    if let Some(url) = explicit {
        return Ok(url.trim_end_matches('/').to_string());
    }
    let unresolved = |why: String| {
        PortalError::Login(format!(
            "Identity Center's sign-in endpoint in {region} is unknown ({why}): check sso_region"
        ))
    };
    let params = Params::builder().region(region).build().map_err(|err| unresolved(err.to_string()))?;
    let endpoint = DefaultResolver::new().resolve_endpoint(&params).await.map_err(|err| unresolved(err.to_string()))?;
    Ok(endpoint.url().trim_end_matches('/').to_string())
}

/// A 64-character verifier from the unreserved characters, from the system's CSPRNG.
fn verifier() -> Secret {
    use rand::RngExt;
    let mut rng = rand::rng();
    Secret::new((0..64).map(|_| char::from(UNRESERVED[rng.random_range(0..UNRESERVED.len())])).collect::<String>())
}

/// The S256 challenge: BASE64URL(SHA-256(verifier)), unpadded.
pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// A random version-4 UUID, as the AWS CLI's `state`.
fn state() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// The page the browser is sent to, with the AWS CLI's parameters in its order.
fn authorize_url(
    base: &str,
    client_id: &str,
    redirect: &str,
    state: &str,
    scopes: &[String],
    challenge: &str,
) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("state", state)
        .append_pair("code_challenge_method", "S256")
        .append_pair("scopes", &scopes.join(" "))
        .finish()
        .replace('+', "%20");
    format!("{base}/authorize?{query}&code_challenge={challenge}")
}

/// Signs in with the authorization code; None when no browser could be opened (the caller falls
/// back to the device code).
pub(super) async fn sign_in(
    oidc: &Oidc,
    sign_in: &SignIn,
    show: &mut impl FnMut(Prompt<'_>) -> bool,
) -> Result<Option<(Registration, Token)>, PortalError> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|err| {
        PortalError::Login(format!(
            "could not listen on 127.0.0.1 for the sign-in's redirect ({err}): run `orgscope login --use-device-code`"
        ))
    })?;
    let port = listener.local_addr().map_err(|err| PortalError::Login(err.to_string()))?.port();
    let redirect = format!("http://127.0.0.1:{port}/oauth/callback");
    let scopes = scopes(sign_in);
    let register = oidc
        .client
        .register_client()
        .client_name(client_name())
        .client_type("public")
        .grant_types("authorization_code")
        .grant_types("refresh_token")
        .redirect_uris(REDIRECT_WITHOUT_PORT)
        .issuer_url(sign_in.start_url.clone())
        .set_scopes(Some(scopes.clone()));
    let client = super::register(oidc, register).await?;
    let verifier = verifier();
    let state = state();
    let url = authorize_url(&oidc.base, &client.client_id, &redirect, &state, &scopes, &challenge(verifier.expose()));
    if !show(Prompt::Browser(&url)) {
        return Ok(None);
    }
    let (code, returned_state) = match tokio::time::timeout(WAIT, redirected(&listener)).await {
        Ok(answer) => answer?,
        Err(_) => {
            return Err(PortalError::Login(
                "the browser did not come back within 10 minutes: run `orgscope login` again (or `orgscope login --use-device-code`)".into(),
            ));
        }
    };
    drop(listener);
    if returned_state != state {
        return Err(PortalError::Login(
            "the sign-in's redirect carried another state than the one orgscope sent, so it is not this sign-in's: nothing was written; run `orgscope login` again".into(),
        ));
    }
    let answer = oidc
        .calls
        .call(Api::Portal, || {
            oidc.client
                .create_token()
                .grant_type("authorization_code")
                .client_id(&client.client_id)
                .client_secret(client.client_secret.expose())
                .code(code.expose())
                .redirect_uri(&redirect)
                .code_verifier(verifier.expose())
                .send()
        })
        .await
        .map_err(|err| match aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&err) {
            Some("ExpiredTokenException") => {
                PortalError::Login("the sign-in expired before it finished: run `orgscope login` again".into())
            }
            _ => failed("sso-oidc:CreateToken", &err),
        })?;
    Ok(Some((client, token(&answer)?)))
}

/// The page every request to the listener gets: what happened, and to go back to the terminal.
pub fn redirect_page(ok: bool) -> String {
    let (title, text) = match ok {
        true => ("Signed in", "orgscope is signed in to AWS. You can close this tab and return to the terminal."),
        false => ("Not signed in", "The sign-in did not finish. Return to the terminal to see why and try again."),
    };
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>orgscope: {title}</title></head>\
         <body style=\"font-family:sans-serif;margin:4em\"><h1>{title}</h1><p>{text}</p></body></html>"
    )
}

/// Serves the listener until a request brings a code and a state, or an error: `(code, state)`.
async fn redirected(listener: &TcpListener) -> Result<(Secret, String), PortalError> {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { continue };
        let Ok(Ok(target)) = tokio::time::timeout(REQUEST_WAIT, request_target(&mut stream)).await else {
            continue;
        };
        let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let mut code = None;
        let mut state = None;
        let mut error = None;
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "code" => code = Some(Secret::new(value.into_owned())),
                "state" => state = Some(value.into_owned()),
                "error" => error = Some(value.into_owned()),
                _ => {}
            }
        }
        let done = error.is_some() || (code.is_some() && state.is_some());
        if !done {
            // A favicon, a probe: answered, and the wait goes on.
            respond(&mut stream, false).await;
            continue;
        }
        respond(&mut stream, error.is_none()).await;
        if let Some(error) = error {
            return Err(PortalError::Login(format!(
                "Identity Center did not sign you in ({}): run `orgscope login` again",
                crate::text::visible(&error)
            )));
        }
        if let (Some(code), Some(state)) = (code, state) {
            return Ok((code, state));
        }
    }
}

/// The request line's target (`/oauth/callback?code=…`), read from at most 8 KiB of headers.
async fn request_target(stream: &mut tokio::net::TcpStream) -> std::io::Result<String> {
    let mut buffer = zeroize::Zeroizing::new(Vec::with_capacity(1024));
    let mut chunk = [0u8; 1024];
    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") && buffer.len() < 8192 {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let line = buffer.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Ok(target.to_string()),
        _ => Err(std::io::Error::other("not a GET request")),
    }
}

async fn respond(stream: &mut tokio::net::TcpStream, ok: bool) {
    let page = redirect_page(ok);
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_rfc_7636s() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_and_states_are_random_and_well_formed() {
        let (a, b) = (verifier(), verifier());
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().bytes().all(|c| UNRESERVED.contains(&c)));
        let s = state();
        assert_eq!(s.len(), 36);
        assert_eq!(s.as_bytes()[14], b'4', "version 4: {s}");
        assert_ne!(s, state());
    }

    #[test]
    fn the_authorize_url_has_the_aws_clis_parameters() {
        let url = authorize_url(
            "https://oidc.us-east-1.amazonaws.com",
            "CLIENTID123",
            "http://127.0.0.1:55555/oauth/callback",
            "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab",
            &["sso:account:access".to_string()],
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        );
        assert_eq!(
            url,
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=CLIENTID123&redirect_uri=http%3A%2F%2F127.0.0.1%3A55555%2Foauth%2Fcallback&state=6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[tokio::test]
    async fn the_real_endpoint_is_the_oidc_host() {
        let base = authorization_base(&AwsOptions::default(), "eu-west-1").await.unwrap_or_default();
        assert_eq!(base, "https://oidc.eu-west-1.amazonaws.com");
    }
}
