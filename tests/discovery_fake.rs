//! Discovery against the local fake endpoint: the real SDK clients over HTTP, generated
//! organizations, and the faults moto cannot produce (throttling storms, denied OUs, empty pages,
//! a NextToken that never changes, an account outside any organization).

mod common;

use orgscope::model::RawText;
use std::collections::BTreeMap;
use std::sync::Arc;

use common::fake_aws::{Canned, FakeAws, FakeOrg, Faults};
use orgscope::model::{Node, Org};
use orgscope::source::Source;
use orgscope::source::aws::AwsSource;

/// Account id → parent id, as discovered.
fn parents(org: &Org) -> BTreeMap<String, String> {
    fn walk(parent: &str, nodes: &[Node], out: &mut BTreeMap<String, String>) {
        for node in nodes {
            match node {
                Node::Account(a) => {
                    out.insert(a.id.clone(), parent.to_string());
                }
                Node::Ou(ou) => walk(&ou.id, &ou.children, out),
            }
        }
    }
    let mut out = BTreeMap::new();
    for root in &org.roots {
        walk(&root.id, &root.children, &mut out);
    }
    out
}

fn truth(org: &FakeOrg) -> BTreeMap<String, String> {
    org.accounts.iter().map(|a| (a.id.clone(), a.parent.clone())).collect()
}

async fn discover(fake: &FakeAws) -> (Org, Arc<orgscope::source::aws::retry::CallStats>) {
    let source = AwsSource::connect(fake.options()).await.expect("connect");
    let org = source.discover(Arc::new(|_| {})).await.expect("discovery succeeds");
    (org, source.stats().clone())
}

#[tokio::test]
async fn discovers_every_account_with_the_fewest_calls() {
    let org = FakeOrg::generate(250, 30, 4);
    let fake = FakeAws::start(org.clone());
    let (found, stats) = discover(&fake).await;

    assert_eq!(parents(&found), truth(&org), "every account under its own parent");
    assert_eq!(found.ou_count(), 30);
    assert_eq!(found.organization.management_account_id, org.management_id);
    let management: Vec<_> = found.accounts().filter(|a| a.management).map(|a| a.id.clone()).collect();
    assert_eq!(management, vec![org.management_id.clone()]);
    let sample = found.accounts().find(|a| a.id == org.accounts[1].id).expect("account 1");
    assert_eq!(sample.email.raw(), Some("aws+1@example.com"));
    assert_eq!(sample.joined_method.as_deref(), Some("INVITED"));
    assert_eq!(sample.status.as_deref(), Some("ACTIVE"));
    assert!(sample.joined_at.is_some());

    // The floor: GetCallerIdentity + DescribeOrganization + ListRoots, then per parent one OU
    // listing and ceil(accounts / 20) account pages (at least one).
    let calls = fake.calls();
    let mut per_parent: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &org.accounts {
        *per_parent.entry(a.parent.as_str()).or_default() += 1;
    }
    let parents_total = org.ous.len() + 1;
    let account_pages: usize = std::iter::once(org.root_id.as_str())
        .chain(org.ous.iter().map(|o| o.id.as_str()))
        .map(|p| per_parent.get(p).copied().unwrap_or(0).div_ceil(20).max(1))
        .sum();
    let expected = 3 + parents_total + account_pages;
    assert_eq!(calls.len(), expected, "calls made: {:?}", calls.iter().map(|c| &c.op).collect::<Vec<_>>());
    assert_eq!(stats.calls() as usize, expected);
    for call in calls.iter().filter(|c| c.op.ends_with("ForParent")) {
        assert_eq!(call.params["MaxResults"], 20, "page size 20 on {}", call.op);
    }
}

#[tokio::test]
async fn a_throttling_storm_slows_discovery_but_never_fails_it() {
    let org = FakeOrg::generate(120, 12, 3);
    let faults = Faults { throttle_first: 25, throttle_every: 3, ..Faults::default() };
    let fake = FakeAws::start_with(org.clone(), faults);
    let (found, stats) = discover(&fake).await;

    assert_eq!(parents(&found), truth(&org));
    assert!(stats.throttled() >= 25, "throttled {} times", stats.throttled());
    assert!(found.roots.iter().all(|r| r.error.is_none()));
}

#[tokio::test]
async fn a_denied_ou_becomes_an_error_node_while_the_rest_loads() {
    let org = FakeOrg::generate(60, 6, 2);
    let denied = org.ous[0].id.clone();
    let faults = Faults { deny_parents: [denied.clone()].into(), ..Faults::default() };
    let fake = FakeAws::start_with(org.clone(), faults);
    let (found, _) = discover(&fake).await;

    fn find<'a>(nodes: &'a [Node], id: &str) -> Option<&'a orgscope::model::Ou> {
        nodes.iter().find_map(|n| match n {
            Node::Ou(ou) if ou.id == id => Some(ou),
            Node::Ou(ou) => find(&ou.children, id),
            Node::Account(_) => None,
        })
    }
    let ou = find(&found.roots[0].children, &denied).expect("the denied OU is still in the tree");
    let error = ou.error.as_ref().expect("the denied OU carries its error");
    assert_eq!(error.code, "AccessDeniedException");
    assert!(error.message.raw().contains("permissions"), "{}", error.message);
    assert!(ou.children.is_empty());

    // Everything not under the denied OU is there.
    let hidden: Vec<&str> = org.ous.iter().filter(|o| o.parent == denied).map(|o| o.id.as_str()).collect();
    let expected: BTreeMap<String, String> =
        truth(&org).into_iter().filter(|(_, parent)| parent != &denied && !hidden.contains(&parent.as_str())).collect();
    assert_eq!(parents(&found), expected);
    assert!(!expected.is_empty());
}

#[tokio::test]
async fn empty_pages_with_a_next_token_are_followed() {
    let org = FakeOrg::generate(45, 4, 2);
    let faults = Faults { empty_pages: 2, ..Faults::default() };
    let fake = FakeAws::start_with(org.clone(), faults);
    let (found, _) = discover(&fake).await;
    assert_eq!(parents(&found), truth(&org));
    assert!(fake.calls_to("ListAccountsForParent").len() >= 3 * 5, "two empty pages before each listing");
}

#[tokio::test]
async fn a_next_token_that_never_changes_stops_with_an_error_on_that_ou() {
    let org = FakeOrg::generate(30, 3, 1);
    let looping = org.ous[1].id.clone();
    let faults = Faults { repeat_token_parents: [looping.clone()].into(), ..Faults::default() };
    let fake = FakeAws::start_with(org.clone(), faults);
    let (found, _) = discover(&fake).await;
    let ou = found.roots[0]
        .children
        .iter()
        .find_map(|n| match n {
            Node::Ou(ou) if ou.id == looping => Some(ou),
            _ => None,
        })
        .expect("looping OU present");
    assert_eq!(ou.error.as_ref().map(|e| e.code.raw()), Some("InvalidPagination"));
    assert!(fake.calls_to("ListAccountsForParent").len() < 20, "the loop was cut short");
}

fn home() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn with_test_credentials(command: &mut std::process::Command) -> &mut std::process::Command {
    command
        .env("AWS_ACCESS_KEY_ID", "AKIDFAKEFAKEFAKE")
        .env("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
        .env("AWS_REGION", "us-east-1")
}

#[test]
fn the_binary_reaches_the_endpoint_from_the_flag_and_from_aws_endpoint_url() {
    let org = FakeOrg::generate(25, 2, 1);
    let fake = FakeAws::start(org.clone());
    let home = home();

    let mut by_flag = common::orgscope_command(home.path());
    with_test_credentials(&mut by_flag).args(["tree", "--format", "json", "--endpoint-url", &fake.url()]);
    let out = by_flag.output().expect("run orgscope");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["organization"]["id"], org.org_id);

    let mut by_env = common::orgscope_command(home.path());
    with_test_credentials(&mut by_env).env("AWS_ENDPOINT_URL", fake.url()).args(["tree"]);
    let out = by_env.output().expect("run orgscope");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    for account in &org.accounts {
        assert!(text.contains(&account.id), "{} missing from\n{text}", account.id);
    }

    // The per-service variables, read by the SDK itself.
    let mut per_service = common::orgscope_command(home.path());
    with_test_credentials(&mut per_service)
        .env("AWS_ENDPOINT_URL_ORGANIZATIONS", fake.url())
        .env("AWS_ENDPOINT_URL_STS", fake.url())
        .args(["tree", "--format", "json"]);
    let out = per_service.output().expect("run orgscope");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn an_account_outside_any_organization_is_one_clear_sentence_and_exit_1() {
    let org = FakeOrg::generate(5, 1, 1);
    let faults = Faults {
        fail_ops: [(
            "DescribeOrganization".to_string(),
            Canned::new(400, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization."),
        )]
        .into(),
        ..Faults::default()
    };
    let fake = FakeAws::start_with(org.clone(), faults);
    let home = home();
    let mut command = common::orgscope_command(home.path());
    with_test_credentials(&mut command).args(["tree", "--endpoint-url", &fake.url()]);
    let out = command.output().expect("run orgscope");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("not a member of an AWS organization"), "{stderr}");
    assert!(stderr.contains("--demo") && stderr.contains("--profile"), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
}

#[test]
fn expired_credentials_are_one_clear_sentence_and_exit_1() {
    let org = FakeOrg::generate(5, 1, 1);
    let faults = Faults {
        fail_ops: [(
            "GetCallerIdentity".to_string(),
            Canned::new(403, "ExpiredToken", "The security token included in the request is expired"),
        )]
        .into(),
        ..Faults::default()
    };
    let fake = FakeAws::start_with(org, faults);
    let home = home();
    let mut command = common::orgscope_command(home.path());
    with_test_credentials(&mut command).args(["tree", "--endpoint-url", &fake.url()]);
    let out = command.output().expect("run orgscope");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("expired") && stderr.contains("log in again"), "{stderr}");
}

#[test]
fn no_credentials_at_all_is_one_clear_sentence_and_exit_1() {
    let home = home();
    let out = common::orgscope_command(home.path())
        .args(["tree", "--endpoint-url", "http://127.0.0.1:9"])
        .output()
        .expect("run orgscope");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("no AWS credentials") && stderr.contains("--demo"), "{stderr}");
}
