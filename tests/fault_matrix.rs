//! The fault matrix: every API orgscope calls × every fault (throttling storms, bursts of 503,
//! answers slower than the timeout, connections reset mid-body, garbage and truncated bodies,
//! AccessDenied), plus credentials expiring mid-run. Each row runs a whole session (discovery, the
//! probe, the assignments, tags, and what the access means: the permission sets' policies and
//! levels, the roles' use) through the real SDK against the fake endpoint and must end —
//! never panic, never hang — with either the full, right result (transient faults) or an explicit
//! error where it could not read something, never a wrong result presented as right.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use common::fake_aws::access::FakeSetPolicies;
use common::fake_aws::{Canned, FakeAws, FakeOrg, FakeRequest, FakeStatus, Faults, assignment_event};
use orgscope::model::{AssignmentStatus, Level, Node, ProbeStatus};
use orgscope::probe::{CallerContext, ProbeSettings, ProbeTarget, Prober};
use orgscope::source::aws::AwsSource;
use orgscope::source::{AssignmentQuery, Source};

const OPS: &[(&str, &str)] = &[
    ("GetCallerIdentity", "sts"),
    ("DescribeOrganization", "organizations"),
    ("ListRoots", "organizations"),
    ("ListOrganizationalUnitsForParent", "organizations"),
    ("ListAccountsForParent", "organizations"),
    ("ListTagsForResource", "organizations"),
    ("ListPoliciesForTarget", "organizations"),
    ("DescribePolicy", "organizations"),
    ("AssumeRole", "sts"),
    ("LookupEvents", "cloudtrail"),
    ("DescribeAccountAssignmentCreationStatus", "sso"),
    ("ListAccountAssignmentCreationStatus", "sso"),
    ("ListAccountAssignmentDeletionStatus", "sso"),
    ("ListPermissionSetProvisioningStatus", "sso"),
    ("DescribeAccountAssignmentDeletionStatus", "sso"),
    ("DescribePermissionSetProvisioningStatus", "sso"),
    ("DescribePermissionSet", "sso"),
    ("ListInstances", "sso"),
    ("DescribeUser", "identitystore"),
    ("DescribeGroup", "identitystore"),
    ("ListManagedPoliciesInPermissionSet", "sso"),
    ("GetInlinePolicyForPermissionSet", "sso"),
    ("ListCustomerManagedPolicyReferencesInPermissionSet", "sso"),
    ("GetPermissionsBoundaryForPermissionSet", "sso"),
    ("GetPolicy", "iam"),
    ("GetPolicyVersion", "iam"),
    ("ListRoles", "iam"),
    ("GetRole", "iam"),
];

/// Calls whose failure costs a permission set's level (`unknown`, or "at most" without its
/// boundary) or a role's use (`unreadable`), never a verdict, an assignment or another set's level.
const MEANING: &[&str] = &[
    "ListManagedPoliciesInPermissionSet",
    "GetInlinePolicyForPermissionSet",
    "ListCustomerManagedPolicyReferencesInPermissionSet",
    "GetPermissionsBoundaryForPermissionSet",
    "GetPolicy",
    "GetPolicyVersion",
    "ListRoles",
    "GetRole",
];

/// Calls whose failure only costs a name or a hint, never a verdict.
const COSMETIC: &[&str] = &[
    "ListTagsForResource",
    "ListPoliciesForTarget",
    "DescribePolicy",
    "DescribePermissionSet",
    "DescribeUser",
    "DescribeGroup",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    ThrottleStorm,
    Burst503,
    Slow,
    Reset,
    Garbage,
    Truncated,
    Denied,
}

impl Fault {
    fn transient(self) -> bool {
        matches!(self, Fault::ThrottleStorm | Fault::Burst503)
    }

    fn faults(self, op: &str, service: &str) -> Faults {
        let mut faults = Faults::default();
        let throttle = match service {
            "organizations" => Canned::new(400, "TooManyRequestsException", "Too many requests"),
            "sts" => Canned::new(400, "Throttling", "Rate exceeded"),
            _ => Canned::new(400, "ThrottlingException", "Rate exceeded"),
        };
        match self {
            Fault::ThrottleStorm => drop(faults.fail_first.insert(op.into(), (8, throttle))),
            Fault::Burst503 => {
                drop(faults.fail_first.insert(op.into(), (3, Canned::new(503, "ServiceUnavailable", "unavailable"))))
            }
            Fault::Slow => drop(faults.slow_ops.insert(op.into(), Duration::from_millis(1500))),
            Fault::Reset => drop(faults.reset_ops.insert(op.into())),
            Fault::Garbage => drop(faults.garbage_ops.insert(op.into(), "<<<this is not an answer>>>".into())),
            Fault::Truncated => {
                let body = if service == "sts" {
                    "<AssumeRoleResponse><AssumeRoleResult><Cred"
                } else {
                    "{\"Accounts\": [{\"Id\": \"12"
                };
                drop(faults.garbage_ops.insert(op.into(), body.into()))
            }
            Fault::Denied => {
                let code = if service == "sts" { "AccessDenied" } else { "AccessDeniedException" };
                drop(faults.fail_ops.insert(op.into(), Canned::new(403, code, "You are not authorized")))
            }
        }
        faults
    }
}

/// What a session produced, reduced to what must be right.
#[derive(Debug, Clone, PartialEq)]
struct Report {
    accounts: BTreeMap<String, String>,
    ou_errors: usize,
    probes: BTreeMap<String, (ProbeStatus, Option<String>)>,
    attempts: BTreeMap<String, AssignmentStatus>,
    flagged_attempts: usize,
    /// Records that could not be read (CloudTrail, the status APIs), said as such.
    unavailable: Vec<String>,
    tags: Result<usize, String>,
    /// Each permission set's level, and whether its reason says "at most" (its boundary unread).
    levels: BTreeMap<String, (Level, bool)>,
    /// Each provisioned pair's use: when, and whether it could be read.
    usage: BTreeMap<(String, String), Use>,
}

/// A role's use: when last used, and whether it could be read.
type Use = (Option<chrono::DateTime<chrono::Utc>>, bool);

impl Report {
    /// Something is marked as not read or refused: an OU error, a probe error or refusal with its
    /// reason, an attempt of unknown status with its error code, a tags error.
    fn flags_a_failure(&self) -> bool {
        self.ou_errors > 0
            || self.probes.values().any(|(status, reason)| {
                *status == ProbeStatus::Error || (*status == ProbeStatus::Blocked && reason.is_some())
            })
            || self.flagged_attempts > 0
            || !self.unavailable.is_empty()
            || self.tags.is_err()
    }
}

fn org() -> FakeOrg {
    FakeOrg::generate(14, 3, 2)
}

fn start(faults: Faults) -> FakeAws {
    let org = org();
    let fake = FakeAws::start_with(org.clone(), faults);
    let now = chrono::Utc::now().timestamp();
    let mut state = fake.state();
    let ps = "arn:aws:sso:::permissionSet/ssoins-fake/ps-1";
    state.permission_sets.insert(ps.into(), "Admins".into());
    state.principals.insert("g-fake".into(), "Platform".into());
    for n in 0..6 {
        let request = format!("req-{n}");
        state.events.push(assignment_event(
            &format!("ev-{n}"),
            now - 60 * (n + 1),
            &request,
            &org.accounts[n as usize + 1].id,
            ps,
        ));
        if n % 2 == 0 {
            state
                .statuses
                .insert(request, FakeStatus::Failed("An unexpected internal service exception occurred.".into()));
        }
    }
    // Two requests only Identity Center's status APIs know: a deletion and a provisioning.
    state.requests.push(FakeRequest::new("del-1", "delete", &org.accounts[3].id, ps, now - 120).with_status(
        FakeStatus::Failed("DeleteConflict: Cannot delete entity, must detach all policies first.".into()),
    ));
    state.requests.push(
        FakeRequest::new("prov-1", "provision", &org.accounts[4].id, ps, now - 180)
            .with_status(FakeStatus::Failed("Cannot exceed quota for PoliciesPerRole: 10".into())),
    );
    let denied = org.accounts[2].id.clone();
    state.assume_denials.insert(
        denied.clone(),
        Canned::new(403, "AccessDenied", &format!("User: x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{denied}:role/R with an explicit deny in a resource control policy")),
    );
    state.scps.insert(org.accounts[2].parent.clone(), vec![("p-deny".into(), "Deny".into())]);
    // The RCP that denies it, read for the cause (ListPoliciesForTarget, DescribePolicy).
    state.rcps.insert(org.accounts[2].parent.clone(), vec![("p-guard".into(), "Guard".into())]);
    // The access map: AdministratorAccess (AWS-managed) in accounts 1 and 3, Data (a customer-managed
    // policy and a boundary) in account 3; Identity Center's roles there, used or not.
    let data = "arn:aws:sso:::permissionSet/ssoins-fake/ps-2";
    state.permission_sets.insert(data.into(), "Data".into());
    let (a1, a3) = (org.accounts[1].id.clone(), org.accounts[3].id.clone());
    state.access.provisioned =
        vec![(ps.into(), a1.clone(), true), (ps.into(), a3.clone(), true), (data.into(), a3.clone(), true)];
    state.access.assignments = vec![
        (a1.clone(), ps.into(), "GROUP".into(), "g-fake".into()),
        (a3.clone(), ps.into(), "GROUP".into(), "g-fake".into()),
        (a3.clone(), data.into(), "USER".into(), "u-fake".into()),
    ];
    state.access.users = vec![("u-fake".into(), "jane".into(), "Jane".into(), "jane@example.com".into())];
    state.access.groups = vec![("g-fake".into(), "Platform".into())];
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    state.access.policies.insert(ps.into(), FakeSetPolicies { managed: vec![admin.into()], ..Default::default() });
    state.access.policies.insert(
        data.into(),
        FakeSetPolicies {
            customer: vec![("/".into(), "DataWrite".into())],
            inline: Some(r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#.into()),
            boundary: Some(Ok("arn:aws:iam::aws:policy/ReadOnlyAccess".into())),
            ..Default::default()
        },
    );
    let allow = |action: &str| format!(r#"{{"Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#);
    state.iam.policies.insert(admin.into(), ("v1".into(), allow("*")));
    state.iam.policies.insert("arn:aws:iam::aws:policy/ReadOnlyAccess".into(), ("v1".into(), allow("s3:Get*")));
    state.iam.policies.insert(format!("arn:aws:iam::{a3}:policy/DataWrite"), ("v1".into(), allow("s3:*")));
    let role =
        |set: &str, used: Option<&str>| (format!("AWSReservedSSO_{set}_0123456789abcdef"), used.map(String::from));
    state.iam.sso_roles.insert(a1, vec![role("Admins", Some("2026-11-01T10:00:00Z"))]);
    state.iam.sso_roles.insert(a3, vec![role("Admins", None), role("Data", Some("2026-10-01T10:00:00Z"))]);
    state.policy_documents.insert(
        "p-guard".into(),
        r#"{"Statement":[{"Sid":"Guard","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}"#
            .into(),
    );
    drop(state);
    fake
}

/// Every text a session would show a person: errors, notes, listing errors, AWS's messages and
/// hints, reasons.
type Shown = Vec<String>;

async fn session(fake: &FakeAws, shown: &mut Shown) -> Result<Report, String> {
    let mut options = fake.options();
    options.attempt_timeout = Some(Duration::from_millis(400));
    let source = Arc::new(AwsSource::connect(options).await.map_err(|e| e.to_string())?);
    let org = source.discover(Arc::new(|_| {})).await.map_err(|e| e.to_string())?;
    let mut accounts = BTreeMap::new();
    let mut ou_errors = org.roots.iter().filter(|r| r.error.is_some()).count();
    fn walk(parent: &str, nodes: &[Node], accounts: &mut BTreeMap<String, String>, errors: &mut usize) {
        for node in nodes {
            match node {
                Node::Account(a) => drop(accounts.insert(a.id.clone(), parent.to_string())),
                Node::Ou(ou) => {
                    *errors += usize::from(ou.error.is_some());
                    walk(&ou.id, &ou.children, accounts, errors);
                }
            }
        }
    }
    for root in &org.roots {
        walk(&root.id, &root.children, &mut accounts, &mut ou_errors);
    }
    let listing_errors = |nodes: &[Node], shown: &mut Shown| {
        fn each(nodes: &[Node], shown: &mut Shown) {
            for node in nodes {
                if let Node::Ou(ou) = node {
                    if let Some(error) = &ou.error {
                        shown.push(format!("{}: {}", error.code, error.message));
                    }
                    each(&ou.children, shown);
                }
            }
        }
        each(nodes, shown)
    };
    for root in &org.roots {
        listing_errors(&root.children, shown);
        if let Some(error) = &root.error {
            shown.push(format!("{}: {}", error.code, error.message));
        }
    }
    let prober = Prober::new(source.clone(), ProbeSettings::default());
    let outcomes = prober.probe_collect(ProbeTarget::all(&org), &CallerContext::of(&org)).await;
    for (_, outcome) in &outcomes {
        shown.extend(outcome.message.iter().chain(&outcome.hint).map(|t| t.to_string()));
        if let Some(cause) = outcome.cause {
            shown.push(orgscope::remedy::cause::describe(cause, outcome.evidence.as_deref()));
        }
    }
    let probes = outcomes
        .into_iter()
        .map(|(t, o)| (t.account.id.clone(), (o.status, o.reason.map(|r| r.code().to_string()))))
        .collect();
    let now = chrono::Utc::now();
    let query = AssignmentQuery {
        sso_region: Some("us-east-1".into()),
        ..AssignmentQuery::new(now - chrono::Duration::days(1), now)
    };
    let read = source.assignments(&query, Arc::new(|_| {})).await.map_err(|e| e.to_string())?;
    let (attempts, unavailable): (_, Vec<String>) =
        (read.attempts, read.unavailable.iter().map(|n| n.raw().to_string()).collect());
    shown.extend(unavailable.iter().cloned());
    for attempt in &attempts {
        shown.extend(attempt.failure_reason.iter().chain(&attempt.hint).map(|t| t.to_string()));
    }
    let flagged_attempts =
        attempts.iter().filter(|a| a.status == AssignmentStatus::Unknown && a.error_code.is_some()).count();
    let attempts = attempts.into_iter().filter_map(|a| Some((a.request_id?.into_raw(), a.status))).collect();
    let first = org.accounts().next().map(|a| a.id.clone()).unwrap_or_default();
    let tags = source.account_tags(&first).await.map(|t| t.len()).map_err(|e| e.to_string());
    shown.extend(tags.as_ref().err().cloned());
    let footholds =
        orgscope::probe::AccountFootholds::new(Arc::new(prober), &ProbeTarget::all(&org), CallerContext::of(&org));
    let query = orgscope::source::AccessQuery {
        sso_region: Some("us-east-1".into()),
        footholds: Some(Arc::new(footholds)),
        ..orgscope::source::AccessQuery::default()
    };
    let map = source.identity_center(&query).await.map_err(|e| e.to_string())?;
    shown.extend(map.unavailable.iter().chain(&map.unseen).map(|t| t.to_string()));
    shown.extend(map.permission_sets.iter().filter_map(|p| p.level_why.as_ref()).map(|w| w.to_string()));
    let levels = map
        .permission_sets
        .iter()
        .map(|p| {
            let at_most = p.level_why.as_ref().is_some_and(|w| w.raw().contains("(at most:"));
            (p.arn.raw().to_string(), (p.level.unwrap_or(Level::Unknown), at_most))
        })
        .collect();
    let usage = map
        .usage
        .iter()
        .map(|u| ((u.account_id.raw().to_string(), u.permission_set_arn.raw().to_string()), (u.last_used, u.readable)))
        .collect();
    let mut unavailable = unavailable;
    unavailable.extend(map.unavailable.iter().map(|t| t.raw().to_string()));
    Ok(Report { accounts, ou_errors, probes, attempts, flagged_attempts, unavailable, tags, levels, usage })
}

/// One session; whatever it shows a person (its error too) must hold no Rust debug text.
async fn run_row(faults: Faults) -> Result<Report, String> {
    let fake = start(faults);
    let mut shown = Vec::new();
    let result = match tokio::time::timeout(Duration::from_secs(60), session(&fake, &mut shown)).await {
        Ok(result) => result,
        Err(_) => panic!("the session hung"),
    };
    shown.extend(result.as_ref().err().cloned());
    for text in &shown {
        for marker in orgscope::source::aws::errors::DEBUG_MARKERS {
            assert!(!text.contains(marker), "Rust debug text ({marker}) reaches a user: {text}");
        }
    }
    result
}

/// The clean session, run once for every row to compare with.
static BASELINE: tokio::sync::OnceCell<Report> = tokio::sync::OnceCell::const_new();

async fn baseline() -> Report {
    BASELINE
        .get_or_init(|| async {
            let report = run_row(Faults::default()).await.expect("the clean session works");
            assert_eq!(report.accounts.len(), org().accounts.len());
            assert_eq!(report.ou_errors + report.flagged_attempts + report.unavailable.len(), 0, "{report:?}");
            let levels: Vec<Level> = report.levels.values().map(|(l, _)| *l).collect();
            assert_eq!(levels, [Level::Admin, Level::Read], "AdministratorAccess; Data under its boundary: {report:?}");
            assert!(report.usage.values().all(|(_, readable)| *readable), "{report:?}");
            assert_eq!(report.usage.values().filter(|(used, _)| used.is_some()).count(), 2);
            assert_eq!(report.attempts.get("del-1"), Some(&AssignmentStatus::Failed), "status-only rows come");
            assert_eq!(report.attempts.get("prov-1"), Some(&AssignmentStatus::Failed));
            report
        })
        .await
        .clone()
}

/// One row: `op` answers with `fault`; the session must still end right.
async fn row(op: &str, fault: Fault) {
    let service = OPS.iter().find(|(name, _)| *name == op).map(|(_, s)| *s).expect("a known API");
    let baseline = baseline().await;
    let row = format!("{op} × {fault:?}");
    match run_row(fault.faults(op, service)).await {
        Ok(report) if fault.transient() => assert_eq!(report, baseline, "{row}: a transient fault changes nothing"),
        Ok(report) if MEANING.contains(&op) => {
            // A level is the baseline's, unknown, or (the boundary unread) the most the set can do,
            // said so; a role's use the baseline's or unreadable. Nothing else changes.
            assert_eq!(report.accounts, baseline.accounts, "{row}");
            assert_eq!(report.probes, baseline.probes, "{row}");
            assert_eq!(report.attempts, baseline.attempts, "{row}");
            for (set, (level, at_most)) in &report.levels {
                let (was, _) = baseline.levels[set];
                assert!(*level == was || *level == Level::Unknown || *at_most, "{row}: {set} {level} (was {was})");
            }
            for (pair, (used, readable)) in &report.usage {
                assert!((used, readable) == (&baseline.usage[pair].0, &true) || !readable, "{row}: {pair:?}");
            }
            assert_ne!((&report.levels, &report.usage), (&baseline.levels, &baseline.usage), "{row}: the fault shows");
        }
        Ok(report) if COSMETIC.contains(&op) => {
            // Names and hints may be missing; the verdicts must be the baseline's.
            assert_eq!(report.accounts, baseline.accounts, "{row}");
            assert_eq!(report.probes, baseline.probes, "{row}");
            assert_eq!(report.attempts, baseline.attempts, "{row}");
            if op == "ListTagsForResource" {
                assert!(report.tags.as_ref().is_err_and(|e| !e.is_empty()), "{row}: the tags error is said");
            }
        }
        Ok(report) => assert!(
            report == baseline
                || (report.flags_a_failure() && report.probes != baseline.probes)
                || report.ou_errors > 0
                || report.flagged_attempts > 0
                || !report.unavailable.is_empty(),
            "{row}: a changed result must say what failed: {report:?}"
        ),
        Err(message) => assert!(!message.is_empty() && !message.contains("panicked"), "{row}: {message}"),
    }
}

/// One `#[test]` per row of the matrix: every API × every fault.
macro_rules! matrix {
    ($($name:ident: $op:literal;)*) => {
        $(
            mod $name {
                use super::{Fault, row};
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn throttling_storm() { row($op, Fault::ThrottleStorm).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn burst_of_503() { row($op, Fault::Burst503).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn slower_than_the_timeout() { row($op, Fault::Slow).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn reset_mid_body() { row($op, Fault::Reset).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn malformed_body() { row($op, Fault::Garbage).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn truncated_body() { row($op, Fault::Truncated).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn access_denied() { row($op, Fault::Denied).await }
            }
        )*
        #[test]
        fn the_matrix_covers_every_api() {
            let covered = [$($op),*];
            for (op, _) in OPS {
                assert!(covered.contains(op), "{op} has its rows");
            }
        }
    };
}

matrix! {
    get_caller_identity: "GetCallerIdentity";
    describe_organization: "DescribeOrganization";
    list_roots: "ListRoots";
    list_organizational_units_for_parent: "ListOrganizationalUnitsForParent";
    list_accounts_for_parent: "ListAccountsForParent";
    list_tags_for_resource: "ListTagsForResource";
    list_policies_for_target: "ListPoliciesForTarget";
    describe_policy: "DescribePolicy";
    assume_role: "AssumeRole";
    lookup_events: "LookupEvents";
    describe_account_assignment_creation_status: "DescribeAccountAssignmentCreationStatus";
    list_account_assignment_creation_status: "ListAccountAssignmentCreationStatus";
    list_account_assignment_deletion_status: "ListAccountAssignmentDeletionStatus";
    list_permission_set_provisioning_status: "ListPermissionSetProvisioningStatus";
    describe_account_assignment_deletion_status: "DescribeAccountAssignmentDeletionStatus";
    describe_permission_set_provisioning_status: "DescribePermissionSetProvisioningStatus";
    describe_permission_set: "DescribePermissionSet";
    list_instances: "ListInstances";
    describe_user: "DescribeUser";
    describe_group: "DescribeGroup";
    list_managed_policies_in_permission_set: "ListManagedPoliciesInPermissionSet";
    get_inline_policy_for_permission_set: "GetInlinePolicyForPermissionSet";
    list_customer_managed_policy_references: "ListCustomerManagedPolicyReferencesInPermissionSet";
    get_permissions_boundary_for_permission_set: "GetPermissionsBoundaryForPermissionSet";
    get_policy: "GetPolicy";
    get_policy_version: "GetPolicyVersion";
    list_roles: "ListRoles";
    get_role: "GetRole";
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn credentials_expiring_mid_run_end_in_a_clear_error_or_flagged_results() {
    for after in [2u64, 8, 20, 30] {
        let faults = Faults {
            fail_after: Some((
                after,
                Canned::new(403, "ExpiredToken", "The security token included in the request is expired"),
            )),
            ..Faults::default()
        };
        match run_row(faults).await {
            Ok(report) => assert!(
                report.ou_errors > 0
                    || report.flagged_attempts > 0
                    || report.tags.is_err()
                    || report.probes.values().any(|(s, _)| *s == ProbeStatus::Error),
                "after {after} calls: {report:?}"
            ),
            Err(message) => assert!(message.contains("expired"), "after {after} calls: {message}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paginators_follow_empty_pages_and_stop_on_a_token_that_never_changes() {
    let baseline = baseline().await;
    // Empty pages with a NextToken, on every paginated API: the result is the baseline.
    let empty = run_row(Faults { empty_pages: 2, ..Faults::default() }).await.expect("empty pages are followed");
    assert_eq!(empty, baseline);
    // A NextToken that repeats forever stops with an error on that listing, never a hang.
    for op in ["LookupEvents", "ListTagsForResource", "ListAccountAssignmentDeletionStatus"] {
        let faults = Faults { repeat_token_parents: [op.to_string()].into(), ..Faults::default() };
        match run_row(faults).await {
            Ok(report) => {
                let said = report.tags.as_ref().is_err_and(|e| e.contains("NextToken"))
                    || report.unavailable.iter().any(|n| n.contains("NextToken"));
                assert!(said, "{op}: {report:?}");
            }
            Err(message) => assert!(message.contains("NextToken"), "{op}: {message}"),
        }
    }
}
