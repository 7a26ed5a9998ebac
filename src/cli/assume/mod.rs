//! `orgscope assume ACCOUNT`: credentials for one account ([`obtain`]), every way users take them
//! ([`deliver`]): exports for a shell, a profile in the credentials file, a sub-process, the
//! console, `credential_process`.

mod deliver;
mod locate;
mod obtain;

pub use deliver::exec;
pub use obtain::refusal;

use super::args::{AssumeArgs, Via};
use super::context::Context;
use super::failure::Failure;

pub async fn run(cx: &Context, args: &AssumeArgs) -> Result<u8, Failure> {
    check(cx, args)?;
    let (credentials, account_name) = obtain::credentials(cx, args).await?;
    let region = export_region(cx, &credentials).await?;
    if let Some(name) = &args.write_profile {
        return deliver::write_profile(cx, name, &credentials);
    }
    if args.console {
        return deliver::console(cx, args, &credentials, &account_name, region.as_deref());
    }
    if args.exec {
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr(),
            format_args!("running with {}\n", credentials.life_left()),
        );
        return exec(&credentials, region.as_deref(), &args.command);
    }
    deliver::exports(cx, args, &credentials, region.as_deref())
}

/// The region exports name: `--region`; for a portal role the profile's (else the demo's); for a
/// role the source's, read without making it when AWS is the source.
async fn export_region(cx: &Context, credentials: &crate::model::TempCredentials) -> Result<Option<String>, Failure> {
    if credentials.sso_role.is_some() {
        return Ok(cx.export_region());
    }
    if cx.mode() == super::context::Mode::Live {
        return Ok(cx.region_offline().or_else(|| Some(crate::source::aws::FALLBACK_REGION.to_string())));
    }
    Ok(cx.flags.region.clone().or(cx.source().await?.region()))
}

/// What can be refused before any AWS call: an id that is not twelve digits, a portal role with
/// the role alone, a destination that is none.
fn check(cx: &Context, args: &AssumeArgs) -> Result<(), Failure> {
    if args.account.bytes().all(|b| b.is_ascii_digit()) && args.account.len() != 12 {
        return Err(Failure::usage(format!(
            "{:?} is not an account id: an account id has 12 digits (or give the name)",
            args.account
        )));
    }
    if args.via == Via::Role && args.sso_role.is_some() {
        return Err(Failure::usage(
            "--sso-role cannot be used with --via role: a portal role is taken through Identity Center (--via sso or auto)",
        ));
    }
    if args.console
        && let Some(destination) = deliver::destination(cx, args)
    {
        crate::export::console::check_destination(&destination).map_err(Failure::usage)?;
    }
    Ok(())
}
