//! The fake's AWS access portal (`sso`, restJson1: `GET /assignment/accounts`,
//! `/assignment/roles`, `/federation/credentials`, `POST /logout`, the token in
//! `x-amz-sso_bearer_token`) and its OIDC sign-in (`sso-oidc`, restJson1: `POST /client/register`,
//! `/device_authorization`, `/token`; and the browser's `GET /authorize`, which is not in the
//! model: it answers 302 to the redirect URI with `code` and `state`, as Identity Center does once
//! the user approves). Shapes from the AWS SDK models: `accountList`/`roleList`/`nextToken`,
//! `roleCredentials` with `expiration` in epoch milliseconds, `AuthorizationPendingException`
//! and `SlowDownException` while the device code waits, `InvalidGrantException` for a code, a
//! verifier or a redirect that does not match, `UnauthorizedException` (401) for a token it did
//! not issue, `TooManyRequestsException` (429) when throttled.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Value, json};

use super::{Answer, Canned, State};

/// What the portal and its sign-in hold.
#[derive(Debug, Clone)]
pub struct FakePortal {
    /// Account id → the roles the signed-in user holds there; the portal lists these accounts.
    pub roles: BTreeMap<String, Vec<String>>,
    /// Access tokens the portal accepts.
    pub valid_tokens: HashSet<String>,
    /// The token `CreateToken` hands out, and the refresh token with it.
    pub issued_token: String,
    pub refresh_token: String,
    /// `CreateToken` answers `authorization_pending` this many times, then `slow_down` this many.
    pub pending: u32,
    pub slow_downs: u32,
    /// The device authorization's polling interval, in seconds.
    pub interval: i64,
    /// The largest page the listings answer.
    pub page: usize,
    /// Accounts whose roles cannot be listed.
    pub role_errors: HashMap<String, Canned>,
    /// The signed-in user (in the role session's ARN).
    pub user: String,
    /// Credentials handed out: access key → (account, role).
    pub issued: Vec<(String, String, String)>,
    /// `/authorize` sends the browser back with another state than it was given (a forged redirect).
    pub wrong_state: bool,
    /// Codes `/authorize` handed out: code → (client id, redirect URI, S256 challenge).
    pub codes: HashMap<String, (String, String, String)>,
    /// Tokens the portal's `Logout` ended.
    pub logged_out: Vec<String>,
}

impl Default for FakePortal {
    fn default() -> FakePortal {
        FakePortal {
            roles: BTreeMap::new(),
            valid_tokens: HashSet::new(),
            issued_token: "portal-access-token-7f3c9a1e5b".into(),
            refresh_token: "portal-refresh-token-2d8e4b6a0c".into(),
            pending: 0,
            slow_downs: 0,
            interval: 1,
            page: 100,
            role_errors: HashMap::new(),
            user: "jane@example.com".into(),
            issued: Vec::new(),
            wrong_state: false,
            codes: HashMap::new(),
            logged_out: Vec::new(),
        }
    }
}

fn unauthorized() -> Answer {
    Answer::Error(Canned::new(401, "UnauthorizedException", "Session token not found or invalid"))
}

fn page_of<T: Clone>(items: &[T], params: &Value, page: usize) -> (Vec<T>, Option<String>) {
    let start =
        params["next_token"].as_str().and_then(|t| t.strip_prefix("page-")).and_then(|t| t.parse().ok()).unwrap_or(0);
    let asked = params["max_result"].as_str().and_then(|m| m.parse::<usize>().ok()).unwrap_or(page);
    let size = asked.min(page).max(1);
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| format!("page-{end}"));
    (items.get(start..end).map(<[T]>::to_vec).unwrap_or_default(), next)
}

/// The portal's three reads. `params` holds the query and the bearer token as `token`.
pub fn portal(state: &mut State, op: &str, params: &Value) -> Answer {
    let token = params["token"].as_str().unwrap_or_default();
    if !state.portal.valid_tokens.contains(token) {
        return unauthorized();
    }
    let name_of = |state: &State, id: &str| {
        state
            .org
            .accounts
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| format!("account-{id}"))
    };
    match op {
        "ListAccounts" => {
            let ids: Vec<String> = state.portal.roles.keys().cloned().collect();
            let (ids, next) = page_of(&ids, params, state.portal.page);
            let list: Vec<Value> = ids
                .iter()
                .map(|id| json!({"accountId": id, "accountName": name_of(state, id), "emailAddress": format!("{id}@example.com")}))
                .collect();
            Answer::Ok(json!({"accountList": list, "nextToken": next}))
        }
        "ListAccountRoles" => {
            let account = params["account_id"].as_str().unwrap_or_default();
            if let Some(canned) = state.portal.role_errors.get(account) {
                return Answer::Error(canned.clone());
            }
            let roles = state.portal.roles.get(account).cloned().unwrap_or_default();
            let (roles, next) = page_of(&roles, params, state.portal.page);
            let list: Vec<Value> = roles.iter().map(|r| json!({"roleName": r, "accountId": account})).collect();
            Answer::Ok(json!({"roleList": list, "nextToken": next}))
        }
        "GetRoleCredentials" => {
            let account = params["account_id"].as_str().unwrap_or_default().to_string();
            let role = params["role_name"].as_str().unwrap_or_default().to_string();
            if !state.portal.roles.get(&account).is_some_and(|roles| roles.contains(&role)) {
                return Answer::Error(Canned::new(403, "ForbiddenException", "No access"));
            }
            let n = state.issued.len();
            let access_key = format!("ASIAPORTAL{n:010}");
            let secret = format!("portal-secret-{n}-{account}");
            let arn = format!(
                "arn:aws:sts::{account}:assumed-role/AWSReservedSSO_{role}_a1b2c3d4e5f60718/{}",
                state.portal.user
            );
            state.issued.insert(access_key.clone(), arn);
            state.issued_secrets.push(secret.clone());
            state.portal.issued.push((access_key.clone(), account, role));
            let expiration = (chrono::Utc::now() + chrono::Duration::hours(1)).timestamp_millis();
            Answer::Ok(json!({"roleCredentials": {
                "accessKeyId": access_key,
                "secretAccessKey": secret,
                "sessionToken": format!("portal-session-{n}"),
                "expiration": expiration,
            }}))
        }
        "Logout" => {
            state.portal.valid_tokens.remove(token);
            state.portal.logged_out.push(token.to_string());
            Answer::Ok(json!({}))
        }
        _ => Answer::Error(Canned::new(404, "UnknownOperationException", &format!("sso:{op} is not faked"))),
    }
}

/// The browser's `GET /authorize`: the user approves at once; the redirect carries a fresh code
/// (and the state, or another one when `wrong_state`). Returns the Location, or why the request is bad.
pub fn authorize(state: &mut State, query: &BTreeMap<String, String>) -> Result<String, String> {
    let get = |key: &str| query.get(key).cloned().ok_or_else(|| format!("{key} is missing"));
    if get("response_type")? != "code" || get("code_challenge_method")? != "S256" {
        return Err("response_type must be code and code_challenge_method S256".into());
    }
    let (client_id, redirect, challenge, sent_state) =
        (get("client_id")?, get("redirect_uri")?, get("code_challenge")?, get("state")?);
    let port_ok = redirect
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix("/oauth/callback"))
        .is_some_and(|port| port.parse::<u16>().is_ok());
    if !port_ok {
        return Err(format!("redirect_uri {redirect} is not the registered loopback redirect"));
    }
    if get("scopes")?.is_empty() {
        return Err("scopes is missing".into());
    }
    let code = format!("fake-auth-code-{}", state.portal.codes.len());
    state.portal.codes.insert(code.clone(), (client_id, redirect.clone(), challenge));
    let returned =
        if state.portal.wrong_state { "5a5a5a5a-0000-4000-8000-forged000000".to_string() } else { sent_state };
    let query: String =
        serde_urlencoded::to_string([("code", code.as_str()), ("state", returned.as_str())]).unwrap_or_default();
    Ok(format!("{redirect}?{query}"))
}

/// `CreateToken` with `grant_type=authorization_code`: the code must be one `/authorize` gave this
/// client for this redirect, and SHA-256 of the verifier its challenge.
fn authorization_code(portal: &mut FakePortal, params: &Value) -> Answer {
    use base64::Engine;
    use sha2::Digest;
    let invalid = |why: &str| Answer::Error(Canned::new(400, "InvalidGrantException", why));
    let code = params["code"].as_str().unwrap_or_default();
    let Some((client_id, redirect, challenge)) = portal.codes.remove(code) else {
        return invalid("Invalid authorization code");
    };
    if params["clientId"].as_str() != Some(client_id.as_str()) {
        return invalid("The code was issued to another client");
    }
    if params["redirectUri"].as_str() != Some(redirect.as_str()) {
        return invalid("redirectUri does not match the authorization request");
    }
    let verifier = params["codeVerifier"].as_str().unwrap_or_default();
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    if verifier.len() < 43 || computed != challenge {
        return invalid("Code verifier does not match the code challenge");
    }
    issue_token(portal)
}

/// The token (and its refresh token), from now on accepted by the portal.
fn issue_token(portal: &mut FakePortal) -> Answer {
    portal.valid_tokens.insert(portal.issued_token.clone());
    Answer::Ok(json!({
        "accessToken": portal.issued_token,
        "tokenType": "Bearer",
        "expiresIn": 28800,
        "refreshToken": portal.refresh_token,
    }))
}

/// The OIDC sign-in: registration, device authorization, and the token (device code or refresh).
pub fn oidc(state: &mut State, op: &str, params: &Value) -> Answer {
    let now = chrono::Utc::now().timestamp();
    match op {
        "RegisterClient" => Answer::Ok(json!({
            "clientId": "fake-client-id",
            "clientSecret": "fake-client-secret-9a8b7c",
            "clientIdIssuedAt": now,
            "clientSecretExpiresAt": now + 90 * 86_400,
        })),
        "StartDeviceAuthorization" => Answer::Ok(json!({
            "deviceCode": "fake-device-code",
            "userCode": "WXYZ-1234",
            "verificationUri": "https://device.sso.eu-west-1.amazonaws.com/",
            "verificationUriComplete": "https://device.sso.eu-west-1.amazonaws.com/?user_code=WXYZ-1234",
            "expiresIn": 600,
            "interval": state.portal.interval,
        })),
        "CreateToken" => {
            let portal = &mut state.portal;
            let grant = params["grantType"].as_str().unwrap_or_default();
            if grant == "refresh_token" {
                if params["refreshToken"].as_str() != Some(portal.refresh_token.as_str()) {
                    return Answer::Error(Canned::new(400, "InvalidGrantException", "Invalid refresh token"));
                }
                let token = format!("{}-refreshed", portal.issued_token);
                portal.valid_tokens.insert(token.clone());
                return Answer::Ok(json!({"accessToken": token, "tokenType": "Bearer", "expiresIn": 28800}));
            }
            if grant == "authorization_code" {
                return authorization_code(portal, params);
            }
            if params["deviceCode"].as_str() != Some("fake-device-code") {
                return Answer::Error(Canned::new(400, "InvalidGrantException", "Invalid device code provided"));
            }
            if portal.pending > 0 {
                portal.pending -= 1;
                return Answer::Error(Canned::new(
                    400,
                    "AuthorizationPendingException",
                    "Authorization is still pending",
                ));
            }
            if portal.slow_downs > 0 {
                portal.slow_downs -= 1;
                return Answer::Error(Canned::new(400, "SlowDownException", "Client is polling too quickly"));
            }
            issue_token(portal)
        }
        _ => Answer::Error(Canned::new(404, "UnknownOperationException", &format!("sso-oidc:{op} is not faked"))),
    }
}

/// The operation a REST path names, for the portal and OIDC.
pub fn route(method: &str, path: &str) -> Option<(&'static str, &'static str)> {
    match (method, path) {
        ("GET", "/assignment/accounts") => Some(("portal", "ListAccounts")),
        ("GET", "/assignment/roles") => Some(("portal", "ListAccountRoles")),
        ("GET", "/federation/credentials") => Some(("portal", "GetRoleCredentials")),
        ("POST", "/logout") => Some(("portal", "Logout")),
        ("POST", "/client/register") => Some(("oidc", "RegisterClient")),
        ("POST", "/device_authorization") => Some(("oidc", "StartDeviceAuthorization")),
        ("POST", "/token") => Some(("oidc", "CreateToken")),
        _ => None,
    }
}
