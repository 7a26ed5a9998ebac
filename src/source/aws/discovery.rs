//! Organization discovery: `ListRoots`, then for every root and OU `ListOrganizationalUnitsForParent`
//! and `ListAccountsForParent`, 20 a page. These are the fewest calls the API allows: no call lists
//! OUs across parents, and `ListAccountsForParent` returns the account details that `ListChildren`
//! would need a second call for. Every page is its own job, so an OU's children are listed as soon as
//! the page naming them arrives (the critical path is one call per level and page), and the
//! [`Caller`](super::retry::Caller)'s semaphore bounds what is in flight. The chain comes first:
//! OU listings and next pages start at once, while a parent's first accounts page waits for a free
//! slot when every slot is taken, so the calls that unlock more calls never queue behind leaves.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;

use futures::stream::{FuturesUnordered, StreamExt};

use super::pace::Api;
use super::{AwsSource, fatal, listing_error, to_chrono};
use crate::model::{Account, Caller, ListingError, Node, Org, OrgInfo, Ou, Root, Text, sort_children};
use crate::source::{DiscoveryProgress, ProgressFn, SourceError};

/// The API's largest page for these listings.
const PAGE_SIZE: i32 = 20;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ListingKind {
    Ous,
    Accounts,
}

/// What one parent (root or OU) has, as far as read.
#[derive(Debug, Default)]
struct Listing {
    ous: Vec<(String, String)>,
    accounts: Vec<Account>,
    error: Option<ListingError>,
    open: usize,
    guards: HashMap<ListingKind, super::paging::PageGuard>,
}

enum PageItems {
    Ous(Vec<(String, String)>),
    Accounts(Vec<Account>),
}

struct Page {
    parent: String,
    kind: ListingKind,
    result: Result<(PageItems, Option<String>), ListingError>,
}

type PageFuture<'a> = Pin<Box<dyn Future<Output = Page> + Send + 'a>>;

/// Who is calling, which organization, and its roots: the three calls every discovery starts with,
/// at once.
async fn begin(source: &AwsSource) -> Result<(Caller, OrgInfo, Vec<(String, String)>), SourceError> {
    let identity = source.calls.call(Api::Sts, || source.sts.get_caller_identity().send());
    let organization = source.calls.call(Api::Organizations, || source.organizations.describe_organization().send());
    let roots = list_roots(source);
    let (identity, organization, roots) = tokio::join!(identity, organization, roots);

    let identity = identity.map_err(|err| fatal("sts:GetCallerIdentity", "", err))?;
    let caller = Caller {
        account: identity.account().unwrap_or_default().to_string(),
        arn: identity.arn().unwrap_or_default().to_string(),
    };
    // Already set when an AssumeRole came first; the identity is the same.
    let _ = source.caller_arn.set(caller.arn.clone());
    let organization = organization.map_err(|err| fatal("organizations:DescribeOrganization", &caller.arn, err))?;
    let organization = organization.organization();
    let info = OrgInfo {
        id: organization.and_then(|o| o.id()).unwrap_or_default().to_string(),
        management_account_id: organization.and_then(|o| o.master_account_id()).unwrap_or_default().to_string(),
        feature_set: organization.and_then(|o| o.feature_set()).map(|f| f.as_str().to_string()),
    };
    let roots = roots.map_err(|err| {
        err.into_source("organizations:ListRoots", |err| fatal("organizations:ListRoots", &caller.arn, err))
    })?;
    Ok((caller, info, roots))
}

pub(super) async fn discover(source: &AwsSource, progress: ProgressFn) -> Result<Org, SourceError> {
    let (caller, info, roots) = begin(source).await?;
    let mut listings: HashMap<String, Listing> = HashMap::new();
    let mut pending: FuturesUnordered<PageFuture<'_>> = FuturesUnordered::new();
    let mut deferred: VecDeque<PageFuture<'_>> = VecDeque::new();
    let slots = source.calls.concurrency();
    let mut report = DiscoveryProgress::default();
    for (id, _) in &roots {
        start_parent(source, id, &mut listings, &mut pending, &mut deferred);
        report.parents_known += 1;
    }

    loop {
        while pending.len() < slots
            && let Some(job) = deferred.pop_front()
        {
            pending.push(job);
        }
        let Some(page) = pending.next().await else { break };
        let Some(listing) = listings.get_mut(&page.parent) else { continue };
        listing.open -= 1;
        let mut new_ous = Vec::new();
        match page.result {
            Ok((items, token)) => {
                match items {
                    PageItems::Ous(ous) => {
                        new_ous.extend(ous.iter().map(|(id, _)| id.clone()));
                        listing.ous.extend(ous);
                    }
                    PageItems::Accounts(accounts) => {
                        report.accounts_found += accounts.len();
                        listing.accounts.extend(accounts);
                    }
                }
                match listing.guards.entry(page.kind).or_default().next(token.as_deref()) {
                    Ok(true) => {
                        listing.open += 1;
                        pending.push(fetch_page(source, page.parent.clone(), page.kind, token));
                    }
                    Ok(false) => {}
                    Err(message) => {
                        listing.error =
                            Some(ListingError { code: "InvalidPagination".into(), message: message.into() });
                    }
                }
            }
            Err(error) => {
                tracing::warn!(parent = %page.parent, code = %error.code, "listing failed");
                listing.error.get_or_insert(error);
            }
        }
        if listing.open == 0 {
            report.parents_listed += 1;
        }
        for ou in new_ous {
            start_parent(source, &ou, &mut listings, &mut pending, &mut deferred);
            report.parents_known += 1;
        }
        report.throttled = source.stats().throttled();
        progress(report);
    }

    tracing::info!(
        calls = source.stats().calls(),
        throttled = source.stats().throttled(),
        parents = report.parents_known,
        accounts = report.accounts_found,
        "discovery finished"
    );
    let management = info.management_account_id.clone();
    let roots = roots
        .into_iter()
        .map(|(id, name)| {
            let (children, error) = build_children(&id, &mut listings, &management);
            Root { id, name: name.into(), children, error }
        })
        .collect();
    Ok(Org { organization: info, caller, roots })
}

fn start_parent<'a>(
    source: &'a AwsSource,
    parent: &str,
    listings: &mut HashMap<String, Listing>,
    pending: &mut FuturesUnordered<PageFuture<'a>>,
    deferred: &mut VecDeque<PageFuture<'a>>,
) {
    // An OU reported twice (by a broken server) is listed once.
    if listings.contains_key(parent) {
        return;
    }
    listings.insert(parent.to_string(), Listing { open: 2, ..Listing::default() });
    pending.push(fetch_page(source, parent.to_string(), ListingKind::Ous, None));
    deferred.push_back(fetch_page(source, parent.to_string(), ListingKind::Accounts, None));
}

fn fetch_page(source: &AwsSource, parent: String, kind: ListingKind, token: Option<String>) -> PageFuture<'_> {
    Box::pin(async move {
        let result = match kind {
            ListingKind::Ous => source
                .calls
                .call(Api::Organizations, || {
                    source
                        .organizations
                        .list_organizational_units_for_parent()
                        .parent_id(&parent)
                        .max_results(PAGE_SIZE)
                        .set_next_token(token.clone())
                        .send()
                })
                .await
                .map(|page| {
                    let ous = page
                        .organizational_units()
                        .iter()
                        .filter_map(|ou| Some((ou.id()?.to_string(), ou.name().unwrap_or_default().to_string())))
                        .collect();
                    (PageItems::Ous(ous), page.next_token().map(str::to_string))
                })
                .map_err(|err| listing_error(&err)),
            ListingKind::Accounts => source
                .calls
                .call(Api::Organizations, || {
                    source
                        .organizations
                        .list_accounts_for_parent()
                        .parent_id(&parent)
                        .max_results(PAGE_SIZE)
                        .set_next_token(token.clone())
                        .send()
                })
                .await
                .map(|page| {
                    let accounts = page.accounts().iter().filter_map(account_from_sdk).collect();
                    (PageItems::Accounts(accounts), page.next_token().map(str::to_string))
                })
                .map_err(|err| listing_error(&err)),
        };
        Page { parent, kind, result }
    })
}

fn account_from_sdk(account: &aws_sdk_organizations::types::Account) -> Option<Account> {
    let status =
        account.status().map(|s| s.as_str().to_string()).or_else(|| account.state().map(|s| s.as_str().to_string()));
    Some(Account {
        id: account.id()?.to_string(),
        name: account.name().unwrap_or_default().into(),
        email: account.email().map(Text::from),
        status,
        joined_method: account.joined_method().map(|m| m.as_str().to_string()),
        joined_at: account.joined_timestamp().and_then(to_chrono),
        tags: None,
        management: false,
    })
}

fn build_children(
    parent: &str,
    listings: &mut HashMap<String, Listing>,
    management: &str,
) -> (Vec<Node>, Option<ListingError>) {
    let Some(listing) = listings.remove(parent) else { return (Vec::new(), None) };
    let mut children: Vec<Node> = listing
        .ous
        .into_iter()
        .map(|(id, name)| {
            // Removing the listing as it is built makes a cycle from a broken server end here.
            let (children, error) = build_children(&id, listings, management);
            Node::Ou(Ou { id, name: name.into(), children, error })
        })
        .collect();
    children.extend(listing.accounts.into_iter().map(|mut account| {
        account.management = account.id == management;
        Node::Account(account)
    }));
    sort_children(&mut children);
    (children, listing.error)
}

type ListRootsError = super::paging::PageError<
    aws_smithy_runtime_api::client::result::SdkError<
        aws_sdk_organizations::operation::list_roots::ListRootsError,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
>;

async fn list_roots(source: &AwsSource) -> Result<Vec<(String, String)>, ListRootsError> {
    super::paging::collect(|token| async move {
        let page = source
            .calls
            .call(Api::Organizations, || {
                source.organizations.list_roots().max_results(PAGE_SIZE).set_next_token(token.clone()).send()
            })
            .await?;
        let roots =
            page.roots().iter().filter_map(|r| Some((r.id()?.to_string(), r.name().unwrap_or("Root").to_string())));
        Ok((roots.collect(), page.next_token().map(str::to_string)))
    })
    .await
}
