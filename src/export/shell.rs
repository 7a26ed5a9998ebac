//! Temporary credentials written for the place the user takes them: shells (`sh` for bash and zsh,
//! `fish`, `powershell`, `cmd`), `.env` files, JSON, and `credential_process`. Values are quoted so
//! no byte of them can run as code. Expired credentials are refused here, once, for every format.

use clap::ValueEnum;
use serde_json::json;

use crate::model::TempCredentials;
use crate::text::visible;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// bash and zsh: `export NAME='value'`
    Sh,
    Fish,
    Powershell,
    Cmd,
    Dotenv,
    /// The contract's JSON object
    Json,
    /// `{"Version":1,…}` for `credential_process` in ~/.aws/config
    CredentialProcess,
}

impl Format {
    /// The shell format for `init`'s shells and the `$SHELL` of the TUI's user.
    pub fn for_shell(shell: &str) -> Format {
        let name = shell.rsplit('/').next().unwrap_or(shell);
        match name {
            "fish" => Format::Fish,
            "pwsh" | "powershell" | "pwsh.exe" | "powershell.exe" => Format::Powershell,
            "cmd" | "cmd.exe" => Format::Cmd,
            _ => Format::Sh,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the credentials for {account} expired at {expiration}: switch role again")]
    Expired { account: String, expiration: String },
    /// cmd.exe has no way to quote `%`, `!`, `"` or a line break inside a value.
    #[error(
        "{variable} holds a character cmd.exe cannot take literally (% ! \" or a line break): use --format powershell"
    )]
    Unquotable { variable: &'static str },
}

/// The variables a shell export (or a child process) gets, in order.
pub fn variables(credentials: &TempCredentials, region: Option<&str>) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID", credentials.access_key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key.expose().to_string()),
        ("AWS_SESSION_TOKEN", credentials.session_token.expose().to_string()),
        ("AWS_SESSION_EXPIRATION", rfc3339(credentials)),
    ];
    if let Some(region) = region {
        vars.push(("AWS_REGION", region.to_string()));
        vars.push(("AWS_DEFAULT_REGION", region.to_string()));
    }
    vars
}

fn rfc3339(credentials: &TempCredentials) -> String {
    credentials.expiration.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `'value'` for POSIX shells: a single quote inside becomes `'\''`.
pub fn sh_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// `'value'` for fish: backslash and single quote are escaped.
fn fish_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

/// `'value'` for PowerShell: every single quote is doubled, the typographic ones too (PowerShell
/// ends a single-quoted string at `‘`, `’`, `‚` and `‛` as well).
fn powershell_quote(value: &str) -> String {
    let mut out = String::from("'");
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// `"value"` for dotenv files: backslash, double quote, `$`, newline and carriage return escaped.
fn dotenv_quote(value: &str) -> String {
    let escaped =
        value.replace('\\', r"\\").replace('"', "\\\"").replace('$', r"\$").replace('\n', r"\n").replace('\r', r"\r");
    format!("\"{escaped}\"")
}

/// `set "NAME=value"` for cmd.exe: inside the quotes `&`, `|`, `<`, `>`, `^`, `(`, `)` and spaces
/// are literal; `%` and `!` would still expand and `"` or a line break would end the command, and
/// cmd has no escape for them there, so such a value is refused rather than changed.
fn cmd_set(name: &'static str, value: &str) -> Result<String, ExportError> {
    if value.chars().any(|c| matches!(c, '"' | '%' | '!') || c.is_control()) {
        return Err(ExportError::Unquotable { variable: name });
    }
    Ok(format!("set \"{name}={value}\"\n"))
}

/// The exports in `format`. Refuses credentials that have already expired.
pub fn render(credentials: &TempCredentials, region: Option<&str>, format: Format) -> Result<String, ExportError> {
    if credentials.seconds_left(chrono::Utc::now()) <= 0 {
        return Err(ExportError::Expired { account: credentials.account_id.clone(), expiration: rfc3339(credentials) });
    }
    let label = if credentials.demo { "orgscope demo credentials: not valid anywhere" } else { "orgscope" };
    // A comment is one line: nothing in the role's name can start a second one.
    let comment = format!("{label}: {} until {}", visible(&credentials.role_arn), rfc3339(credentials));
    let vars = variables(credentials, region);
    let mut out = String::new();
    match format {
        Format::Sh => {
            out.push_str(&format!("# {comment}\n"));
            for (name, value) in &vars {
                out.push_str(&format!("export {name}={}\n", sh_quote(value)));
            }
            out.push_str("unset AWS_PROFILE\n");
        }
        Format::Fish => {
            out.push_str(&format!("# {comment}\n"));
            for (name, value) in &vars {
                out.push_str(&format!("set -gx {name} {}\n", fish_quote(value)));
            }
            out.push_str("set -e AWS_PROFILE\n");
        }
        Format::Powershell => {
            out.push_str(&format!("# {comment}\n"));
            for (name, value) in &vars {
                out.push_str(&format!("$Env:{name} = {}\n", powershell_quote(value)));
            }
            out.push_str("Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue\n");
        }
        Format::Cmd => {
            out.push_str(&format!("REM {comment}\n"));
            for (name, value) in &vars {
                out.push_str(&cmd_set(name, value)?);
            }
            out.push_str("set AWS_PROFILE=\n");
        }
        Format::Dotenv => {
            out.push_str(&format!("# {comment}\n"));
            for (name, value) in &vars {
                out.push_str(&format!("{name}={}\n", dotenv_quote(value)));
            }
        }
        Format::Json => {
            let value = json!({
                "account_id": credentials.account_id,
                "role_arn": credentials.role_arn,
                "access_key_id": credentials.access_key_id,
                "secret_access_key": credentials.secret_access_key.expose(),
                "session_token": credentials.session_token.expose(),
                "expiration": rfc3339(credentials),
                "region": region,
                "via": credentials.via(),
                "sso_role": credentials.sso_role,
            });
            out = format!("{value:#}\n");
        }
        Format::CredentialProcess => {
            let value = json!({
                "Version": 1,
                "AccessKeyId": credentials.access_key_id,
                "SecretAccessKey": credentials.secret_access_key.expose(),
                "SessionToken": credentials.session_token.expose(),
                "Expiration": rfc3339(credentials),
            });
            out = format!("{value}\n");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Secret;

    fn credentials(secret: &str) -> TempCredentials {
        TempCredentials {
            account_id: "222222222222".into(),
            role_arn: "arn:aws:iam::222222222222:role/R".into(),
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new(secret),
            session_token: Secret::new("tok/en+=="),
            expiration: chrono::Utc::now() + chrono::Duration::hours(1),
            chained: false,
            demo: false,
            sso_role: None,
        }
    }

    #[test]
    fn sh_quotes_every_value_and_unsets_the_profile() {
        let text = render(&credentials("it's $(rm -rf /)"), Some("eu-west-1"), Format::Sh).expect("fresh");
        assert!(text.contains(r"export AWS_SECRET_ACCESS_KEY='it'\''s $(rm -rf /)'"), "{text}");
        assert!(text.contains("export AWS_REGION='eu-west-1'\nexport AWS_DEFAULT_REGION='eu-west-1'\n"));
        assert!(text.contains("export AWS_SESSION_EXPIRATION='"));
        assert!(text.ends_with("unset AWS_PROFILE\n"));
    }

    #[test]
    fn no_region_no_region_variables() {
        let text = render(&credentials("s"), None, Format::Sh).expect("fresh");
        assert!(!text.contains("AWS_REGION"));
    }

    #[test]
    fn fish_powershell_and_dotenv_escape_their_own_way() {
        let nasty = r"a'b\c$d";
        let fish = render(&credentials(nasty), None, Format::Fish).expect("fresh");
        assert!(fish.contains(r"set -gx AWS_SECRET_ACCESS_KEY 'a\'b\\c$d'"), "{fish}");
        let ps = render(&credentials(nasty), None, Format::Powershell).expect("fresh");
        assert!(ps.contains(r"$Env:AWS_SECRET_ACCESS_KEY = 'a''b\c$d'"), "{ps}");
        let env = render(&credentials(nasty), None, Format::Dotenv).expect("fresh");
        assert!(env.contains(r#"AWS_SECRET_ACCESS_KEY="a'b\\c\$d""#), "{env}");
    }

    #[test]
    fn json_and_credential_process_have_the_contract_shapes() {
        let json: serde_json::Value =
            serde_json::from_str(&render(&credentials("s"), Some("us-east-1"), Format::Json).expect("fresh"))
                .expect("JSON");
        let keys: Vec<&str> = json.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        assert_eq!(
            keys.len(),
            9,
            "account_id role_arn access_key_id secret_access_key session_token expiration region via sso_role: {keys:?}"
        );
        assert_eq!(json["region"], "us-east-1");
        assert_eq!((json["via"].as_str(), json["sso_role"].as_null()), (Some("role"), Some(())));
        let mut portal = credentials("s");
        portal.sso_role = Some("ReadOnly".into());
        let json: serde_json::Value =
            serde_json::from_str(&render(&portal, None, Format::Json).expect("fresh")).expect("JSON");
        assert_eq!((json["via"].as_str(), json["sso_role"].as_str()), (Some("sso"), Some("ReadOnly")));
        let process: serde_json::Value =
            serde_json::from_str(&render(&credentials("s"), None, Format::CredentialProcess).expect("fresh"))
                .expect("JSON");
        assert_eq!(process["Version"], 1);
        assert_eq!(process["SecretAccessKey"], "s");
        assert!(process["Expiration"].as_str().is_some_and(|e| e.ends_with('Z')));
    }

    #[test]
    fn expired_credentials_are_never_exported() {
        let mut expired = credentials("s");
        expired.expiration = chrono::Utc::now() - chrono::Duration::seconds(5);
        for format in Format::value_variants() {
            assert!(render(&expired, None, *format).is_err(), "{format:?}");
        }
    }

    /// Each shell's own metacharacters, in a secret, come back byte for byte from the real shell.
    #[test]
    fn bash_zsh_and_fish_read_back_every_metacharacter() {
        let nasty = "q'uo\"te $(touch /tmp/orgscope-pwned) `id` ${HOME} \\ ; & | < > * ? ~ # !x\nsecond\tline\u{2019}";
        for (shell, format) in [("bash", Format::Sh), ("zsh", Format::Sh), ("fish", Format::Fish)] {
            let text = render(&credentials(nasty), None, format).expect("fresh");
            let script = format!("{text}\nprintf '%s' \"$AWS_SECRET_ACCESS_KEY\"");
            let output = match std::process::Command::new(shell).arg("-c").arg(&script).output() {
                Ok(output) => output,
                Err(err) if std::env::var_os("CI").is_none() => {
                    eprintln!("skipping {shell} outside CI: {err}");
                    continue;
                }
                Err(err) => panic!("{shell} is needed (apt-get install {shell}): {err}"),
            };
            assert!(output.status.success(), "{shell}: {}", String::from_utf8_lossy(&output.stderr));
            assert_eq!(String::from_utf8_lossy(&output.stdout), nasty, "{shell} read back the secret");
        }
        assert!(!std::path::Path::new("/tmp/orgscope-pwned").exists(), "nothing ran");
    }

    #[test]
    fn powershell_doubles_every_kind_of_single_quote() {
        let ps = render(&credentials("a'b\u{2018}c\u{2019}d$e`f"), None, Format::Powershell).expect("fresh");
        assert!(ps.contains("$Env:AWS_SECRET_ACCESS_KEY = 'a''b\u{2018}\u{2018}c\u{2019}\u{2019}d$e`f'"), "{ps}");
    }

    #[test]
    fn cmd_keeps_its_operators_literal_and_refuses_what_it_cannot_quote() {
        let cmd = render(&credentials("a&b|c<d>e^f(g)h i"), None, Format::Cmd).expect("fresh");
        assert!(cmd.contains("set \"AWS_SECRET_ACCESS_KEY=a&b|c<d>e^f(g)h i\"\n"), "{cmd}");
        for bad in ["50%PATH%", "bang!x!", "quote\"&calc", "line\r\nset X=1"] {
            let err = render(&credentials(bad), None, Format::Cmd).expect_err(bad);
            assert!(matches!(err, ExportError::Unquotable { variable: "AWS_SECRET_ACCESS_KEY" }), "{bad:?}");
        }
    }

    #[test]
    fn dotenv_escapes_carriage_returns_and_the_comment_stays_one_line() {
        let mut creds = credentials("a\rb");
        creds.role_arn = "arn:aws:iam::2:role/R\n[profile evil]".into();
        let env = render(&creds, None, Format::Dotenv).expect("fresh");
        assert!(env.contains(r#"AWS_SECRET_ACCESS_KEY="a\rb""#), "{env}");
        assert!(env.starts_with("# orgscope: arn:aws:iam::2:role/R\\n[profile evil] until"), "{env}");
        assert!(!env.lines().any(|l| l == "[profile evil]"));
    }
}
