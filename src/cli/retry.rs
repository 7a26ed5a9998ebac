//! `orgscope assignments retry REQUEST_ID [--yes]`: the one write orgscope makes. The request is
//! read back from Identity Center (its parameters exactly as AWS holds them), shown, confirmed on
//! the terminal (or by `--yes`), sent again, and followed to its final status.
//!
//! Without a terminal and without `--yes` nothing is read or sent: exit 2.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use super::args::RetryFormat;
use super::assignments::{render_text, row};
use super::context::Context;
use super::failure::{Failure, exit};
use crate::model::{AssignmentAttempt, AssignmentStatus, Operation, Text};

fn usage(message: impl Into<String>) -> Failure {
    Failure::usage(message.into())
}

pub async fn run(cx: &Context, request_id: &str, yes: bool, format: RetryFormat) -> Result<u8, Failure> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !yes && !interactive {
        return Err(usage(
            "retrying writes to AWS and needs a yes: run it on a terminal to be asked, or add --yes; nothing was sent",
        ));
    }
    let source = cx.source().await?;
    let sso_region = cx.flags.sso_region.as_deref();
    let Some(mut attempt) = source.assignment_request(sso_region, request_id).await? else {
        return Err(usage(format!(
            "Identity Center knows no request {}: `orgscope assignments --failed` lists the failed ones with their request ids",
            crate::text::visible(request_id)
        )));
    };
    // The organization names the account (and says which one is the management account, whose
    // failures have their own causes); without it the ids stay.
    let org = source.discover(Arc::new(|_| {})).await.ok();
    if let Some(org) = &org {
        crate::model::name_accounts(std::slice::from_mut(&mut attempt), org);
    }
    if let Err(why) = attempt.retryable() {
        return Err(usage(format!("request {} is {}: {why}", crate::text::visible(request_id), attempt.status.code())));
    }
    let question = question(&attempt);
    if !yes && !super::confirm(&format!("{question}Retry it? [y/N] "))? {
        return Err(usage("not retried; nothing was sent"));
    }
    let _ = writeln!(std::io::stderr(), "retrying {} {}…", attempt.operation.api(), crate::text::visible(request_id));
    let mut new = source.retry_assignment(sso_region, &attempt).await?;
    let management = org.map(|o| o.organization.management_account_id).unwrap_or_default();
    crate::remedy::assignment::explain(std::slice::from_mut(&mut new), &management);
    let text = match format {
        RetryFormat::Json => serde_json::to_string_pretty(&row(&new)).map_err(Failure::runtime)? + "\n",
        RetryFormat::Text => render_text(std::slice::from_ref(&new)),
    };
    super::print(&text)?;
    match new.status {
        AssignmentStatus::Succeeded => Ok(exit::OK),
        AssignmentStatus::InProgress => Err(Failure::runtime(format!(
            "the new request {} is still IN_PROGRESS: `orgscope assignments` shows how it ends",
            new.request_id.as_ref().map(Text::to_string).unwrap_or_default()
        ))),
        status => Err(Failure::runtime(format!(
            "the retry {}: {}",
            status.code(),
            new.failure_reason.as_ref().map(Text::to_string).unwrap_or_else(|| "no reason given".into())
        ))),
    }
}

/// What is about to be sent, named in full (visible form).
fn question(attempt: &AssignmentAttempt) -> String {
    let or_dash = |value: Option<String>| value.unwrap_or_else(|| "—".into());
    let mut out = format!("Send {} again to Identity Center:\n", attempt.operation.api());
    out.push_str(&format!("  account         {}\n", or_dash(attempt.account_label())));
    out.push_str(&format!("  permission set  {}\n", or_dash(attempt.permission_set_label())));
    if attempt.operation != Operation::Provision {
        out.push_str(&format!("  principal       {}\n", or_dash(attempt.principal_label())));
    }
    if let Some(reason) = &attempt.failure_reason {
        out.push_str(&format!("  it failed with  {reason}\n"));
    }
    out
}
