//! A local AWS endpoint for what moto cannot do: generated organizations of any size, throttling,
//! denials, empty pages, latency, 5xx and garbage. It speaks the real wire protocols (Organizations
//! over awsJson1_1, STS over awsQuery/XML, CloudTrail and sso-admin over awsJson1_1), so the real SDK
//! clients talk to it unchanged. It binds 127.0.0.1 on its own thread and runtime (tests with a
//! paused clock do not freeze it), logs every call, and stops when the handle drops.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[path = "fake_access.rs"]
pub mod access;
#[path = "fake_cfn.rs"]
pub mod cfn;
#[path = "fake_iam.rs"]
pub mod iam;
#[path = "fake_portal.rs"]
pub mod portal;
#[path = "fake_sso.rs"]
pub mod sso_requests;
pub use access::FakeAccess;
pub use portal::FakePortal;
pub use sso_requests::{FakeRequest, FakeWrites};

pub const ORG_TARGET: &str = "AWSOrganizationsV20161128.";
pub const CLOUDTRAIL_TARGET: &str = "CloudTrail_20131101.";
pub const SSO_TARGET: &str = "SWBExternalService.";
pub const IDENTITY_STORE_TARGET: &str = "AWSIdentityStore.";

#[derive(Debug, Clone)]
pub struct FakeOu {
    pub id: String,
    pub name: String,
    pub parent: String,
}

#[derive(Debug, Clone)]
pub struct FakeAccount {
    pub id: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub joined_method: String,
    pub joined_at: f64,
    pub parent: String,
    pub tags: BTreeMap<String, String>,
}

/// An organization for the fake to serve.
#[derive(Debug, Clone)]
pub struct FakeOrg {
    pub org_id: String,
    pub root_id: String,
    pub management_id: String,
    pub ous: Vec<FakeOu>,
    pub accounts: Vec<FakeAccount>,
}

impl FakeOrg {
    /// `accounts` accounts (the first is the management account) spread over the root and `ous` OUs
    /// arranged in chains `depth` levels deep, so the deepest path is `depth` OUs long.
    pub fn generate(accounts: usize, ous: usize, depth: usize) -> FakeOrg {
        let root_id = "r-fa1e".to_string();
        let depth = depth.max(1);
        let mut ou_list: Vec<FakeOu> = Vec::with_capacity(ous);
        for i in 0..ous {
            let parent = if i % depth == 0 { root_id.clone() } else { ou_list[i - 1].id.clone() };
            ou_list.push(FakeOu { id: format!("ou-fa1e-{i:08x}"), name: format!("ou-{i:04}"), parent });
        }
        let slots = ous + 1;
        let accounts = (0..accounts)
            .map(|j| {
                let parent = match j % slots {
                    0 => root_id.clone(),
                    k => ou_list[k - 1].id.clone(),
                };
                let status = if j % 97 == 50 { "SUSPENDED" } else { "ACTIVE" };
                FakeAccount {
                    id: format!("{:012}", 100_000_000_000u64 + j as u64),
                    name: format!("account-{j:05}"),
                    email: format!("aws+{j}@example.com"),
                    status: status.to_string(),
                    joined_method: if j % 3 == 1 { "INVITED" } else { "CREATED" }.to_string(),
                    joined_at: 1_600_000_000.0 + j as f64 * 3600.0,
                    parent,
                    tags: BTreeMap::from([("team".to_string(), format!("team-{}", j % 7))]),
                }
            })
            .collect::<Vec<_>>();
        let management_id = accounts.first().map(|a: &FakeAccount| a.id.clone()).unwrap_or_default();
        FakeOrg { org_id: "o-fa1e000000".to_string(), root_id, management_id, ous: ou_list, accounts }
    }

    /// The number of OU levels below the root on the longest path.
    pub fn depth(&self) -> usize {
        let parents: HashMap<&str, &str> = self.ous.iter().map(|o| (o.id.as_str(), o.parent.as_str())).collect();
        self.ous
            .iter()
            .map(|ou| {
                let mut level = 1;
                let mut at = ou.parent.as_str();
                while let Some(parent) = parents.get(at) {
                    level += 1;
                    at = parent;
                }
                level
            })
            .max()
            .unwrap_or(0)
    }
}

/// A CloudTrail event the fake serves from LookupEvents.
#[derive(Debug, Clone)]
pub struct FakeEvent {
    pub event_id: String,
    pub event_name: String,
    /// Epoch seconds.
    pub event_time: i64,
    pub cloudtrail_event: String,
}

/// What DescribeAccountAssignmentCreationStatus answers for a request id.
#[derive(Debug, Clone)]
pub enum FakeStatus {
    Succeeded,
    InProgress,
    Failed(String),
    Error(Canned),
}

/// A real-shaped CreateAccountAssignment event.
pub fn assignment_event(id: &str, time: i64, request_id: &str, account: &str, permission_set: &str) -> FakeEvent {
    request_event("create", id, time, request_id, account, permission_set)
}

/// A real-shaped CloudTrail event of an Identity Center write (`create`, `delete` or `provision`),
/// as CloudTrail records a call Identity Center accepted.
pub fn request_event(
    operation: &str,
    id: &str,
    time: i64,
    request_id: &str,
    account: &str,
    permission_set: &str,
) -> FakeEvent {
    let when = chrono::DateTime::from_timestamp(time, 0).unwrap_or_default().format("%Y-%m-%dT%H:%M:%SZ");
    let (name, parameters, response) = match operation {
        "provision" => (
            "ProvisionPermissionSet",
            json!({"instanceArn": sso_requests::INSTANCE, "permissionSetArn": permission_set,
                   "targetId": account, "targetType": "AWS_ACCOUNT"}),
            json!({"permissionSetProvisioningStatus": {"status": "IN_PROGRESS", "requestId": request_id,
                   "accountId": account, "permissionSetArn": permission_set}}),
        ),
        other => {
            let (name, element) = if other == "delete" {
                ("DeleteAccountAssignment", "accountAssignmentDeletionStatus")
            } else {
                ("CreateAccountAssignment", "accountAssignmentCreationStatus")
            };
            (
                name,
                json!({"instanceArn": sso_requests::INSTANCE, "targetId": account, "targetType": "AWS_ACCOUNT",
                       "permissionSetArn": permission_set, "principalType": "GROUP", "principalId": "g-fake"}),
                json!({element: {"status": "IN_PROGRESS", "requestId": request_id, "targetId": account}}),
            )
        }
    };
    let body = json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "AssumedRole", "principalId": "AROAFAKE:jane", "arn": "arn:aws:sts::111111111111:assumed-role/Admin/jane", "accountId": "111111111111"},
        "eventTime": when.to_string(),
        "eventSource": "sso.amazonaws.com",
        "eventName": name,
        "awsRegion": "eu-west-1",
        "requestParameters": parameters,
        "responseElements": response,
        "eventID": id, "readOnly": false
    });
    FakeEvent {
        event_id: id.to_string(),
        event_name: name.to_string(),
        event_time: time,
        cloudtrail_event: body.to_string(),
    }
}

/// A canned error answer: HTTP status, AWS error code, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canned {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl Canned {
    pub fn new(status: u16, code: &str, message: &str) -> Canned {
        Canned { status, code: code.to_string(), message: message.to_string() }
    }
}

/// A token bucket in requests per second; a call finding it empty is answered with throttling.
#[derive(Debug, Clone)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl RateLimit {
    pub fn new(per_second: f64) -> RateLimit {
        RateLimit { per_second, burst: per_second.max(1.0), tokens: per_second.max(1.0), last: None }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        if let Some(last) = self.last {
            self.tokens = (self.tokens + now.duration_since(last).as_secs_f64() * self.per_second).min(self.burst);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What goes wrong, and when.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Delay before every answer.
    pub latency: Duration,
    /// The first N calls to each service are throttled.
    pub throttle_first: u64,
    /// Every Nth call to each service is throttled (0: never).
    pub throttle_every: u64,
    /// Token buckets per service ("organizations", "sts", "cloudtrail", "sso", "identitystore",
    /// or "identitycenter" for one shared by sso and identitystore).
    pub rate_limits: HashMap<String, RateLimit>,
    /// Listings of these parents are denied.
    pub deny_parents: HashSet<String>,
    /// Every listing starts with this many empty pages that still carry a NextToken.
    pub empty_pages: usize,
    /// Listings of these parents return the same NextToken forever.
    pub repeat_token_parents: HashSet<String>,
    /// Operations answered with a canned error every time.
    pub fail_ops: HashMap<String, Canned>,
    /// Operations answered with a canned error for their first N calls.
    pub fail_first: HashMap<String, (u64, Canned)>,
    /// Operations whose answer is this raw body (status 200): garbage, truncation.
    pub garbage_ops: HashMap<String, String>,
    /// Operations whose connection is cut in the middle of the answer's body.
    pub reset_ops: HashSet<String>,
    /// Operations that answer only after this long.
    pub slow_ops: HashMap<String, Duration>,
    /// After this many calls in all, every call is answered with this error (credentials expiring
    /// mid-run).
    pub fail_after: Option<(u64, Canned)>,
}

#[derive(Debug, Clone)]
pub struct LoggedCall {
    pub service: &'static str,
    pub op: String,
    pub params: Value,
    pub at: Instant,
    /// The answer was an error (throttling included).
    pub failed: bool,
    /// The answer was a throttling error: the call must be made again.
    pub throttled: bool,
}

#[derive(Debug)]
pub struct State {
    pub org: FakeOrg,
    pub faults: Faults,
    pub calls: Vec<LoggedCall>,
    pub caller_arn: String,
    /// AssumeRole answers by account id (default: success).
    pub assume_denials: HashMap<String, Canned>,
    /// Role names that exist in no account.
    pub missing_roles: HashSet<String>,
    /// Accounts whose role requires this external ID.
    pub external_ids: HashMap<String, String>,
    /// SCPs attached to a target (root, OU or account id): `(policy id, name)`.
    pub scps: HashMap<String, Vec<(String, String)>>,
    /// RCPs attached to a target, the same way.
    pub rcps: HashMap<String, Vec<(String, String)>>,
    /// Policy documents by policy id (DescribePolicy); a listed policy without one is not found.
    pub policy_documents: HashMap<String, String>,
    /// Roles inside member accounts (IAM), and the accounts whose AssumeRole follows them.
    pub iam: iam::FakeIam,
    /// CloudFormation StackSets and their instances.
    pub cfn: cfn::FakeCfn,
    /// Access keys handed out by AssumeRole → the assumed-role ARN.
    pub issued: HashMap<String, String>,
    /// Secret keys handed out, to check they never leak.
    pub issued_secrets: Vec<String>,
    /// CloudTrail events, any order.
    pub events: Vec<FakeEvent>,
    /// Assignment request outcomes by request id (default: SUCCEEDED).
    pub statuses: HashMap<String, FakeStatus>,
    /// Permission set names by ARN.
    pub permission_sets: HashMap<String, String>,
    /// Identity Store users and groups: id → name.
    pub principals: HashMap<String, String>,
    /// The access map: provisioning, assignments, users, groups, memberships.
    pub access: FakeAccess,
    /// The access portal and its OIDC sign-in.
    pub portal: FakePortal,
    /// Requests Identity Center's status APIs know (and the retries made).
    pub requests: Vec<FakeRequest>,
    /// What a write makes.
    pub writes: FakeWrites,
    /// The largest page the status listings answer (default 100, AWS's).
    pub status_page: usize,
    /// A creation request the fake knows nothing of is described as SUCCEEDED (default), as for
    /// the CloudTrail events tests add without a status; false: ResourceNotFoundException.
    pub unknown_requests_succeed: bool,
    counts: HashMap<&'static str, u64>,
    op_counts: HashMap<String, u64>,
}

type Shared = Arc<Mutex<State>>;

pub struct FakeAws {
    pub addr: SocketAddr,
    state: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeAws {
    pub fn start(org: FakeOrg) -> FakeAws {
        FakeAws::start_with(org, Faults::default())
    }

    pub fn start_with(org: FakeOrg, faults: Faults) -> FakeAws {
        let caller_arn = format!("arn:aws:iam::{}:user/admin", org.management_id);
        let state = Arc::new(Mutex::new(State {
            org,
            faults,
            calls: Vec::new(),
            caller_arn,
            assume_denials: HashMap::new(),
            missing_roles: HashSet::new(),
            external_ids: HashMap::new(),
            scps: HashMap::new(),
            rcps: HashMap::new(),
            policy_documents: HashMap::new(),
            iam: iam::FakeIam::default(),
            cfn: cfn::FakeCfn::default(),
            issued: HashMap::new(),
            issued_secrets: Vec::new(),
            events: Vec::new(),
            statuses: HashMap::new(),
            permission_sets: HashMap::new(),
            principals: HashMap::new(),
            access: FakeAccess::default(),
            portal: FakePortal::default(),
            requests: Vec::new(),
            writes: FakeWrites::default(),
            status_page: 100,
            unknown_requests_succeed: true,
            counts: HashMap::new(),
            op_counts: HashMap::new(),
        }));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("fake AWS runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
                addr_tx.send(listener.local_addr().expect("local address")).expect("report address");
                let app = Router::new()
                    .route("/federation", axum::routing::get(federation))
                    .route("/authorize", axum::routing::get(authorize))
                    .fallback(handle)
                    .with_state(shared);
                tokio::select! {
                    result = axum::serve(listener, app) => result.expect("fake AWS serves"),
                    _ = shutdown_rx => {}
                }
            });
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(10)).expect("fake AWS started");
        FakeAws { addr, state, shutdown: Some(shutdown), thread: Some(thread) }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn calls(&self) -> Vec<LoggedCall> {
        self.state().calls.clone()
    }

    pub fn calls_to(&self, op: &str) -> Vec<LoggedCall> {
        self.state().calls.iter().filter(|c| c.op == op).cloned().collect()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.state().faults = faults;
    }

    /// Options for orgscope's source layer pointed here, with test credentials and fast retries.
    pub fn options(&self) -> orgscope::source::aws::AwsOptions {
        orgscope::source::aws::AwsOptions {
            region: Some("us-east-1".to_string()),
            endpoint_url: Some(self.url()),
            concurrency: 8,
            retry: fast_retry(),
            credentials: Some(aws_credential_types::Credentials::new(
                "AKIDFAKEFAKEFAKE",
                "fake-secret-key",
                None,
                None,
                "fake",
            )),
            ..Default::default()
        }
    }
}

/// Retries in milliseconds, so fault tests finish quickly.
pub fn fast_retry() -> orgscope::source::aws::retry::RetryPolicy {
    orgscope::source::aws::retry::RetryPolicy {
        base: Duration::from_millis(1),
        cap: Duration::from_millis(20),
        ..Default::default()
    }
}

impl Drop for FakeAws {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn handle(
    axum::extract::State(state): axum::extract::State<Shared>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let access_key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("Credential=").nth(1))
        .and_then(|v| v.split('/').next())
        .map(str::to_string);
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let rest = portal::route(method.as_str(), uri.path());
    let (service, op, params): (&'static str, String, Value) = if let Some((service, op)) = rest {
        let params = if service == "portal" {
            let mut query: BTreeMap<String, String> =
                serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
            let token = headers.get("x-amz-sso_bearer_token").and_then(|v| v.to_str().ok()).unwrap_or_default();
            query.insert("token".into(), token.to_string());
            serde_json::to_value(query).unwrap_or(Value::Null)
        } else {
            serde_json::from_slice(&body).unwrap_or(Value::Null)
        };
        (service, op.to_string(), params)
    } else if let Some(op) = target.strip_prefix(ORG_TARGET) {
        ("organizations", op.to_string(), serde_json::from_slice(&body).unwrap_or(Value::Null))
    } else if let Some(op) = target.strip_prefix(CLOUDTRAIL_TARGET) {
        ("cloudtrail", op.to_string(), serde_json::from_slice(&body).unwrap_or(Value::Null))
    } else if let Some(op) = target.strip_prefix(IDENTITY_STORE_TARGET) {
        ("identitystore", op.to_string(), serde_json::from_slice(&body).unwrap_or(Value::Null))
    } else if let Some(op) = target.strip_prefix(SSO_TARGET) {
        ("sso", op.to_string(), serde_json::from_slice(&body).unwrap_or(Value::Null))
    } else {
        let form: BTreeMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
        let op = form.get("Action").cloned().unwrap_or_default();
        // awsQuery: STS or IAM, told apart by the signature's credential scope (…/region/iam/aws4_request).
        let scope = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let service = if scope.contains("/iam/aws4_request") {
            "iam"
        } else if scope.contains("/cloudformation/aws4_request") {
            "cloudformation"
        } else {
            "sts"
        };
        (service, op, serde_json::to_value(form).unwrap_or(Value::Null))
    };

    let (latency, answer, reset) = {
        let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let total = state.calls.len() as u64;
        let answer = match &state.faults.fail_after {
            Some((after, canned)) if total >= *after => Answer::Error(canned.clone()),
            _ => answer(&mut state, service, &op, &params, access_key.as_deref()),
        };
        let failed = !matches!(answer, Answer::Ok(_) | Answer::Xml(_));
        let throttled = matches!(&answer, Answer::Error(canned) if canned == &throttling(service));
        let reset = state.faults.reset_ops.contains(&op);
        let at = Instant::now();
        state.calls.push(LoggedCall { service, op: op.clone(), params, at, failed: failed || reset, throttled });
        let latency = state.faults.slow_ops.get(&op).copied().unwrap_or(state.faults.latency);
        (latency, answer, reset)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if reset {
        // Headers and half a body, then the connection breaks.
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"{\"Accounts\": [{\"Id\": \"1")),
            Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset mid-body")),
        ];
        return Response::builder()
            .header(header::CONTENT_TYPE, content_type(service))
            .header(header::CONTENT_LENGTH, "4096")
            .body(axum::body::Body::from_stream(futures::stream::iter(chunks)))
            .unwrap_or_default();
    }
    answer.into_response_for(service, &op)
}

/// The console federation endpoint: `getSigninToken` answers a token for well-formed session JSON.
async fn federation(
    axum::extract::State(state): axum::extract::State<Shared>,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    let params = serde_json::to_value(&query).unwrap_or(Value::Null);
    let action = query.get("Action").cloned().unwrap_or_default();
    let session: Option<Value> = query.get("Session").and_then(|s| serde_json::from_str(s).ok());
    let ok = action == "getSigninToken"
        && session.as_ref().is_some_and(|s| {
            ["sessionId", "sessionKey", "sessionToken"].iter().all(|k| s[k].as_str().is_some_and(|v| !v.is_empty()))
        });
    let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    state.calls.push(LoggedCall {
        service: "signin",
        op: action,
        params,
        at: Instant::now(),
        failed: !ok,
        throttled: false,
    });
    if ok {
        ([(header::CONTENT_TYPE, "application/json")], json!({"SigninToken": "fake-signin-token"}).to_string())
            .into_response()
    } else {
        (StatusCode::BAD_REQUEST, "bad request").into_response()
    }
}

/// The OIDC's browser page: logged as `oidc:Authorize`, answered with a 302 to the redirect.
async fn authorize(
    axum::extract::State(state): axum::extract::State<Shared>,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Response {
    let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let answer = portal::authorize(&mut state, &query);
    let params = serde_json::to_value(&query).unwrap_or(Value::Null);
    state.calls.push(LoggedCall {
        service: "oidc",
        op: "Authorize".into(),
        params,
        at: Instant::now(),
        failed: answer.is_err(),
        throttled: false,
    });
    match answer {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(why) => (StatusCode::BAD_REQUEST, why).into_response(),
    }
}

pub enum Answer {
    Ok(Value),
    Xml(String),
    Error(Canned),
    Raw(String),
}

impl Answer {
    fn into_response_for(self, service: &str, op: &str) -> Response {
        match self {
            Answer::Ok(body) => {
                ([(header::CONTENT_TYPE, "application/x-amz-json-1.1")], body.to_string()).into_response()
            }
            Answer::Xml(body) => ([(header::CONTENT_TYPE, "text/xml")], body).into_response(),
            Answer::Raw(body) => ([(header::CONTENT_TYPE, content_type(service))], body).into_response(),
            Answer::Error(canned) => error_response(service, op, &canned),
        }
    }
}

fn content_type(service: &str) -> &'static str {
    if matches!(service, "sts" | "iam" | "cloudformation") { "text/xml" } else { "application/x-amz-json-1.1" }
}

fn error_response(service: &str, _op: &str, canned: &Canned) -> Response {
    let status = StatusCode::from_u16(canned.status).unwrap_or(StatusCode::BAD_REQUEST);
    if matches!(service, "sts" | "iam" | "cloudformation") {
        let kind = if canned.status >= 500 { "Receiver" } else { "Sender" };
        let namespace = match service {
            "iam" => iam::NAMESPACE,
            "cloudformation" => cfn::NAMESPACE,
            _ => "https://sts.amazonaws.com/doc/2011-06-15/",
        };
        let body = format!(
            "<ErrorResponse xmlns=\"{namespace}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>fake-request</RequestId></ErrorResponse>",
            xml_escape(&canned.code),
            xml_escape(&canned.message)
        );
        (status, [(header::CONTENT_TYPE, "text/xml")], body).into_response()
    } else {
        let body = json!({"__type": canned.code, "Message": canned.message}).to_string();
        (
            status,
            [
                (header::CONTENT_TYPE, "application/x-amz-json-1.1"),
                (header::HeaderName::from_static("x-amzn-errortype"), canned.code.as_str()),
            ],
            body,
        )
            .into_response()
    }
}

pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn throttling(service: &str) -> Canned {
    match service {
        "organizations" => Canned::new(
            400,
            "TooManyRequestsException",
            "AWS Organizations can't complete your request because another request is already in progress. Try again later.",
        ),
        "sts" => Canned::new(400, "Throttling", "Rate exceeded"),
        "portal" | "oidc" => Canned::new(429, "TooManyRequestsException", "Too many requests"),
        _ => Canned::new(400, "ThrottlingException", "Rate exceeded"),
    }
}

fn answer(state: &mut State, service: &'static str, op: &str, params: &Value, access_key: Option<&str>) -> Answer {
    let count = {
        let count = state.counts.entry(service).or_default();
        *count += 1;
        *count
    };
    let op_count = {
        let count = state.op_counts.entry(op.to_string()).or_default();
        *count += 1;
        *count
    };
    // IAM's budget is each account's own: `iam-per-account` is the template of every account's bucket.
    let iam_account = (service == "iam").then(|| iam::account_of(state, access_key));
    let faults = &mut state.faults;
    if count <= faults.throttle_first || (faults.throttle_every > 0 && count % faults.throttle_every == 0) {
        return Answer::Error(throttling(service));
    }
    // `identitycenter`: one budget for sso-admin and the Identity Store, as Identity Center has.
    let bucket = match (service, iam_account) {
        ("sso" | "identitystore", _) if faults.rate_limits.contains_key("identitycenter") => {
            "identitycenter".to_string()
        }
        ("iam", Some(account)) if faults.rate_limits.contains_key("iam-per-account") => {
            let bucket = format!("iam:{account}");
            if let Some(template) = faults.rate_limits.get("iam-per-account").map(|t| RateLimit::new(t.per_second)) {
                faults.rate_limits.entry(bucket.clone()).or_insert(template);
            }
            bucket
        }
        (other, _) => other.to_string(),
    };
    if let Some(limit) = faults.rate_limits.get_mut(&bucket)
        && !limit.take()
    {
        return Answer::Error(throttling(service));
    }
    if let Some(canned) = faults.fail_ops.get(op) {
        return Answer::Error(canned.clone());
    }
    if let Some((n, canned)) = faults.fail_first.get(op)
        && op_count <= *n
    {
        return Answer::Error(canned.clone());
    }
    if let Some(raw) = faults.garbage_ops.get(op) {
        return Answer::Raw(raw.clone());
    }
    match service {
        "organizations" => organizations(state, op, params),
        "sts" => sts(state, op, params, access_key),
        "iam" => iam::iam(state, op, params, access_key),
        "cloudformation" => cfn::cloudformation(state, op, params),
        "cloudtrail" => cloudtrail(state, op, params),
        "sso" => sso(state, op, params),
        "identitystore" => identity_store(state, op, params),
        "portal" => portal::portal(state, op, params),
        "oidc" => portal::oidc(state, op, params),
        _ => Answer::Error(Canned::new(400, "UnknownOperationException", &format!("{service}:{op} is not faked"))),
    }
}

fn organizations(state: &State, op: &str, params: &Value) -> Answer {
    let org = &state.org;
    match op {
        "DescribeOrganization" => Answer::Ok(json!({"Organization": {
            "Id": org.org_id,
            "Arn": format!("arn:aws:organizations::{}:organization/{}", org.management_id, org.org_id),
            "FeatureSet": "ALL",
            "MasterAccountId": org.management_id,
            "MasterAccountArn": format!("arn:aws:organizations::{0}:account/{1}/{0}", org.management_id, org.org_id),
            "MasterAccountEmail": "root@example.com",
        }})),
        "ListRoots" => Answer::Ok(json!({"Roots": [{
            "Id": org.root_id,
            "Arn": format!("arn:aws:organizations::{}:root/{}/{}", org.management_id, org.org_id, org.root_id),
            "Name": "Root",
            "PolicyTypes": [],
        }]})),
        "ListOrganizationalUnitsForParent" | "ListAccountsForParent" => {
            let parent = params["ParentId"].as_str().unwrap_or_default();
            let known = parent == org.root_id || org.ous.iter().any(|o| o.id == parent);
            if !known {
                return Answer::Error(Canned::new(
                    400,
                    "ParentNotFoundException",
                    "We can't find a root or OU with the ParentId that you specified.",
                ));
            }
            if state.faults.deny_parents.contains(parent) {
                return Answer::Error(Canned::new(
                    400,
                    "AccessDeniedException",
                    "You don't have permissions to access this resource.",
                ));
            }
            let max = params["MaxResults"].as_u64().unwrap_or(20).clamp(1, 20) as usize;
            let token = params["NextToken"].as_str();
            if state.faults.repeat_token_parents.contains(parent) {
                return Answer::Ok(if op == "ListAccountsForParent" {
                    json!({"Accounts": [], "NextToken": "same-token-forever"})
                } else {
                    json!({"OrganizationalUnits": [], "NextToken": "same-token-forever"})
                });
            }
            let (empty_seen, offset) = parse_token(token);
            if empty_seen < state.faults.empty_pages {
                let next = format!("e{}:o{offset}", empty_seen + 1);
                return Answer::Ok(if op == "ListAccountsForParent" {
                    json!({"Accounts": [], "NextToken": next})
                } else {
                    json!({"OrganizationalUnits": [], "NextToken": next})
                });
            }
            if op == "ListAccountsForParent" {
                let all: Vec<&FakeAccount> = org.accounts.iter().filter(|a| a.parent == parent).collect();
                let page: Vec<Value> = all.iter().skip(offset).take(max).map(|a| account_json(org, a)).collect();
                let mut body = json!({"Accounts": page});
                if offset + max < all.len() {
                    body["NextToken"] = json!(format!("e{empty_seen}:o{}", offset + max));
                }
                Answer::Ok(body)
            } else {
                let all: Vec<&FakeOu> = org.ous.iter().filter(|o| o.parent == parent).collect();
                let page: Vec<Value> = all
                    .iter()
                    .skip(offset)
                    .take(max)
                    .map(|o| {
                        json!({
                            "Id": o.id,
                            "Arn": format!("arn:aws:organizations::{}:ou/{}/{}", org.management_id, org.org_id, o.id),
                            "Name": o.name,
                        })
                    })
                    .collect();
                let mut body = json!({"OrganizationalUnits": page});
                if offset + max < all.len() {
                    body["NextToken"] = json!(format!("e{empty_seen}:o{}", offset + max));
                }
                Answer::Ok(body)
            }
        }
        "ListPoliciesForTarget" => {
            let id = params["TargetId"].as_str().unwrap_or_default();
            let (kind, attached) = match params["Filter"].as_str() {
                Some("RESOURCE_CONTROL_POLICY") => ("resource_control_policy", &state.rcps),
                Some("SERVICE_CONTROL_POLICY") => ("service_control_policy", &state.scps),
                other => {
                    return Answer::Error(Canned::new(
                        400,
                        "InvalidInputException",
                        &format!("unsupported filter {other:?}"),
                    ));
                }
            };
            let policies = attached.get(id).cloned().unwrap_or_default();
            Answer::Ok(json!({"Policies": policies.iter().map(|(pid, name)| json!({
                "Id": pid, "Name": name, "Type": kind.to_uppercase(), "AwsManaged": false,
                "Arn": format!("arn:aws:organizations::{}:policy/{}/{kind}/{pid}", org.management_id, org.org_id),
            })).collect::<Vec<_>>()}))
        }
        "DescribePolicy" => {
            let id = params["PolicyId"].as_str().unwrap_or_default();
            match state.policy_documents.get(id) {
                Some(content) => Answer::Ok(json!({"Policy": {
                    "PolicySummary": {"Id": id, "Name": id, "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": false},
                    "Content": content,
                }})),
                None => Answer::Error(Canned::new(
                    400,
                    "PolicyNotFoundException",
                    "We can't find a policy with the PolicyId that you specified.",
                )),
            }
        }
        "ListTagsForResource" if state.faults.repeat_token_parents.contains("ListTagsForResource") => {
            Answer::Ok(json!({"Tags": [], "NextToken": "same-token-forever"}))
        }
        "ListTagsForResource" => {
            let id = params["ResourceId"].as_str().unwrap_or_default();
            match org.accounts.iter().find(|a| a.id == id) {
                Some(account) => Answer::Ok(json!({
                    "Tags": account.tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>()
                })),
                None => Answer::Error(Canned::new(
                    400,
                    "TargetNotFoundException",
                    "We can't find a root, OU, account, or policy with the TargetId that you specified.",
                )),
            }
        }
        _ => Answer::Error(Canned::new(400, "UnknownOperationException", &format!("organizations:{op} is not faked"))),
    }
}

/// Tokens are `e<empty pages served>:o<offset>`.
fn parse_token(token: Option<&str>) -> (usize, usize) {
    let Some(token) = token else { return (0, 0) };
    let mut empty = 0;
    let mut offset = 0;
    for part in token.split(':') {
        if let Some(n) = part.strip_prefix('e') {
            empty = n.parse().unwrap_or(0);
        } else if let Some(n) = part.strip_prefix('o') {
            offset = n.parse().unwrap_or(0);
        }
    }
    (empty, offset)
}

fn account_json(org: &FakeOrg, account: &FakeAccount) -> Value {
    json!({
        "Id": account.id,
        "Arn": format!("arn:aws:organizations::{}:account/{}/{}", org.management_id, org.org_id, account.id),
        "Email": account.email,
        "Name": account.name,
        "Status": account.status,
        "State": account.status,
        "JoinedMethod": account.joined_method,
        "JoinedTimestamp": account.joined_at,
    })
}

fn sts(state: &mut State, op: &str, params: &Value, access_key: Option<&str>) -> Answer {
    match op {
        "GetCallerIdentity" => {
            let arn = access_key.and_then(|k| state.issued.get(k)).cloned().unwrap_or_else(|| state.caller_arn.clone());
            let account = arn.split(':').nth(4).unwrap_or_default().to_string();
            Answer::Xml(format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>{}</Arn><UserId>AIDAFAKE</UserId><Account>{account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
                xml_escape(&arn)
            ))
        }
        "AssumeRole" => {
            let role_arn = params["RoleArn"].as_str().unwrap_or_default().to_string();
            let session = params["RoleSessionName"].as_str().unwrap_or_default().to_string();
            let account = role_arn.split(':').nth(4).unwrap_or_default().to_string();
            let role = role_arn.rsplit('/').next().unwrap_or_default().to_string();
            let caller =
                access_key.and_then(|k| state.issued.get(k)).cloned().unwrap_or_else(|| state.caller_arn.clone());
            let denied = Canned::new(
                403,
                "AccessDenied",
                &format!("User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"),
            );
            if let Some(canned) = state.assume_denials.get(&account) {
                return Answer::Error(canned.clone());
            }
            if state.iam.modeled.contains(&account) && !iam::trusts(&state.iam, &account, &role, &caller, params) {
                return Answer::Error(denied);
            }
            let unknown = !state.org.accounts.iter().any(|a| a.id == account);
            let wrong_external_id = state
                .external_ids
                .get(&account)
                .is_some_and(|required| params["ExternalId"].as_str() != Some(required));
            if unknown || wrong_external_id || state.missing_roles.contains(&role) {
                return Answer::Error(denied);
            }
            let duration = params["DurationSeconds"].as_str().and_then(|d| d.parse::<i64>().ok()).unwrap_or(3600);
            let n = state.issued.len();
            let access_key = format!("ASIAFAKE{n:012}");
            let secret = format!("fake-secret-{n}-{account}");
            state.issued.insert(access_key.clone(), format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"));
            state.issued_secrets.push(secret.clone());
            let expiration = chrono::Utc::now() + chrono::Duration::seconds(duration);
            Answer::Xml(format!(
                "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROAFAKE:{session}</AssumedRoleId><Arn>arn:aws:sts::{account}:assumed-role/{role}/{session}</Arn></AssumedRoleUser><Credentials><AccessKeyId>{access_key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>fake-token-{n}-{account}</SessionToken><Expiration>{}</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></AssumeRoleResponse>",
                expiration.format("%Y-%m-%dT%H:%M:%SZ")
            ))
        }
        _ => Answer::Error(Canned::new(400, "InvalidAction", &format!("sts:{op} is not faked"))),
    }
}

fn cloudtrail(state: &State, op: &str, params: &Value) -> Answer {
    if op != "LookupEvents" {
        return Answer::Error(Canned::new(400, "UnknownOperationException", &format!("cloudtrail:{op} is not faked")));
    }
    let attributes = params["LookupAttributes"].as_array().cloned().unwrap_or_default();
    if attributes.len() > 1 {
        return Answer::Error(Canned::new(
            400,
            "InvalidLookupAttributesException",
            "You cannot specify more than one lookup attribute.",
        ));
    }
    let wanted = attributes.first().and_then(|a| {
        (a["AttributeKey"] == "EventName").then(|| a["AttributeValue"].as_str().unwrap_or_default().to_string())
    });
    let start = params["StartTime"].as_f64().unwrap_or(0.0) as i64;
    let end = params["EndTime"].as_f64().map(|e| e as i64).unwrap_or(i64::MAX);
    let max = params["MaxResults"].as_u64().unwrap_or(50).clamp(1, 50) as usize;
    // The token names the parameters it belongs to; another set of parameters gets an error.
    let signature = format!("{wanted:?}|{start}|{end}");
    let offset = match params["NextToken"].as_str() {
        None => 0,
        Some(token) => match token.split_once('#') {
            Some((offset, sig)) if sig == signature => offset.parse().unwrap_or(0),
            _ => {
                return Answer::Error(Canned::new(
                    400,
                    "InvalidNextTokenException",
                    "Invalid NextToken: it must be used with the same parameters as the call that returned it.",
                ));
            }
        },
    };
    if state.faults.repeat_token_parents.contains("LookupEvents") {
        return Answer::Ok(json!({"Events": [], "NextToken": format!("0#{signature}")}));
    }
    if state.faults.empty_pages > 0 && offset < state.faults.empty_pages {
        return Answer::Ok(json!({"Events": [], "NextToken": format!("{}#{signature}", offset + 1)}));
    }
    let offset = offset.saturating_sub(state.faults.empty_pages);
    let mut matching: Vec<&FakeEvent> = state
        .events
        .iter()
        .filter(|e| wanted.as_deref().is_none_or(|w| e.event_name == w))
        .filter(|e| e.event_time >= start && e.event_time <= end)
        .collect();
    matching.sort_by_key(|e| std::cmp::Reverse(e.event_time));
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(max)
        .map(|e| {
            json!({
                "EventId": e.event_id, "EventName": e.event_name, "EventTime": e.event_time as f64,
                "EventSource": "sso.amazonaws.com", "Username": "jane", "ReadOnly": "false",
                "CloudTrailEvent": e.cloudtrail_event,
            })
        })
        .collect();
    let mut body = json!({"Events": page});
    if offset + max < matching.len() {
        body["NextToken"] = json!(format!("{}#{signature}", offset + max + state.faults.empty_pages));
    }
    Answer::Ok(body)
}

fn sso(state: &mut State, op: &str, params: &Value) -> Answer {
    if let Some(answer) = sso_requests::answer(state, op, params) {
        return answer;
    }
    if let Some(answer) = access::answer_sso(state, op, params) {
        return answer;
    }
    match op {
        "ListInstances" => Answer::Ok(json!({"Instances": [{
            "InstanceArn": "arn:aws:sso:::instance/ssoins-fake", "IdentityStoreId": "d-fake000001", "Status": "ACTIVE"
        }]})),
        "DescribePermissionSet" => {
            let arn = params["PermissionSetArn"].as_str().unwrap_or_default();
            let duration = state.access.policies.get(arn).and_then(|p| p.session_duration.clone());
            match state.permission_sets.get(arn) {
                Some(name) => Answer::Ok(
                    json!({"PermissionSet": {"Name": name, "PermissionSetArn": arn, "SessionDuration": duration}}),
                ),
                None => Answer::Error(Canned::new(400, "ResourceNotFoundException", "Could not find PermissionSet")),
            }
        }
        _ => Answer::Error(Canned::new(400, "UnknownOperationException", &format!("sso:{op} is not faked"))),
    }
}

fn identity_store(state: &State, op: &str, params: &Value) -> Answer {
    if let Some(answer) = access::answer_identity_store(state, op, params) {
        return answer;
    }
    let (key, field) = match op {
        "DescribeUser" => ("UserId", "UserName"),
        "DescribeGroup" => ("GroupId", "DisplayName"),
        _ => return Answer::Error(Canned::new(400, "UnknownOperationException", &format!("identitystore:{op}"))),
    };
    let id = params[key].as_str().unwrap_or_default();
    match state.principals.get(id) {
        Some(name) => Answer::Ok(json!({key: id, field: name, "IdentityStoreId": "d-fake000001"})),
        None => Answer::Error(Canned::new(400, "ResourceNotFoundException", "principal not found")),
    }
}
