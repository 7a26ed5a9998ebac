//! IAM inside the fake organization's member accounts, over awsQuery/XML as IAM speaks it
//! (`https://iam.amazonaws.com/doc/2010-05-08/`): `GetRole`, `CreateRole`,
//! `UpdateAssumeRolePolicy`, `AttachRolePolicy`, each acting in the account of the credentials
//! that sign the call. The accounts listed in [`FakeIam::modeled`] decide `AssumeRole` from the
//! roles held here and their trust policies (principal, `sts:ExternalId`, MFA), so a repair turns
//! them reachable as it would in AWS.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::{Answer, Canned, State, xml_escape};

pub const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

#[derive(Debug, Default)]
pub struct FakeIam {
    /// Trust policies by (account, role name).
    pub roles: HashMap<(String, String), String>,
    /// Managed policies attached, by (account, role name).
    pub attached: HashMap<(String, String), Vec<String>>,
    /// Accounts whose AssumeRole answer follows `roles` instead of always succeeding.
    pub modeled: HashSet<String>,
    /// SimulatePrincipalPolicy's answers by policy source ARN: (decision, deciding policy id);
    /// `allowed` for any other.
    pub simulations: HashMap<String, (String, Option<String>)>,
    /// Managed policies by ARN: (default version, document). AWS-managed ones
    /// (`arn:aws:iam::aws:policy/…`) are readable from every account, a customer-managed one only
    /// in its own.
    pub policies: HashMap<String, (String, String)>,
    /// Identity Center's roles in each account (under `/aws-reserved/sso.amazonaws.com/`):
    /// (name, when last used as RFC 3339).
    pub sso_roles: HashMap<String, Vec<(String, Option<String>)>>,
}

const SSO_PATH: &str = "/aws-reserved/sso.amazonaws.com/";

fn sso_role_xml(account: &str, name: &str, last_used: Option<&str>) -> String {
    let used = last_used
        .map(|at| format!("<RoleLastUsed><LastUsedDate>{at}</LastUsedDate><Region>us-east-1</Region></RoleLastUsed>"))
        .unwrap_or_else(|| "<RoleLastUsed/>".to_string());
    format!(
        "<Role><Path>{SSO_PATH}</Path><AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument><RoleId>AROASSO{account}</RoleId><RoleName>{0}</RoleName><Arn>arn:aws:iam::{account}:role{SSO_PATH}{0}</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate>{used}</Role>",
        xml_escape(name)
    )
}

/// `GetPolicy`, `GetPolicyVersion`, `ListRoles` and `GetRole` of Identity Center's roles.
fn answer_reads(state: &State, account: &str, op: &str, params: &Value) -> Option<Answer> {
    let arn = params["PolicyArn"].as_str().unwrap_or_default();
    let readable = |arn: &str| arn.split(':').nth(4).is_some_and(|owner| owner == "aws" || owner == account);
    let no_policy = || {
        Answer::Error(Canned::new(404, "NoSuchEntity", &format!("Policy {arn} does not exist or is not attachable.")))
    };
    Some(match op {
        "GetPolicy" => match state.iam.policies.get(arn).filter(|_| readable(arn)) {
            Some((version, _)) => response(
                op,
                &format!(
                    "<GetPolicyResult><Policy><PolicyName>{}</PolicyName><Arn>{}</Arn><DefaultVersionId>{version}</DefaultVersionId><Path>/</Path></Policy></GetPolicyResult>",
                    xml_escape(arn.rsplit('/').next().unwrap_or_default()),
                    xml_escape(arn)
                ),
            ),
            None => no_policy(),
        },
        "GetPolicyVersion" => match state.iam.policies.get(arn).filter(|_| readable(arn)) {
            Some((version, document)) if params["VersionId"].as_str() == Some(version.as_str()) => {
                let encoded = url_encoded(document);
                response(
                    op,
                    &format!(
                        "<GetPolicyVersionResult><PolicyVersion><Document>{encoded}</Document><VersionId>{version}</VersionId><IsDefaultVersion>true</IsDefaultVersion></PolicyVersion></GetPolicyVersionResult>"
                    ),
                )
            }
            _ => no_policy(),
        },
        "ListRoles" => {
            let prefix = params["PathPrefix"].as_str().unwrap_or("/");
            let roles = state.iam.sso_roles.get(account).cloned().unwrap_or_default();
            let members: String = roles
                .iter()
                .filter(|_| SSO_PATH.starts_with(prefix) || prefix.starts_with(SSO_PATH))
                .map(|(name, _)| {
                    sso_role_xml(account, name, None).replacen("<Role>", "<member>", 1).replace("</Role>", "</member>")
                })
                .collect();
            response(
                op,
                &format!("<ListRolesResult><IsTruncated>false</IsTruncated><Roles>{members}</Roles></ListRolesResult>"),
            )
        }
        "GetRole" => {
            let name = params["RoleName"].as_str().unwrap_or_default();
            let role = state.iam.sso_roles.get(account).and_then(|roles| roles.iter().find(|(n, _)| n == name));
            let (name, used) = role?;
            response(op, &format!("<GetRoleResult>{}</GetRoleResult>", sso_role_xml(account, name, used.as_deref())))
        }
        _ => return None,
    })
}

/// The account the call acts in: the signing credentials' account, else the caller's.
pub fn account_of(state: &State, access_key: Option<&str>) -> String {
    let arn = access_key.and_then(|k| state.issued.get(k)).cloned().unwrap_or_else(|| state.caller_arn.clone());
    arn.split(':').nth(4).unwrap_or_default().to_string()
}

/// A policy document as IAM returns it: URL-encoded (RFC 3986).
fn url_encoded(document: &str) -> String {
    document
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn role_xml(account: &str, name: &str, trust: &str) -> String {
    let encoded = url_encoded(trust);
    format!(
        "<Role><Path>/</Path><AssumeRolePolicyDocument>{encoded}</AssumeRolePolicyDocument><RoleId>AROAFAKE{account}</RoleId><RoleName>{}</RoleName><Arn>arn:aws:iam::{account}:role/{}</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate></Role>",
        xml_escape(name),
        xml_escape(name)
    )
}

fn response(op: &str, result: &str) -> Answer {
    Answer::Xml(format!(
        "<{op}Response xmlns=\"{NAMESPACE}\">{result}<ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></{op}Response>"
    ))
}

fn no_such_role(name: &str) -> Answer {
    Answer::Error(Canned::new(404, "NoSuchEntity", &format!("The role with name {name} cannot be found.")))
}

pub fn iam(state: &mut State, op: &str, params: &Value, access_key: Option<&str>) -> Answer {
    let account = account_of(state, access_key);
    let name = params["RoleName"].as_str().unwrap_or_default().to_string();
    let key = (account.clone(), name.clone());
    if let Some(answer) = answer_reads(state, &account, op, params) {
        return answer;
    }
    match op {
        "GetRole" => match state.iam.roles.get(&key) {
            Some(trust) => {
                response(op, &format!("<GetRoleResult>{}</GetRoleResult>", role_xml(&account, &name, trust)))
            }
            None => no_such_role(&name),
        },
        "CreateRole" => {
            if state.iam.roles.contains_key(&key) {
                return Answer::Error(Canned::new(
                    409,
                    "EntityAlreadyExists",
                    &format!("Role with name {name} already exists."),
                ));
            }
            let trust = params["AssumeRolePolicyDocument"].as_str().unwrap_or_default().to_string();
            if serde_json::from_str::<Value>(&trust).is_err() {
                return Answer::Error(Canned::new(400, "MalformedPolicyDocument", "This policy contains invalid Json"));
            }
            let xml = role_xml(&account, &name, &trust);
            state.iam.roles.insert(key, trust);
            response(op, &format!("<CreateRoleResult>{xml}</CreateRoleResult>"))
        }
        "UpdateAssumeRolePolicy" => {
            let Some(trust) = state.iam.roles.get_mut(&key) else { return no_such_role(&name) };
            *trust = params["PolicyDocument"].as_str().unwrap_or_default().to_string();
            response(op, "")
        }
        "AttachRolePolicy" => {
            if !state.iam.roles.contains_key(&key) {
                return no_such_role(&name);
            }
            let arn = params["PolicyArn"].as_str().unwrap_or_default().to_string();
            state.iam.attached.entry(key).or_default().push(arn);
            response(op, "")
        }
        "SimulatePrincipalPolicy" => {
            let source = params["PolicySourceArn"].as_str().unwrap_or_default();
            let action = params["ActionNames.member.1"].as_str().unwrap_or_default();
            let resource = params["ResourceArns.member.1"].as_str().unwrap_or("*");
            let (decision, policy) = state.iam.simulations.get(source).cloned().unwrap_or(("allowed".into(), None));
            let matched = policy
                .map(|id| {
                    format!(
                        "<member><SourcePolicyId>{}</SourcePolicyId><SourcePolicyType>IAM Policy</SourcePolicyType></member>",
                        xml_escape(&id)
                    )
                })
                .unwrap_or_default();
            response(
                op,
                &format!(
                    "<SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults><member><EvalActionName>{}</EvalActionName><EvalResourceName>{}</EvalResourceName><EvalDecision>{decision}</EvalDecision><MatchedStatements>{matched}</MatchedStatements><MissingContextValues/></member></EvaluationResults></SimulatePrincipalPolicyResult>",
                    xml_escape(action),
                    xml_escape(resource)
                ),
            )
        }
        _ => Answer::Error(Canned::new(400, "InvalidAction", &format!("iam:{op} is not faked"))),
    }
}

/// Whether `role` in `account` lets `caller` (an ARN) assume it with `params` (the AssumeRole
/// form): an Allow statement for `sts:AssumeRole` naming the caller's account, its root or its
/// role, whose `StringEquals sts:ExternalId` and `Bool aws:MultiFactorAuthPresent` conditions
/// hold. Any other condition fails, as an unknown one would in a careful reading.
pub fn trusts(iam: &FakeIam, account: &str, role: &str, caller: &str, params: &Value) -> bool {
    let Some(trust) = iam.roles.get(&(account.to_string(), role.to_string())) else { return false };
    let Ok(trust) = serde_json::from_str::<Value>(trust) else { return false };
    let caller_account = caller.split(':').nth(4).unwrap_or_default();
    let caller_role = caller
        .split(":assumed-role/")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .map(|r| format!("arn:aws:iam::{caller_account}:role/{r}"));
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
            Value::String(s) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    let statements = match &trust["Statement"] {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    statements.iter().any(|s| {
        let named = list(&s["Principal"]["AWS"]).iter().any(|p| {
            p == caller_account
                || *p == format!("arn:aws:iam::{caller_account}:root")
                || Some(p) == caller_role.as_ref()
                || p == caller
        });
        let action = list(&s["Action"]).iter().any(|a| a == "sts:AssumeRole" || a == "sts:*" || a == "*");
        let conditions = s["Condition"].as_object().map(|c| c.iter().collect::<Vec<_>>()).unwrap_or_default();
        let holds = conditions.iter().all(|(operator, keys)| {
            keys.as_object().is_some_and(|keys| {
                keys.iter().all(|(key, want)| match (operator.as_str(), key.as_str()) {
                    ("StringEquals", "sts:ExternalId") => {
                        list(want).iter().any(|w| Some(w.as_str()) == params["ExternalId"].as_str())
                    }
                    ("Bool", "aws:MultiFactorAuthPresent") => {
                        let present =
                            params["SerialNumber"].as_str().is_some() && params["TokenCode"].as_str().is_some();
                        list(want).iter().any(|w| w == &present.to_string())
                    }
                    _ => false,
                })
            })
        });
        s["Effect"] == "Allow" && named && action && holds
    })
}
