//! `orgscope tree`: the organization as an indented tree a person reads, or the contract's JSON.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::Arc;

use futures::stream::{self, StreamExt};

use super::args::TreeFormat;
use super::context::Context;
use super::failure::{Failure, exit};
use crate::diagram::{Diagram, Kind};
use crate::model::{Account, Node, Org};
use crate::source::Source;

pub async fn run(cx: &Context, format: TreeFormat, with_tags: bool) -> Result<u8, Failure> {
    let source = cx.source().await?;
    let mut org = source.discover(Arc::new(|_| {})).await?;
    if with_tags {
        fill_tags(source.as_ref(), &mut org).await?;
    } else {
        for account in org.accounts_mut() {
            account.tags = None;
        }
    }
    let text = match format {
        TreeFormat::Json => serde_json::to_string_pretty(&org).map_err(Failure::runtime)? + "\n",
        TreeFormat::Text => render_text(&org),
        TreeFormat::Dot => Diagram::new(&org, None).render(Kind::Dot),
        TreeFormat::Mermaid => Diagram::new(&org, None).render(Kind::Mermaid),
        TreeFormat::Svg => Diagram::new(&org, None).render(Kind::Svg),
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|err| Failure::runtime(format!("could not write the tree: {err}")))?;
    warn_partial(&org);
    Ok(exit::OK)
}

/// Reads every account's tags, as many at once as the source allows.
async fn fill_tags(source: &dyn Source, org: &mut Org) -> Result<(), Failure> {
    let ids: Vec<String> = org.accounts().map(|a| a.id.clone()).collect();
    let results: Vec<_> =
        stream::iter(ids).map(|id| async move { (source.account_tags(&id).await, id) }).buffered(64).collect().await;
    let mut tags = std::collections::HashMap::new();
    for (result, id) in results {
        tags.insert(id, result?);
    }
    for account in org.accounts_mut() {
        account.tags = tags.remove(&account.id);
    }
    Ok(())
}

/// A partial tree is still printed; stderr says what is missing.
fn warn_partial(org: &Org) {
    let mut failures = Vec::new();
    for root in &org.roots {
        if let Some(error) = &root.error {
            failures.push(format!("{} ({}): {}: {}", root.name, root.id, error.code, error.message));
        }
    }
    org.walk(|_, node| {
        if let Node::Ou(ou) = node
            && let Some(error) = &ou.error
        {
            failures.push(format!("{} ({}): {}: {}", ou.name, ou.id, error.code, error.message));
        }
    });
    let mut stderr = std::io::stderr();
    for failure in failures {
        let _ = writeln!(stderr, "orgscope: warning: could not list all of {failure}");
    }
}

pub fn render_text(org: &Org) -> String {
    let mut out = String::new();
    let info = &org.organization;
    let _ = writeln!(
        out,
        "Organization {}  management account {}  feature set {}",
        info.id,
        info.management_account_id,
        info.feature_set.as_deref().unwrap_or("unknown")
    );
    let _ = writeln!(out, "Caller {}", org.caller.arn);
    for root in &org.roots {
        let accounts: usize = root.children.iter().map(Node::account_count).sum();
        let _ = writeln!(out, "\n{}  {}  ({accounts} accounts)", root.name, root.id);
        if let Some(error) = &root.error {
            let _ = writeln!(out, "  ⚠ {}: {}", error.code, error.message);
        }
        render_children(&root.children, "", &mut out);
    }
    out
}

fn render_children(children: &[Node], prefix: &str, out: &mut String) {
    for (i, node) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        let (branch, next) = if last { ("└── ", "    ") } else { ("├── ", "│   ") };
        match node {
            Node::Ou(ou) => {
                let _ = write!(out, "{prefix}{branch}{}  {}  ({} accounts)", ou.name, ou.id, node.account_count());
                if let Some(error) = &ou.error {
                    let _ = write!(out, "  ⚠ {}: {}", error.code, error.message);
                }
                out.push('\n');
                render_children(&ou.children, &format!("{prefix}{next}"), out);
            }
            Node::Account(account) => {
                let _ = writeln!(out, "{prefix}{branch}{}", account_text(account));
            }
        }
    }
}

fn account_text(account: &Account) -> String {
    let mut text = format!("{}  {}", account.name, account.id);
    if let Some(email) = &account.email {
        let _ = write!(text, "  {email}");
    }
    if let Some(status) = account.status.as_deref().filter(|s| *s != "ACTIVE") {
        let _ = write!(text, "  {status}");
    }
    if account.is_invited() {
        text.push_str("  invited");
    }
    if account.management {
        text.push_str("  ★ management");
    }
    if let Some(tags) = account.tags.as_ref().filter(|t| !t.is_empty()) {
        let tags: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = write!(text, "  [{}]", tags.join(", "));
    }
    text
}
