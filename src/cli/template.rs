//! `orgscope template KIND`: a fix as a ready file (trust policy, StackSet, scanner policy, fixer
//! policy).

use super::context::Context;
use super::failure::Failure;
use crate::model::lookup::is_account_id;

pub async fn run(
    cx: &Context,
    kind: crate::remedy::Template,
    management_account: Option<String>,
) -> Result<u8, Failure> {
    let management_account_id = match management_account {
        Some(id) if is_account_id(&id) => id,
        Some(id) => {
            return Err(Failure::usage(format!("--management-account {id:?} is not a 12-digit AWS account id")));
        }
        // The policies for your own identities name no account: no AWS call, no credentials needed.
        None if matches!(kind, crate::remedy::Template::ScannerPolicy | crate::remedy::Template::FixerPolicy) => {
            String::new()
        }
        None => cx.source().await?.management_account_id().await?,
    };
    let values = crate::remedy::TemplateValues {
        management_account_id,
        roles: cx.flags.roles.clone(),
        external_id: cx.flags.external_id.clone(),
    };
    super::print(&kind.render(&values))
}
