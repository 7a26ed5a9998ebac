//! Your own Identity Center sign-in on the command line: `login` (into the AWS CLI's token cache)
//! and `roles` (what the sign-in reaches). The portal itself comes from the [`Context`].

use std::io::Write;
use std::sync::Arc;

use super::args::RolesFormat;
use super::context::{Context, Mode};
use super::failure::{Failure, exit};
use crate::model::portal::{PortalAccount, role_rows};
use crate::source::aws::portal::login;

/// `orgscope login`.
pub async fn login(cx: &Context, no_browser: bool, use_device_code: bool) -> Result<u8, Failure> {
    let mut stderr = std::io::stderr();
    if cx.mode() == Mode::Demo {
        let _ =
            writeln!(stderr, "the demo is signed in as {} already: nothing to do", crate::source::snapshot::DEMO_USER);
        return Ok(exit::OK);
    }
    if let Mode::Snapshot(_) = cx.mode() {
        return Err(Failure::usage("login signs in to AWS: run it without --snapshot"));
    }
    let options = cx.aws_options();
    let sign_in = crate::source::aws::portal::sign_in(&options, cx.sso_session())?;
    let browser = cx.browser();
    let start_url = crate::text::visible(&sign_in.start_url).into_owned();
    let flow = if use_device_code { login::Flow::DeviceCode } else { login::Flow::AuthorizationCode };
    let signed =
        login::login(&options, sign_in, flow, |prompt| present(prompt, &start_url, &browser, no_browser)).await?;
    let label = match &signed.sign_in.session {
        Some(name) => format!("sso-session {name}"),
        None => format!("profile {}", signed.sign_in.profile),
    };
    let _ = writeln!(
        stderr,
        "signed in ({label}) until {}; the token is in {} (mode 0600)",
        signed.expires_at.format("%Y-%m-%d %H:%M UTC"),
        signed.path.display()
    );
    Ok(exit::OK)
}

/// Shows the sign-in page (opened, or printed with `--no-browser`) or the device code; false when
/// the page could not be opened, so that the sign-in falls back to the device code.
fn present(
    prompt: login::Prompt<'_>,
    start_url: &str,
    browser: &crate::export::browser::Browser,
    no_browser: bool,
) -> bool {
    let mut stderr = std::io::stderr();
    // The page and the code are what the user approves, not secrets; they are AWS's text.
    match prompt {
        login::Prompt::Browser(url) => {
            let shown = crate::text::visible(url);
            if no_browser {
                let _ = writeln!(
                    stderr,
                    "Sign in to Identity Center ({start_url}): open this page in a browser on this machine\n  {shown}"
                );
            } else if let Err(err) = browser.open(url, "Identity Center") {
                let _ = writeln!(stderr, "could not open a browser ({err}): signing in with a code instead");
                return false;
            } else {
                let _ = writeln!(
                    stderr,
                    "Sign in to Identity Center ({start_url}) in the browser that opened; if none did, open\n  {shown}\n(on another device: orgscope login --use-device-code)"
                );
            }
            let _ = writeln!(stderr, "waiting for the browser to come back…");
        }
        login::Prompt::Device(code) => {
            let url = crate::text::visible(&code.url);
            let _ = writeln!(
                stderr,
                "Sign in to Identity Center ({start_url}):\n  open {url}\n  and check that it shows the code {}",
                crate::text::visible(&code.user_code)
            );
            if !no_browser && let Err(err) = browser.open(&code.url, "Identity Center") {
                let _ = writeln!(stderr, "could not open a browser ({err}): open the URL above on any device");
            }
            let _ = writeln!(stderr, "waiting for the sign-in to be approved…");
        }
    }
    true
}

/// `orgscope logout [--sso]`.
pub async fn logout(cx: &Context, sso: bool) -> Result<u8, Failure> {
    let mut stderr = std::io::stderr();
    let store = crate::cache::CredentialStore::new(
        crate::cache::CredentialStore::default_dir().ok_or_else(|| Failure::runtime("no home directory: set HOME"))?,
        chrono::Duration::zero(),
    );
    let removed =
        store.clear().map_err(|err| Failure::runtime(format!("could not empty {}: {err}", store.dir().display())))?;
    let _ = writeln!(stderr, "forgot {removed} kept sessions ({})", store.dir().display());
    if !sso {
        return Ok(exit::OK);
    }
    match cx.mode() {
        Mode::Demo => {
            let _ = writeln!(stderr, "the demo's sign-in cannot be signed out of: nothing else to do");
            Ok(exit::OK)
        }
        Mode::Snapshot(_) => Err(Failure::usage("logout --sso signs out of AWS: run it without --snapshot")),
        Mode::Live => {
            let signed_out = crate::source::aws::portal::logout(&cx.aws_options(), cx.sso_session()).await?;
            let _ = writeln!(stderr, "{signed_out}");
            Ok(exit::OK)
        }
    }
}

/// `orgscope roles`.
pub async fn roles(cx: &Context, format: RolesFormat) -> Result<u8, Failure> {
    let portal = cx.portal().await?;
    let accounts = portal.accounts(Arc::new(|_| {})).await?;
    report_unlisted(&accounts);
    let rows = role_rows(&accounts);
    let text = match format {
        RolesFormat::Json => serde_json::to_string_pretty(&rows).map_err(Failure::runtime)? + "\n",
        RolesFormat::Text => {
            let width = rows.iter().map(|r| r.account_name.shown().chars().count()).max().unwrap_or(0);
            let mut out = String::new();
            for row in &rows {
                out.push_str(&format!("{}  {:<width$}  {}\n", row.account_id, row.account_name, row.role_name));
            }
            out
        }
    };
    std::io::stdout().write_all(text.as_bytes()).map_err(Failure::runtime)?;
    let _ = writeln!(
        std::io::stderr(),
        "{} roles in {} accounts through {}",
        rows.len(),
        accounts.iter().filter(|a| !a.roles.is_empty()).count(),
        portal.label()
    );
    Ok(exit::OK)
}

/// Accounts whose roles could not be listed, one line each on stderr.
pub fn report_unlisted(accounts: &[PortalAccount]) {
    for account in accounts {
        if let Some(error) = &account.error {
            let _ = writeln!(
                std::io::stderr(),
                "orgscope: the roles of {} ({}) could not be listed: {error}",
                account.account_name,
                account.account_id
            );
        }
    }
}
