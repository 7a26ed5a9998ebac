//! The access map with what it means (Identity Center's users, groups, permission sets and
//! assignments; each set's policies and level; when each provisioned role was last used) against
//! the rate floor of its calls, with Identity Center limited to 20 calls a second shared by
//! sso-admin and the Identity Store and IAM to 20 a second in each account; a warm refresh after
//! 10 assignment changes against the cold read; one user's reach (`--principal`, three groups)
//! against its own floor; and the access view's frame and filter keystroke over every assignment,
//! as the tree's are measured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use orgscope::app::{App, Intent, Message, Settings};
use orgscope::model::identity::IdentityCenter;
use orgscope::probe::{AccountFootholds, CallerContext, ProbeSettings, ProbeTarget, Prober};
use orgscope::source::{AccessQuery, Source};

use crate::fake_aws::access::write_event;
use crate::fake_aws::{FakeAws, FakeOrg, Faults, RateLimit};
use crate::ui::{SIZE, frame_cost, keystroke};
use crate::{Bench, Target, secs};

const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-fake";

fn set_arn(n: usize) -> String {
    format!("arn:aws:sso:::permissionSet/ssoins-fake/ps-{n:04}")
}

/// The organization's Identity Center: `sets` permission sets, three provisioned to every account
/// (the first one stale everywhere), three groups holding each pair and a user one pair in three,
/// every user in three groups; each set made of AWS's AdministratorAccess, PowerUserAccess or
/// ReadOnlyAccess, or a customer-managed policy of its own, and each provisioned role used at
/// some time or never.
struct Shape {
    accounts: usize,
    sets: usize,
    groups: usize,
    users: usize,
}

impl Shape {
    const PER_ACCOUNT: usize = 3;

    fn install(&self, fake: &FakeAws, accounts: &[String]) -> usize {
        let mut state = fake.state();
        for n in 0..self.sets {
            state.permission_sets.insert(set_arn(n), format!("PermissionSet{n:02}"));
        }
        let access = &mut state.access;
        for (a, account) in accounts.iter().enumerate().take(self.accounts) {
            for j in 0..Self::PER_ACCOUNT {
                let set = (a + j * 7) % self.sets;
                access.provisioned.push((set_arn(set), account.clone(), set != 0));
                for k in 0..3 {
                    let group = format!("g-{:04}", (a * 5 + j + k * self.groups / 3) % self.groups);
                    access.assignments.push((account.clone(), set_arn(set), "GROUP".into(), group));
                }
                if (a + j) % 3 == 0 {
                    let user = format!("u-{:05}", (a * 13 + j) % self.users);
                    access.assignments.push((account.clone(), set_arn(set), "USER".into(), user));
                }
            }
        }
        for u in 0..self.users {
            access.users.push((
                format!("u-{u:05}"),
                format!("user{u:05}"),
                format!("User {u:05}"),
                format!("user{u:05}@example.com"),
            ));
            for k in 0..3 {
                access.memberships.push((format!("g-{:04}", (u * 3 + k * 101) % self.groups), format!("u-{u:05}")));
            }
        }
        for g in 0..self.groups {
            access.groups.push((format!("g-{g:04}"), format!("Group {g:04}")));
        }
        let managed = ["AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess"];
        for n in 0..self.sets {
            let mut policies = crate::fake_aws::access::FakeSetPolicies {
                session_duration: Some("PT1H".into()),
                ..Default::default()
            };
            if n % 7 == 3 {
                policies.customer.push(("/team/".into(), format!("Set{n:02}")));
            } else {
                policies.managed.push(format!("arn:aws:iam::aws:policy/{}", managed[n % 3]));
            }
            access.policies.insert(set_arn(n), policies);
        }
        let (assignments, provisioned) = (access.assignments.len(), access.provisioned.clone());
        for name in managed {
            let path = format!("{}/tests/fixtures/policies/{name}.json", env!("CARGO_MANIFEST_DIR"));
            let document = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
            state.iam.policies.insert(format!("arn:aws:iam::aws:policy/{name}"), ("v1".into(), document));
        }
        let write =
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#;
        for (i, (set, account, _)) in provisioned.iter().enumerate() {
            let n: usize = set.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or_default();
            if n % 7 == 3 {
                let arn = format!("arn:aws:iam::{account}:policy/team/Set{n:02}");
                state.iam.policies.insert(arn, ("v1".into(), write.into()));
            }
            let used = (i % 4 != 0).then(|| {
                let at = chrono::Utc::now() - chrono::TimeDelta::days((i % 200) as i64);
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            });
            let role = format!("AWSReservedSSO_PermissionSet{n:02}_0123456789abcdef");
            state.iam.sso_roles.entry(account.clone()).or_default().push((role, used));
        }
        assignments
    }
}

/// Identity Center calls answered since `since` (throttled ones are extra).
fn answered(fake: &FakeAws, since: Instant) -> usize {
    fake.calls().iter().filter(|c| c.at >= since && !c.failed && matches!(c.service, "sso" | "identitystore")).count()
}

fn count(fake: &FakeAws, since: Instant, op: &str) -> usize {
    fake.calls().iter().filter(|c| c.at >= since && c.op == op).count()
}

pub async fn run(bench: &mut Bench) {
    let shape = Shape {
        accounts: bench.size(30, 2_000),
        sets: bench.size(6, 40),
        groups: bench.size(8, 300),
        users: bench.size(20, 5_000),
    };
    // Identity Center's documented budget, which orgscope never exceeds, in the smoke run too.
    let rate = 20.0;
    let latency = Duration::from_millis(bench.size(2, 20));
    let org = FakeOrg::generate(shape.accounts, shape.accounts / 10, 5);
    let accounts: Vec<String> = org.accounts.iter().map(|a| a.id.clone()).collect();
    let fake = FakeAws::start_with(
        org,
        Faults {
            latency,
            rate_limits: [
                ("identitycenter".to_string(), RateLimit::new(rate)),
                ("cloudtrail".to_string(), RateLimit::new(rate / 10.0)),
                ("iam-per-account".to_string(), RateLimit::new(rate)),
            ]
            .into(),
            ..Faults::default()
        },
    );
    let assignments = shape.install(&fake, &accounts);
    let pairs = shape.accounts * Shape::PER_ACCOUNT;
    println!(
        "\naccess: {} accounts, {} permission sets, {} groups, {} users, {assignments} assignments, {pairs} provisioned roles, {latency:?} a call, Identity Center {rate} req/s, IAM {rate} req/s per account, LookupEvents {} req/s",
        shape.accounts,
        shape.sets,
        shape.groups,
        shape.users,
        rate / 10.0
    );
    let home = tempfile::tempdir().expect("a temp dir");
    // The probe's ways into the accounts (its role, assumed as the probe does), as `access` uses.
    let source: Arc<dyn Source> = Arc::new(crate::orgs::source(&fake).await);
    let org = source.discover(Arc::new(|_| {})).await.expect("discovery");
    let settings = ProbeSettings { concurrency: orgscope::cli::DEFAULT_CONCURRENCY.into(), ..ProbeSettings::default() };
    let footholds = || -> Arc<dyn orgscope::source::Footholds> {
        let prober = Arc::new(Prober::new(Arc::clone(&source), settings.clone()));
        Arc::new(AccountFootholds::new(prober, &ProbeTarget::all(&org), CallerContext::of(&org)))
    };
    let cached = AccessQuery {
        cache_path: Some(home.path().join("access-map.json")),
        footholds: Some(footholds()),
        ..AccessQuery::default()
    };
    // The buckets start full: let them refill after discovery.
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Cold: the whole map, with levels and usage.
    let since = Instant::now();
    let source = crate::orgs::source(&fake).await;
    let map = source.identity_center(&cached).await.expect("the map");
    let cold = since.elapsed();
    assert!(map.unavailable.is_empty(), "{:?}", map.unavailable);
    assert_eq!(map.assignments.len(), assignments, "every assignment read");
    let unknown: Vec<_> =
        map.permission_sets.iter().filter(|p| p.level == Some(orgscope::model::Level::Unknown)).collect();
    assert!(unknown.is_empty(), "every level decided: {unknown:?}");
    assert_eq!(map.usage.len(), pairs, "every provisioned role's use");
    // Read in every account orgscope gets into: all but the suspended ones.
    let suspended: std::collections::HashSet<&str> =
        org.accounts().filter(|a| a.is_suspended()).map(|a| a.id.as_str()).collect();
    let unreadable: Vec<_> = map.usage.iter().filter(|u| !u.readable).collect();
    assert!(unreadable.iter().all(|u| suspended.contains(u.account_id.raw())), "{unreadable:?}");
    let calls = answered(&fake, since);
    let by_pair = count(&fake, since, "ListAccountAssignments");
    let iam_calls = fake.calls().iter().filter(|c| c.at >= since && !c.failed && c.service == "iam").count();
    // IAM runs in every account at once: its floor is the busiest account's calls at its rate.
    let iam_floor = (Shape::PER_ACCOUNT + 1) as f64 / rate;
    let floor = calls as f64 / rate + iam_floor;
    bench.figure(
        "access map with levels and usage, cold: time / rate floor of its calls",
        format!(
            "{} for {assignments} assignments and {pairs} provisioned roles; {by_pair} ListAccountAssignments; {calls} Identity Center calls + {iam_calls} IAM calls ({} GetRole), floor {floor:.1} s; {} throttled",
            secs(cold),
            count(&fake, since, "GetRole"),
            source.stats().throttled()
        ),
        cold.as_secs_f64() / floor,
        "x",
        Target::AtMost(1.2),
    );

    // Warm: ten assignments created since, then a refresh.
    {
        let now = chrono::Utc::now().timestamp();
        let mut state = fake.state();
        for n in 0..10 {
            let (account, set) = (accounts[n * 7 % shape.accounts].clone(), set_arn((n * 7) % shape.sets));
            // A group that does not hold this pair yet: ten new assignments.
            let holds =
                |g: &String| state.access.assignments.iter().any(|(a, s, _, p)| *a == account && *s == set && p == g);
            let group = (0..shape.groups)
                .map(|k| format!("g-{:04}", (n * 17 + 3 + k) % shape.groups))
                .find(|g| !holds(g))
                .expect("a group that does not hold the pair");
            state.access.assignments.push((account.clone(), set.clone(), "GROUP".into(), group.clone()));
            let request = serde_json::json!({"instanceArn": INSTANCE, "targetId": account, "targetType": "AWS_ACCOUNT",
                "permissionSetArn": set, "principalType": "GROUP", "principalId": group});
            state.events.push(write_event(
                "CreateAccountAssignment",
                &format!("ev-{n}"),
                now - 60 + n as i64,
                request,
                serde_json::Value::Null,
            ));
        }
    }
    let since = Instant::now();
    let source = crate::orgs::source(&fake).await;
    let cached = AccessQuery { footholds: Some(footholds()), ..cached };
    let refreshed = source.identity_center(&cached).await.expect("the refresh");
    let warm = since.elapsed();
    assert_eq!(refreshed.assignments.len(), assignments + 10, "the ten new assignments are in");
    bench.figure(
        "access map with levels and usage, warm refresh after 10 assignment changes: time / cold",
        format!(
            "{} ({} LookupEvents, {} Identity Center calls, {} IAM calls) vs {}",
            secs(warm),
            count(&fake, since, "LookupEvents"),
            answered(&fake, since),
            fake.calls().iter().filter(|c| c.at >= since && c.service == "iam").count(),
            secs(cold)
        ),
        warm.as_secs_f64() / cold.as_secs_f64(),
        "x",
        Target::AtMost(0.03),
    );

    // One user's reach, three groups.
    let since = Instant::now();
    let source = crate::orgs::source(&fake).await;
    let wanted = "user00002";
    let with_footholds = AccessQuery { footholds: Some(footholds()), ..AccessQuery::default() };
    let alone = source.principal_access(&with_footholds, wanted).await.expect("her reach");
    let took = since.elapsed();
    let principal = alone.find_principal(wanted).expect("found");
    let rows = alone.rows(Some(&principal), &|_| None);
    assert_eq!(rows, refreshed.rows(Some(&refreshed.find_principal(wanted).expect("in the map")), &|_| None));
    let calls = answered(&fake, since);
    let floor = calls as f64 / rate;
    bench.figure(
        "access --principal, one user in 3 groups: time / its own rate floor",
        format!(
            "{} for {} rows; {calls} Identity Center calls (no whole-map listing: {} ListUsers, {} ListAccountAssignments), floor {:.2} s",
            secs(took),
            rows.len(),
            count(&fake, since, "ListUsers"),
            count(&fake, since, "ListAccountAssignments"),
            floor
        ),
        took.as_secs_f64() / floor,
        "x",
        Target::AtMost(1.2),
    );

    view_figures(bench, shape.accounts, &refreshed).await;
}

/// The app on `map`, with the access view open on the whole organization.
fn access_app(org: &orgscope::model::Org, map: IdentityCenter) -> App {
    let mut app = App::new(Settings::new("bench".into(), Some("us-east-1".into()), Default::default()));
    let mut snapshot = crate::orgs::snapshot(org);
    snapshot.identity_center = Some(map);
    app.load_cached(&snapshot);
    app.stale = None;
    app.update(Message::Resize(SIZE.0, SIZE.1));
    app.update(Intent::NextView);
    app.update(Intent::NextView);
    for _ in 0..app.access.shown.len() / 2 / 40 {
        app.update(Intent::PageDown);
    }
    app
}

async fn view_figures(bench: &mut Bench, accounts: usize, map: &IdentityCenter) {
    let org = crate::orgs::discovered(accounts).await;
    let mut big = access_app(&org, map.clone());
    let mut few = map.clone();
    let first: std::collections::BTreeSet<String> =
        few.assignments.iter().map(|a| a.account_id.raw().to_string()).take(100).collect();
    few.assignments.retain(|a| first.contains(a.account_id.raw()));
    few.assignments.truncate(100);
    let mut small = access_app(&org, few);
    let (rows_big, rows_small) = (big.access.rows.len(), small.access.rows.len());
    let (batches, frames) = bench.size((3, 20), (15, 200));
    let small_frame = frame_cost(&mut small, batches, frames);
    let big_frame = frame_cost(&mut big, batches, frames);
    bench.figure(
        &format!("UI: access view frame with {rows_big} rows / with {rows_small}"),
        format!("{:.1} µs vs {:.1} µs", big_frame.as_secs_f64() * 1e6, small_frame.as_secs_f64() * 1e6),
        big_frame.as_secs_f64() / small_frame.as_secs_f64(),
        "x",
        Target::AtMost(1.5),
    );
    let rounds = bench.size(2, 20);
    let query = "account-0001 set1";
    let typed = keystroke(&mut big, query, rounds, |app| app.access.shown.len());
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    bench.figure(
        &format!("UI: access view filter keystroke over {rows_big} rows (median)"),
        format!(
            "{:.3} ms typing \"{query}\" ({} rows shown; slowest key \"{}\" {:.3} ms)",
            ms(typed.median),
            typed.rows,
            typed.slowest.1,
            ms(typed.slowest.0)
        ),
        ms(typed.median),
        " ms",
        Target::AtMost(2.0),
    );
}
