//! Where the account `assume` is asked for sits, read as cheaply as it can be: an id needs nothing
//! (its OU matters only when the config sets roles or external IDs per OU), a name is looked up in
//! the profile's cached run, and only a name the cache does not know makes orgscope read the
//! organization. The demo and a snapshot are read whole: they are local.

use std::io::Write;
use std::sync::Arc;

use super::super::context::{Context, Mode};
use super::super::failure::Failure;
use crate::model::lookup::{LookupError, is_account_id};
use crate::model::{Account, Text};
use crate::probe::ProbeTarget;

/// The account, and what the organization says around it when it was read.
pub struct Located {
    pub target: ProbeTarget,
    /// The management account (for hints); empty when the organization was not read.
    pub management_account_id: String,
    /// The caller's ARN, when discovery read it already.
    pub caller_arn: Option<String>,
}

/// An account known by its id alone: not known to be suspended, invited or created.
fn by_id_alone(id: &str) -> Located {
    let account = Account {
        id: id.to_string(),
        name: Text::from(id),
        email: None,
        status: None,
        joined_method: None,
        joined_at: None,
        tags: None,
        management: false,
    };
    Located {
        target: ProbeTarget { account, path: Vec::new() },
        management_account_id: String::new(),
        caller_arn: None,
    }
}

/// The account without reading anything: an id, when no OU-wide setting could apply to it.
pub fn without_reading(cx: &Context, wanted: &str) -> Option<Located> {
    (cx.mode() == Mode::Live && is_account_id(wanted) && cx.config.ous.is_empty()).then(|| by_id_alone(wanted))
}

/// The account: from the cached run (live), else from the organization read now.
pub async fn locate(cx: &Context, wanted: &str) -> Result<Located, Failure> {
    if let Some(run) = cx.cached_run() {
        let targets = ProbeTarget::all(&run.org);
        match ProbeTarget::find(&targets, wanted) {
            Ok(target) => {
                if !is_account_id(wanted) {
                    let _ = writeln!(
                        std::io::stderr(),
                        "{} is {} in the organization as read {} (orgscope probe reads it again)",
                        target.account.name,
                        target.account.id,
                        crate::text::ago(run.saved_at)
                    );
                }
                return Ok(Located {
                    target: target.clone(),
                    management_account_id: run.org.organization.management_account_id.clone(),
                    caller_arn: None,
                });
            }
            // An id the cache does not hold still names that account; its OU settings may not apply.
            Err(LookupError::Unknown { .. }) if is_account_id(wanted) && cx.config.ous.is_empty() => {
                return Ok(by_id_alone(wanted));
            }
            Err(_) => {}
        }
    } else if let Some(located) = without_reading(cx, wanted) {
        return Ok(located);
    }
    discovered(cx, wanted).await
}

/// An account known by its id alone, known better: from the cached run, else the organization
/// read now (to explain a refusal, when speed no longer matters); None when neither knows more.
pub async fn better(cx: &Context, located: &Located) -> Option<Located> {
    if located.target.account.name.raw() != located.target.account.id {
        return None;
    }
    let wanted = &located.target.account.id;
    if let Some(run) = cx.cached_run() {
        let targets = ProbeTarget::all(&run.org);
        if let Ok(target) = ProbeTarget::find(&targets, wanted) {
            let management_account_id = run.org.organization.management_account_id.clone();
            return Some(Located { target: target.clone(), management_account_id, caller_arn: None });
        }
    }
    discovered(cx, wanted).await.ok()
}

/// The account in the organization read now.
async fn discovered(cx: &Context, wanted: &str) -> Result<Located, Failure> {
    let source = cx.source().await?;
    let org = source.discover(Arc::new(|_| {})).await?;
    let targets = ProbeTarget::all(&org);
    let target = ProbeTarget::find(&targets, wanted)?;
    Ok(Located {
        target: target.clone(),
        management_account_id: org.organization.management_account_id.clone(),
        caller_arn: Some(org.caller.arn.clone()),
    })
}
