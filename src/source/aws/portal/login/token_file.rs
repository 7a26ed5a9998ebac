//! The sign-in's token file: the AWS CLI's cache (`~/.aws/sso/cache/<sha1>.json`), the same
//! name and fields, written atomically with mode 0600 in a 0700 directory, so `aws`, every AWS SDK
//! and aws-config's token provider read and refresh what `orgscope login` wrote.

use chrono::{DateTime, Utc};

use crate::model::Secret;
use crate::source::portal::SignIn;

pub(super) struct Refresh<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a Secret,
    pub registration_expires_at: Option<DateTime<Utc>>,
    pub refresh_token: Option<&'a Secret>,
}

pub(super) struct CachedToken<'a> {
    pub sign_in: &'a SignIn,
    pub access_token: &'a Secret,
    pub expires_at: DateTime<Utc>,
    pub refresh: Option<Refresh<'a>>,
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

pub(super) fn write_cache(path: &std::path::Path, token: &CachedToken<'_>) -> std::io::Result<()> {
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
