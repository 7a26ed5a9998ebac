//! The access map (Identity Center's users, groups, permission sets and assignments) against the
//! rate floor of its cheapest call plan, with Identity Center limited to 20 calls a second shared
//! by sso-admin and the Identity Store; a warm refresh after 10 assignment changes against the
//! cold read; one user's reach (`--principal`, three groups) against its own floor; and the
//! access view's frame and filter keystroke over every assignment, as the tree's are measured.

use std::time::{Duration, Instant};

use orgscope::app::{App, Intent, Message, Settings};
use orgscope::model::identity::IdentityCenter;
use orgscope::source::{AccessQuery, Source};

use crate::fake_aws::access::write_event;
use crate::fake_aws::{FakeAws, FakeOrg, Faults, RateLimit};
use crate::ui::{SIZE, frame_cost, keystroke};
use crate::{Bench, Target, secs};

const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-fake";

fn set_arn(n: usize) -> String {
    format!("arn:aws:sso:::permissionSet/ssoins-fake/ps-{n:04}")
}

/// The organization's Identity Center: `sets` permission sets, five provisioned to every account
/// (the first one stale everywhere), two holders per pair (groups, a user for one pair in ten),
/// every user in three groups.
struct Shape {
    accounts: usize,
    sets: usize,
    groups: usize,
    users: usize,
}

impl Shape {
    const PER_ACCOUNT: usize = 5;

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
                let first = format!("g-{:04}", (a * 5 + j) % self.groups);
                let second = if (a + j) % 10 == 0 {
                    ("USER".to_string(), format!("u-{:05}", (a * 13 + j) % self.users))
                } else {
                    ("GROUP".to_string(), format!("g-{:04}", (a * 5 + j + self.groups / 2) % self.groups))
                };
                access.assignments.push((account.clone(), set_arn(set), "GROUP".into(), first));
                access.assignments.push((account.clone(), set_arn(set), second.0, second.1));
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
        access.assignments.len()
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
            ]
            .into(),
            ..Faults::default()
        },
    );
    let assignments = shape.install(&fake, &accounts);
    let pairs = shape.accounts * Shape::PER_ACCOUNT;
    let principals = shape.users + shape.groups;
    println!(
        "\naccess: {} accounts, {} permission sets, {} groups, {} users, {assignments} assignments, {latency:?} a call, Identity Center {rate} req/s, LookupEvents {} req/s",
        shape.accounts,
        shape.sets,
        shape.groups,
        shape.users,
        rate / 10.0
    );
    let home = tempfile::tempdir().expect("a temp dir");
    let cached = AccessQuery { cache_path: Some(home.path().join("access-map.json")), ..AccessQuery::default() };

    // Cold: the whole map.
    let since = Instant::now();
    let source = crate::orgs::source(&fake).await;
    let map = source.identity_center(&cached).await.expect("the map");
    let cold = since.elapsed();
    assert!(map.unavailable.is_empty(), "{:?}", map.unavailable);
    assert_eq!(map.assignments.len(), assignments, "every assignment read");
    let calls = answered(&fake, since);
    let by_principal = count(&fake, since, "ListAccountAssignmentsForPrincipal");
    let by_pair = count(&fake, since, "ListAccountAssignments");
    let plan = if by_principal > 0 {
        format!("per principal: {by_principal} ListAccountAssignmentsForPrincipal, not {pairs} per pair")
    } else {
        format!("per pair: {by_pair} ListAccountAssignments, not {principals} per principal")
    };
    let floor = calls as f64 / rate;
    bench.figure(
        "access map, cold: time / rate floor of the cheapest plan",
        format!(
            "{} for {assignments} assignments; plan {plan}; {calls} Identity Center calls, floor {floor:.1} s; {} throttled",
            secs(cold),
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
            let group = format!("g-{:04}", (n * 17 + 3) % shape.groups);
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
    let refreshed = source.identity_center(&cached).await.expect("the refresh");
    let warm = since.elapsed();
    assert_eq!(refreshed.assignments.len(), assignments + 10, "the ten new assignments are in");
    bench.figure(
        "access map, warm refresh after 10 assignment changes: time / cold",
        format!(
            "{} ({} LookupEvents, {} Identity Center calls) vs {}",
            secs(warm),
            count(&fake, since, "LookupEvents"),
            answered(&fake, since),
            secs(cold)
        ),
        warm.as_secs_f64() / cold.as_secs_f64(),
        "x",
        Target::AtMost(0.02),
    );

    // One user's reach, three groups.
    let since = Instant::now();
    let source = crate::orgs::source(&fake).await;
    let wanted = "user00002";
    let alone = source.principal_access(&AccessQuery::default(), wanted).await.expect("her reach");
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
    let query = "account-0001 set0";
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
