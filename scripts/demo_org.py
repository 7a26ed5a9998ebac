#!/usr/bin/env python3
"""Writes assets/demo.json, the embedded demo organization (deterministic; run from the repo root)."""
import json
from datetime import datetime, timedelta, timezone

MGMT = "111111111111"
CALLER = "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/jane.doe@example.com"
INSTANCE = "arn:aws:sso:::instance/ssoins-72231a2b3c4d5e6f"
ROLE = "OrganizationAccountAccessRole"

def role_arn(acct): return f"arn:aws:iam::{acct}:role/{ROLE}"
def denied(acct, tail=""): return f"User: {CALLER} is not authorized to perform: sts:AssumeRole on resource: {role_arn(acct)}{tail}"

REACHABLE = object()

# What the probe says when nothing it can read tells why (orgscope's own sentence).
NO_FOOTHOLD = ("AWS does not say which; the role's trust policy would tell (is the role there, whom it trusts, "
               "on which conditions), read with iam:GetRole from inside the account")
def unknown(): return dict(cause="unknown", evidence=dict(source=None, policy_id=None, policy_name=None, attached_to=None,
                                                         statement=None, read_via=None, missing=NO_FOOTHOLD))
RCP = "arn:aws:organizations::111111111111:policy/o-demo1example/resource_control_policy/p-demo5e1c"
def vault(acct):
    """The Security OU's resource control policy: nobody but the break-glass role assumes roles there."""
    return dict(status="blocked", reason="explicit_deny", role_arn=role_arn(acct),
                message=denied(acct, f" with an explicit deny in a resource control policy: {RCP}"), hint=None,
                cause="rcp_deny", evidence=dict(source="rcp", policy_id="p-demo5e1c", policy_name="ProtectSecurityAccounts",
                                                attached_to="ou-demo-sec9t1pz", statement="OnlyBreakGlass", read_via="management"))
# (name, id, joined_method, joined, status, tags, access)
def acct(name, id, joined="2021-03-04T10:20:30Z", method="CREATED", status="ACTIVE", env=None, owner="platform", cc="CC-1000", access=REACHABLE):
    tags = {"Owner": owner, "CostCenter": cc}
    if env: tags["Environment"] = env
    return dict(name=name, id=id, joined=joined, method=method, status=status, tags=tags, access=access)

INVITED_HINT = ("Invited accounts never get OrganizationAccountAccessRole: AWS creates it only in accounts the organization creates. "
                "Create the role in this account with a trust policy for the management account 111111111111 (`orgscope template trust-policy`), "
                "or deploy the StackSet that installs it in every account of the OU (`orgscope template stackset`).")
tree = {
  "name": "Root", "id": "r-demo", "children": [
    {"ou": "Acquisitions", "id": "ou-demo-acq0k2m9", "children": [
      {"ou": "Globex", "id": "ou-demo-glbx7d3q", "children": [
        acct("globex-legacy-prod", "480935127764", "2025-09-12T08:15:00Z", "INVITED", env="production", owner="globex-it", cc="CC-7100",
             access=dict(status="blocked", reason="access_denied", role_arn=role_arn("480935127764"), message=denied("480935127764"), hint=INVITED_HINT,
                         cause="role_missing", evidence=dict(source="role", policy_id=None, policy_name=None, attached_to=None,
                                                             statement=None, read_via="sso:DataScientist"))),
        acct("globex-shared", "593817264051", "2025-09-12T08:16:40Z", "INVITED", owner="globex-it", cc="CC-7100",
             access=dict(status="blocked", reason="access_denied", role_arn=role_arn("593817264051"), message=denied("593817264051"), hint=INVITED_HINT, **unknown())),
        acct("globex-analytics", "602918374655", "2025-10-01T14:02:11Z", "INVITED", env="production", owner="globex-data", cc="CC-7110"),
      ]},
    ]},
    {"ou": "Infrastructure", "id": "ou-demo-infr4b8x", "children": [
      acct("dns", "230498571236", "2019-05-21T09:00:00Z", env="production", owner="network"),
      acct("network-hub", "314159265358", "2019-05-20T16:45:12Z", env="production", owner="network"),
      acct("observability", "286208998628", "2023-08-01T10:00:00Z", env="production", owner="sre"),
      acct("shared-services", "271828182845", "2019-06-02T11:30:00Z", env="production"),
      acct("vpn-edge", "161803398874", "2022-02-14T10:00:00Z", env="production", owner="network",
           access=dict(status="blocked", reason="region_disabled", role_arn=role_arn("161803398874"),
                       message="STS is not activated in this region for account:161803398874. Your account administrator can activate STS in this region using the IAM Console.",
                       hint="STS is switched off for eu-west-1 in this account. Activate the region's STS endpoint in the account's IAM settings (Account settings → Security Token Service), or probe with --region us-east-1 to use an active endpoint.")),
    ]},
    {"ou": "Sandbox", "id": "ou-demo-sbx2n6vw", "children": [
      acct("sandbox-alice", "708215649301", "2024-01-08T09:12:00Z", env="sandbox", owner="alice", cc="CC-3000"),
      acct("sandbox-bob", "719326750412", "2024-01-08T09:13:00Z", env="sandbox", owner="bob", cc="CC-3000"),
      acct("sandbox-carol", "720437861523", "2024-03-19T15:40:00Z", env="sandbox", owner="carol", cc="CC-3000",
           access=dict(status="blocked", reason="access_denied", role_arn=role_arn("720437861523"), message=denied("720437861523"),
                       cause="trust_excludes_caller", evidence=dict(source="trust_policy", policy_id=None, policy_name=None,
                                                                    attached_to=None, statement=None, read_via="sso:PowerUser"),
                       hint="This account was created by the organization, so OrganizationAccountAccessRole existed once: it has been deleted or its trust policy edited. Recreate it, or restore a trust policy that lets the management account 111111111111 assume it (`orgscope template trust-policy`).")),
      acct("sandbox-dave", "731548972634", "2024-06-30T12:00:00Z", env="sandbox", owner="dave", cc="CC-3000"),
    ]},
    {"ou": "Security", "id": "ou-demo-sec9t1pz", "children": [
      acct("audit", "502938475610", "2018-11-05T10:00:00Z", env="production", owner="security", cc="CC-2000",
           access=vault("502938475610")),
      acct("log-archive", "502938475611", "2018-11-05T10:05:00Z", env="production", owner="security", cc="CC-2000",
           access=dict(vault("502938475611"), expected="Log archive: only the security team's break-glass role enters")),
      acct("security-tooling", "502938475612", "2018-11-06T08:30:00Z", env="production", owner="security", cc="CC-2000"),
    ]},
    {"ou": "Suspended", "id": "ou-demo-susp3h5j", "children": [
      acct("old-marketing-site", "846201937465", "2020-04-01T09:00:00Z", status="SUSPENDED", owner="marketing", cc="CC-5000",
           access=dict(status="skipped", reason="account_suspended", role_arn=None, message=None, hint="Suspended accounts cannot be entered; they are closed and awaiting deletion.")),
      acct("poc-2021-ml", "857312048576", "2021-07-15T13:20:00Z", status="SUSPENDED", owner="data", cc="CC-4000",
           access=dict(status="skipped", reason="account_suspended", role_arn=None, message=None, hint="Suspended accounts cannot be entered; they are closed and awaiting deletion.")),
    ]},
    {"ou": "Workloads", "id": "ou-demo-wkld8f2a", "children": [
      {"ou": "Development", "id": "ou-demo-dev5c7e", "children": [
        acct("data-dev", "345678901234", "2022-05-10T09:00:00Z", env="development", owner="data", cc="CC-4000"),
        acct("identity-dev", "356789012345", "2022-05-10T09:05:00Z", env="development", owner="identity",
             access=dict(status="blocked", reason="access_denied", role_arn=role_arn("356789012345"), message=denied("356789012345"), hint=None,
                         cause="mfa_required", evidence=dict(source="trust_policy", policy_id=None, policy_name=None, attached_to=None,
                                                             statement="RequireMfaForHumans", read_via="sso:PowerUser"))),
        acct("ml-research", "389012345678", "2025-02-17T09:30:00Z", env="development", owner="data", cc="CC-4000"),
        acct("payments-dev", "367890123456", "2021-02-01T09:00:00Z", env="development", owner="payments", cc="CC-6000"),
        acct("platform-dev", "390123456789", "2021-02-01T09:05:00Z", env="development",
             access=dict(status="blocked", reason="access_denied", role_arn=role_arn("390123456789"), message=denied("390123456789"), hint=None,
                         cause="trust_condition", evidence=dict(source="trust_policy", policy_id=None, policy_name=None, attached_to=None,
                                                                statement="OnlyFromTheCorporateNetwork", read_via="sso:PowerUser"))),
        acct("web-dev", "378901234567", "2021-02-01T09:10:00Z", env="development", owner="web", cc="CC-6100",
             access=dict(status="blocked", reason="explicit_deny", role_arn=role_arn("378901234567"),
                         message=denied("378901234567", " with an explicit deny in an identity-based policy"), hint=None,
                         cause="caller_policy", evidence=dict(source="caller_policy", policy_id="AwsSSOInlinePolicy",
                                                              policy_name="IAM Policy", attached_to=None, statement=None, read_via=CALLER))),
      ]},
      {"ou": "Production", "id": "ou-demo-prod1a9d", "children": [
        {"ou": "Payments", "id": "ou-demo-pay6k4r", "children": [
          acct("payments-ledger-prod", "198765432109", "2020-08-20T07:00:00Z", env="production", owner="payments", cc="CC-6000"),
          acct("payments-prod", "187654321098", "2020-08-20T07:05:00Z", env="production", owner="payments", cc="CC-6000"),
          acct("payments-vendor-gateway", "176543210987", "2023-04-11T10:00:00Z", env="production", owner="payments", cc="CC-6000",
               access=dict(status="blocked", reason="access_denied", role_arn=role_arn("176543210987"), message=denied("176543210987"),
                           cause="external_id_required", evidence=dict(source="trust_policy", policy_id=None, policy_name=None,
                                                                       attached_to=None, statement="TrustVendorWithExternalId",
                                                                       read_via="sso:PowerUser"),
                           hint="The role's trust policy here requires an sts:ExternalId condition: the other accounts of the OU Payments were reached only with --external-id. Retry with `orgscope --external-id ID`, or set the external ID for this OU in the config file.")),
        ]},
        acct("data-prod", "210987654321", "2020-01-15T09:00:00Z", env="production", owner="data", cc="CC-4000"),
        acct("identity-prod", "221098765432", "2020-01-15T09:10:00Z", env="production", owner="identity"),
        acct("web-prod", "232109876543", "2019-09-09T09:09:00Z", env="production", owner="web", cc="CC-6100"),
      ]},
      {"ou": "Staging", "id": "ou-demo-stg3m8q", "children": [
        acct("data-staging", "423456789012", "2021-11-03T09:00:00Z", env="staging", owner="data", cc="CC-4000"),
        acct("payments-staging", "434567890123", "2021-11-03T09:05:00Z", env="staging", owner="payments", cc="CC-6000"),
        acct("web-staging", "445678901234", "2021-11-03T09:10:00Z", env="staging", owner="web", cc="CC-6100"),
      ]},
    ]},
    acct("acme-management", MGMT, "2018-10-01T08:00:00Z", env="production", owner="cloud-platform", cc="CC-0001",
         access=dict(status="reachable", reason="caller_account", role_arn=None, message=None, hint="You are signed in to this account already; orgscope uses your current credentials for it.")),
  ]}

access = {}
def node(n):
    if "ou" in n:
        kids = [node(c) for c in n["children"]]
        kids.sort(key=lambda k: (k["kind"] != "ou", k["name"].lower(), k["id"]))
        return {"kind": "ou", "id": n["id"], "name": n["ou"], "children": kids, "error": None}
    a = n["access"]
    if a is REACHABLE:
        a = dict(status="reachable", reason=None, role_arn=role_arn(n["id"]), message=None, hint=None)
    # orgscope writes the hints itself from the reasons, so the demo shows today's wording.
    access[n["id"]] = dict(a, hint=None)
    return {"kind": "account", "id": n["id"], "name": n["name"], "email": f"aws+{n['name']}@acme.example.com",
            "status": n["status"], "joined_method": n["method"], "joined_at": n["joined"], "tags": n["tags"],
            "management": n["id"] == MGMT}

root_children = [node(c) for c in tree["children"]]
root_children.sort(key=lambda k: (k["kind"] != "ou", k["name"].lower(), k["id"]))
names = {}
def collect(nodes):
    for n in nodes:
        if n["kind"] == "ou": collect(n["children"])
        else: names[n["id"]] = n["name"]
collect(root_children)

PS = {"AdministratorAccess": "ps-6a1b2c3d4e5f6071", "ReadOnlyAccess": "ps-7b2c3d4e5f607182", "DataScientist": "ps-8c3d4e5f60718293",
      "BillingAdmin": "ps-9d4e5f6071829304", "PowerUser": "ps-ae5f607182930415"}
def ps_arn(name): return f"arn:aws:sso:::permissionSet/ssoins-72231a2b3c4d5e6f/{PS[name]}"
USERS = {"USER": ["9067a1b2c3-1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809", "9067a1b2c3-2b3c4d5e-6f70-8192-a3b4-c5d6e7f8091a"],
         "GROUP": ["9067a1b2c3-3c4d5e6f-7081-92a3-b4c5-d6e7f8091a2b", "9067a1b2c3-4d5e6f70-8192-a3b4-c5d6-e7f8091a2b3c"]}
NAMES = {USERS["USER"][0]: "jane.doe@example.com", USERS["USER"][1]: "sam.lee@example.com",
         USERS["GROUP"][0]: "Data Scientists", USERS["GROUP"][1]: "Platform Engineers"}
ACTORS = [CALLER, "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/sam.lee@example.com",
          "arn:aws:sts::111111111111:assumed-role/terraform-identity-pipeline/gitlab-ci"]

IAM_LIMIT = "Received a 402 status error: Number of attached policies to role AWSReservedSSO_DataScientist_3f2a1b0c9d8e7f6a for account 210987654321 has exceeded the IAM limit. Please contact support to increase the limit."
IAM_LIMIT_HINT = ("Roles can have 10 managed policies attached by default (25 after a Service Quotas increase). Merge managed policies, move some permissions into the "
                  "permission set's inline policy or a customer managed policy, or raise the 'Managed policies per role' quota in every target account, then retry.")
MISSING_CMP = "Received a 400 status error: Policy name: BoundaryPolicy-Data does not exist for account 345678901234 in path /. Please create the policy in the account before assigning the permission set."
MISSING_CMP_HINT = "The permission set references the customer managed policy BoundaryPolicy-Data in path /, which this account does not have. Create it with exactly that name and path (a StackSet keeps every account in step), then retry the assignment."
INTERNAL = "An unexpected internal service exception occurred."
INTERNAL_HINT = "A transient fault inside Identity Center: retry the assignment. If it keeps failing, open a case with AWS Support quoting the request id."
MGMT_DENIED = "Access denied by IAM. Please check that the caller has the iam:CreateRole and iam:UpdateSAMLProvider permissions."
MGMT_DENIED_HINT = "In the management account Identity Center acts with the caller's own IAM permissions: give the identity that made the assignment iam:CreateRole, iam:AttachRolePolicy, iam:PutRolePolicy and iam:UpdateSAMLProvider there, then retry."

DELETE_CONFLICT = "DeleteConflict: Cannot delete entity, must detach all policies first."
POLICIES_QUOTA = "LimitExceeded: Cannot exceed quota for PoliciesPerRole: 10"
API = {"create": ("CreateAccountAssignment", "accountAssignmentCreationStatus"),
       "delete": ("DeleteAccountAssignment", "accountAssignmentDeletionStatus"),
       "provision": ("ProvisionPermissionSet", "permissionSetProvisioningStatus")}

end = datetime(2026, 11, 20, 9, 0, 0, tzinfo=timezone.utc)
attempts = []
specs = [
    # (hours ago, account, permission set, principal type, status, failure_reason, error_code, hint, actor)
    (2, "210987654321", "DataScientist", "GROUP", "FAILED", IAM_LIMIT, None, IAM_LIMIT_HINT, 0),
    (5, "423456789012", "ReadOnlyAccess", "GROUP", "SUCCEEDED", None, None, None, 2),
    (9, "345678901234", "DataScientist", "GROUP", "FAILED", MISSING_CMP, None, MISSING_CMP_HINT, 2),
    (20, "187654321098", "PowerUser", "USER", "IN_PROGRESS", None, None, None, 1),
    (26, MGMT, "BillingAdmin", "USER", "FAILED", MGMT_DENIED, None, MGMT_DENIED_HINT, 1),
    (31, "232109876543", "ReadOnlyAccess", "GROUP", "SUCCEEDED", None, None, None, 2),
    (40, "445678901234", "PowerUser", "GROUP", "SUCCEEDED", None, None, None, 2),
    (52, "198765432109", "AdministratorAccess", "USER", "API_ERROR",
     "User: arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/sam.lee@example.com is not authorized to perform: sso:CreateAccountAssignment on resource: arn:aws:sso:::permissionSet/ssoins-72231a2b3c4d5e6f/ps-6a1b2c3d4e5f6071",
     "AccessDeniedException", "The call itself was refused: the caller lacks sso:CreateAccountAssignment (and the iam:/sso: actions it needs) for this permission set.", 1),
    (60, "367890123456", "PowerUser", "GROUP", "SUCCEEDED", None, None, None, 2),
    (75, "221098765432", "DataScientist", "GROUP", "FAILED", INTERNAL, None, INTERNAL_HINT, 2),
    (88, "708215649301", "AdministratorAccess", "USER", "SUCCEEDED", None, None, None, 0),
    (100, "502938475612", "ReadOnlyAccess", "GROUP", "SUCCEEDED", None, None, None, 0),
    (120, "434567890123", "ReadOnlyAccess", "GROUP", "SUCCEEDED", None, None, None, 2),
    (140, None, None, None, "UNKNOWN", None, "unparseable_event", None, None),
    (150, "314159265358", "AdministratorAccess", "GROUP", "SUCCEEDED", None, None, None, 0),
]
# Deletions and provisionings: (hours ago, account, permission set, principal type, status, reason, operation, in CloudTrail)
more = [
    (4, "423456789012", "PowerUser", "GROUP", "FAILED", DELETE_CONFLICT, "delete", True),
    (12, "210987654321", "DataScientist", None, "FAILED", POLICIES_QUOTA, "provision", False),
    (34, "232109876543", "ReadOnlyAccess", "USER", "SUCCEEDED", None, "delete", True),
    (58, "445678901234", "PowerUser", None, "SUCCEEDED", None, "provision", True),
]
specs = [s + ("create", True) for s in specs] + [(h, a, p, t, st, r, None, None, 1, op, ct) for (h, a, p, t, st, r, op, ct) in more]
for i, (hours, acct_id, ps, ptype, status, reason, code, hint, actor, op, in_cloudtrail) in enumerate(specs):
    hint = None  # orgscope writes the hints itself, so the demo shows today's wording
    t = (end - timedelta(hours=hours, minutes=7 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    event_id = f"{0x5e1a0000 + i * 7919:08x}-1f2e-4d3c-9b8a-{i * 104729 + 123456789:012x}"
    request_id = None if status in ("API_ERROR", "UNKNOWN") else f"{0xa55e0000 + i * 15485863:08x}-7c6b-4a59-8e7d-{i * 86028121 + 987654321:012x}"
    if status == "UNKNOWN":
        raw = '{"eventVersion":"1.09","eventTime":"' + t + '","eventSource":"sso.amazonaws.com","eventName":"CreateAccountAssignment","requestParameters":{"instanceArn":"arn:aws:sso:::instance/ssoins-72231a2b3c4d5e6f","targetId":"3456789'
        attempts.append(dict(event_id=event_id, event_time=t, actor=None, request_id=None, instance_arn=None, account_id=None, account_name=None,
                             permission_set_arn=None, permission_set_name=None, principal_type=None, principal_id=None, status="UNKNOWN",
                             failure_reason="the CloudTrail event could not be parsed: EOF while parsing a string at line 1 column 243",
                             error_code="unparseable_event", hint=None, raw_event=raw, operation="create", principal_name=None))
        continue
    principal = USERS[ptype][i % 2] if ptype else None
    name, element = API[op]
    params = ({"instanceArn": INSTANCE, "permissionSetArn": ps_arn(ps), "targetId": acct_id, "targetType": "AWS_ACCOUNT"} if op == "provision" else
              {"instanceArn": INSTANCE, "targetId": acct_id, "targetType": "AWS_ACCOUNT",
               "permissionSetArn": ps_arn(ps), "principalType": ptype, "principalId": principal})
    event = {"eventVersion": "1.09", "userIdentity": {"type": "AssumedRole", "arn": ACTORS[actor], "accountId": MGMT},
             "eventTime": t, "eventSource": "sso.amazonaws.com", "eventName": name, "awsRegion": "eu-west-1",
             "sourceIPAddress": "198.51.100.23", "userAgent": "aws-cli/2.22.0",
             "requestParameters": params,
             "responseElements": None if status == "API_ERROR" else {element: dict(status="IN_PROGRESS", requestId=request_id, **{k: v for k, v in params.items() if k != "instanceArn"})},
             "requestID": f"{i:08x}-0000-4000-8000-000000000000", "eventID": event_id, "readOnly": False,
             "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": MGMT, "eventCategory": "Management"}
    if status == "API_ERROR":
        event["errorCode"] = code
        event["errorMessage"] = reason
    attempts.append(dict(event_id=event_id if in_cloudtrail else None, event_time=t, operation=op,
                         actor=ACTORS[actor] if in_cloudtrail else None, request_id=request_id, instance_arn=INSTANCE,
                         account_id=acct_id, account_name=names[acct_id], permission_set_arn=ps_arn(ps), permission_set_name=ps,
                         principal_type=ptype, principal_id=principal, principal_name=NAMES.get(principal), status=status,
                         failure_reason=reason, error_code=code, hint=hint, target_type="AWS_ACCOUNT",
                         raw_event=json.dumps(event, separators=(",", ":")) if in_cloudtrail else None))

attempts.sort(key=lambda a: a["event_time"], reverse=True)

# Identity Center's access map: who holds which permission set where (`orgscope access`).
GROUPS = {USERS["GROUP"][0]: "Data Scientists", USERS["GROUP"][1]: "Platform Engineers",
          "9067a1b2c3-5e6f7081-92a3-b4c5-d6e7-f8091a2b3c4d": "Auditors",
          "9067a1b2c3-6f708192-a3b4-c5d6-e7f8-091a2b3c4d5e": "Billing"}
PEOPLE = [(USERS["USER"][0], "jane.doe@example.com", "Jane Doe"), (USERS["USER"][1], "sam.lee@example.com", "Sam Lee"),
          ("9067a1b2c3-7081-92a3-b4c5-d6e7f8091a2b", "alex.kim@example.com", "Alex Kim"),
          ("9067a1b2c3-8192-a3b4-c5d6-e7f8091a2b3c", "priya.n@example.com", "Priya N"),
          ("9067a1b2c3-92a3-b4c5-d6e7-f8091a2b3c4d", "oscar.w@example.com", "Oscar W")]
group_id = {name: gid for gid, name in GROUPS.items()}
member_of = {"jane.doe@example.com": ["Platform Engineers", "Auditors"], "sam.lee@example.com": ["Data Scientists"],
             "alex.kim@example.com": ["Data Scientists", "Platform Engineers"], "priya.n@example.com": ["Auditors", "Billing"]}
grants = []
for acct_id, name in sorted(names.items()):
    if access.get(acct_id, {}).get("reason") == "account_suspended":
        continue
    grants.append((acct_id, "ReadOnlyAccess", "GROUP", group_id["Auditors"]))
    # The platform team also runs Carol's sandbox and the vendor gateway (their roles there are
    # the demo's footholds: the causes of those blocks are read through them).
    if any(k in name for k in ("prod", "staging", "dev", "hub", "tooling", "sandbox-carol", "vendor-gateway")):
        grants.append((acct_id, "PowerUser", "GROUP", group_id["Platform Engineers"]))
    if name.startswith("data-"):
        grants.append((acct_id, "DataScientist", "GROUP", group_id["Data Scientists"]))
# Globex's legacy warehouse is worked on by the data team too: with Platform Engineers' PowerUser,
# two roles there for alex.kim, the demo's own Identity Center sign-in (the TUI asks which).
grants.append(("480935127764", "DataScientist", "GROUP", group_id["Data Scientists"]))
grants.append((MGMT, "BillingAdmin", "GROUP", group_id["Billing"]))
grants.append((MGMT, "AdministratorAccess", "USER", USERS["USER"][0]))
for acct_id, name in names.items():
    if name in ("sandbox-alice", "network-hub"):
        grants.append((acct_id, "AdministratorAccess", "USER", PEOPLE[4][0]))
# Oscar's predecessor left and was deleted from the Identity Store; her AdministratorAccess in
# sandbox-alice was never removed: the map keeps it, orphaned.
ORPHAN = "9067a1b2c3-a0b1-c2d3-e4f5-061728394a5b"
grants.append(("708215649301", "AdministratorAccess", "USER", ORPHAN))
# DataScientist was edited and not provisioned again in two accounts: stale there.
STALE = {("210987654321", "DataScientist"), ("345678901234", "DataScientist")}
# The access map is as AWS holds it after the requests above: a succeeded creation is an
# assignment, a succeeded deletion is none.
for a in attempts:
    if a["status"] != "SUCCEEDED" or a["operation"] == "provision":
        continue
    grant = (a["account_id"], a["permission_set_name"], a["principal_type"], a["principal_id"])
    if a["operation"] == "create" and grant not in grants:
        grants.append(grant)
    if a["operation"] == "delete" and grant in grants:
        grants.remove(grant)
pairs = sorted({(a, ps) for a, ps, _, _ in grants})
# What each permission set is made of: AWS's own managed policies (their documents as AWS
# publishes them, the test fixtures), DataScientist's inline policy and its customer-managed
# boundary (which 345678901234 lacks: the failed assignment above). Levels are decided by orgscope.
def document(name):
    with open(f"tests/fixtures/policies/{name}.json") as f:
        return json.dumps(json.load(f), separators=(",", ":"))
MANAGED = {"AdministratorAccess": ("arn:aws:iam::aws:policy/AdministratorAccess", "v1"),
           "ReadOnlyAccess": ("arn:aws:iam::aws:policy/ReadOnlyAccess", "v182"),
           "PowerUserAccess": ("arn:aws:iam::aws:policy/PowerUserAccess", "v12"),
           "Billing": ("arn:aws:iam::aws:policy/job-function/Billing", "v28"),
           "AmazonS3FullAccess": ("arn:aws:iam::aws:policy/AmazonS3FullAccess", "v2")}
DATA_INLINE = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Notebooks", "Effect": "Allow", "Action": ["sagemaker:*", "athena:*", "glue:Get*"], "Resource": "*"},
    {"Sid": "PassTheNotebookRole", "Effect": "Allow", "Action": "iam:PassRole",
     "Resource": "arn:aws:iam::*:role/sagemaker-execution"}]}, separators=(",", ":"))
BOUNDARY_DATA = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:*", "sagemaker:*", "athena:*", "glue:Get*", "iam:PassRole"], "Resource": "*"}]},
    separators=(",", ":"))
def made_of(managed, inline=None, boundary=None, duration="PT1H"):
    return {"managed": [MANAGED[m][0] for m in managed], "customer_managed": [], "inline": inline,
            "boundary": boundary, "session_duration": duration}
POLICIES = {"AdministratorAccess": made_of(["AdministratorAccess"]),
            "ReadOnlyAccess": made_of(["ReadOnlyAccess"], duration="PT8H"),
            "DataScientist": made_of(["AmazonS3FullAccess"], DATA_INLINE, "/BoundaryPolicy-Data", "PT4H"),
            "BillingAdmin": made_of(["Billing"]),
            "PowerUser": made_of(["PowerUserAccess"], duration="PT4H")}
documents = [{"arn": arn, "version": version, "document": document(name)} for name, (arn, version) in MANAGED.items()]
documents.append({"arn": "arn:aws:iam::210987654321:policy/BoundaryPolicy-Data", "version": "v1", "document": BOUNDARY_DATA})
# When each provisioned role was last used (IAM's RoleLastUsed): read where orgscope gets in,
# recently, long ago or never; unreadable in the accounts that block it.
SAVED = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
def used(acct_id, ps):
    if acct_id != MGMT and access.get(acct_id, {}).get("status", "reachable") != "reachable":
        return None, False
    pick = sum(map(ord, acct_id + ps)) % 6
    if pick == 0:
        return None, True
    days = {1: 160, 2: 400}.get(pick, pick * 4 - 5)
    return (SAVED - timedelta(days=days, hours=pick)).strftime("%Y-%m-%dT%H:%M:%SZ"), True
usage = []
for a, ps in sorted({(a, ps) for a, ps, _, _ in grants}):
    last, readable = used(a, ps)
    usage.append({"account_id": a, "permission_set_arn": ps_arn(ps), "last_used": last, "readable": readable,
                  "read_at": "2026-11-20T08:59:00Z"})
identity_center = {
    "permission_sets": [{"arn": ps_arn(n), "name": n, "policies": POLICIES[n]} for n in PS],
    "provisioned": [{"account_id": a, "permission_set_arn": ps_arn(ps), "current": (a, ps) not in STALE} for a, ps in pairs],
    "assignments": [{"account_id": a, "permission_set_arn": ps_arn(ps), "principal_type": t, "principal_id": pid} for a, ps, t, pid in grants],
    "users": [{"id": uid, "user_name": email, "display_name": display, "emails": [email]} for uid, email, display in PEOPLE],
    "groups": [{"id": gid, "display_name": name} for gid, name in GROUPS.items()],
    "memberships": [{"group_id": group_id[g], "user_id": uid} for uid, email, _ in PEOPLE for g in member_of.get(email, [])],
    "unavailable": [],
    "store_listed": True,
    "documents": documents,
    "usage": usage,
}
snapshot = {"format": 2, "saved_at": "2026-11-20T09:00:00Z", "region": "eu-west-1",
            "org": {"organization": {"id": "o-demo1example", "management_account_id": MGMT, "feature_set": "ALL"},
                    "caller": {"account": MGMT, "arn": CALLER},
                    "roots": [{"id": "r-demo", "name": "Root", "children": root_children, "error": None}]},
            "access": dict(sorted(access.items())), "assignments": attempts, "identity_center": identity_center}
with open("assets/demo.json", "w") as f:
    json.dump(snapshot, f, indent=1)
    f.write("\n")
ous = sum(1 for _ in json.dumps(snapshot["org"]).split('"kind": "ou"')) - 1
print(f"accounts={len(names)} ous={ous} assignments={len(attempts)} blocked={sum(a['status']=='blocked' for a in access.values())}")
