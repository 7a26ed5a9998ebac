//! CloudFormation StackSets as the local endpoint answers them, over awsQuery/XML
//! (`http://cloudformation.amazonaws.com/doc/2010-05-15/`): `DescribeStackSet`, `CreateStackSet`,
//! `CreateStackInstances` (deployment targets: OUs, accounts, their intersection),
//! `DescribeStackSetOperation` (RUNNING once, then its end) and `ListStackInstances`. An instance
//! creates the role of the StackSet's `RoleName` in its account's IAM (trusting the management
//! account, AdministratorAccess attached) and **fails when that role already exists**, as AWS does.

use std::collections::HashMap;

use serde_json::Value;

use super::{Answer, Canned, State, xml_escape};

pub const NAMESPACE: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

#[derive(Debug, Clone)]
pub struct FakeInstance {
    pub stack_set: String,
    pub account: String,
    pub region: String,
    /// CURRENT, OUTDATED or INOPERABLE.
    pub status: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct FakeCfn {
    /// StackSets by name: their parameters.
    pub stack_sets: HashMap<String, HashMap<String, String>>,
    pub instances: Vec<FakeInstance>,
    /// Operations by id: (final status, times described).
    pub operations: HashMap<String, (String, u32)>,
}

fn response(op: &str, result: &str) -> Answer {
    Answer::Xml(format!(
        "<{op}Response xmlns=\"{NAMESPACE}\"><{op}Result>{result}</{op}Result><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></{op}Response>"
    ))
}

/// `Prefix.member.1`, `Prefix.member.2`, … of an awsQuery form.
fn members(params: &Value, prefix: &str) -> Vec<String> {
    (1..).map_while(|n| params[format!("{prefix}.member.{n}")].as_str().map(str::to_string)).collect()
}

fn not_found(name: &str) -> Answer {
    Answer::Error(Canned::new(400, "StackSetNotFoundException", &format!("StackSet {name} not found")))
}

/// Every account under `ou` (a root or OU id), nested OUs included.
fn accounts_under(state: &State, ou: &str) -> Vec<String> {
    let org = &state.org;
    let mut inside = vec![ou.to_string()];
    let mut i = 0;
    while i < inside.len() {
        let parent = inside[i].clone();
        inside.extend(org.ous.iter().filter(|o| o.parent == parent).map(|o| o.id.clone()));
        i += 1;
    }
    org.accounts.iter().filter(|a| inside.contains(&a.parent)).map(|a| a.id.clone()).collect()
}

pub fn cloudformation(state: &mut State, op: &str, params: &Value) -> Answer {
    let name = params["StackSetName"].as_str().unwrap_or_default().to_string();
    match op {
        "DescribeStackSet" => match state.cfn.stack_sets.get(&name) {
            Some(_) => response(
                op,
                &format!(
                    "<StackSet><StackSetName>{0}</StackSetName><StackSetId>{0}:fake</StackSetId><Status>ACTIVE</Status><PermissionModel>SERVICE_MANAGED</PermissionModel></StackSet>",
                    xml_escape(&name)
                ),
            ),
            None => not_found(&name),
        },
        "CreateStackSet" => {
            if state.cfn.stack_sets.contains_key(&name) {
                return Answer::Error(Canned::new(
                    409,
                    "NameAlreadyExistsException",
                    &format!("StackSet {name} already exists"),
                ));
            }
            if params["PermissionModel"] != "SERVICE_MANAGED" || params["AutoDeployment.Enabled"] != "true" {
                return Answer::Error(Canned::new(
                    400,
                    "ValidationError",
                    "this fake deploys service-managed, auto-deployed StackSets",
                ));
            }
            let mut parameters = HashMap::new();
            for n in 1.. {
                let key = params[format!("Parameters.member.{n}.ParameterKey")].as_str();
                let Some(key) = key else { break };
                let value = params[format!("Parameters.member.{n}.ParameterValue")].as_str().unwrap_or_default();
                parameters.insert(key.to_string(), value.to_string());
            }
            state.cfn.stack_sets.insert(name.clone(), parameters);
            response(op, &format!("<StackSetId>{}:fake</StackSetId>", xml_escape(&name)))
        }
        "CreateStackInstances" => {
            let Some(parameters) = state.cfn.stack_sets.get(&name).cloned() else { return not_found(&name) };
            let ous = members(params, "DeploymentTargets.OrganizationalUnitIds");
            let listed = members(params, "DeploymentTargets.Accounts");
            let filter = params["DeploymentTargets.AccountFilterType"].as_str().unwrap_or("NONE").to_string();
            // An account under two targeted OUs (a root and its OU) is one target, as AWS counts it.
            let mut under: Vec<String> = ous.iter().flat_map(|ou| accounts_under(state, ou)).collect();
            under.sort();
            under.dedup();
            let targets: Vec<String> = match filter.as_str() {
                "INTERSECTION" => under.into_iter().filter(|a| listed.contains(a)).collect(),
                "DIFFERENCE" => under.into_iter().filter(|a| !listed.contains(a)).collect(),
                _ => under,
            };
            let regions = members(params, "Regions");
            let role = parameters.get("RoleName").cloned().unwrap_or_default();
            let trusted = parameters.get("ManagementAccountId").cloned().unwrap_or_default();
            let mut failed = false;
            for account in targets {
                for region in &regions {
                    let key = (account.clone(), role.clone());
                    let (status, reason) = if state.iam.roles.contains_key(&key) {
                        failed = true;
                        let reason = format!(
                            "ResourceLogicalId:AccessRole, ResourceType:AWS::IAM::Role, ResourceStatusReason:{role} already exists."
                        );
                        ("OUTDATED", reason)
                    } else {
                        let trust = format!(
                            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{trusted}:root"}},"Action":"sts:AssumeRole"}}]}}"#
                        );
                        state.iam.roles.insert(key.clone(), trust);
                        state
                            .iam
                            .attached
                            .entry(key)
                            .or_default()
                            .push("arn:aws:iam::aws:policy/AdministratorAccess".into());
                        ("CURRENT", String::new())
                    };
                    state.cfn.instances.push(FakeInstance {
                        stack_set: name.clone(),
                        account: account.clone(),
                        region: region.clone(),
                        status: status.into(),
                        reason,
                    });
                }
            }
            let id = format!("op-{}", state.cfn.operations.len() + 1);
            let end = if failed { "FAILED" } else { "SUCCEEDED" };
            state.cfn.operations.insert(id.clone(), (end.into(), 0));
            response(op, &format!("<OperationId>{id}</OperationId>"))
        }
        "DescribeStackSetOperation" => {
            let id = params["OperationId"].as_str().unwrap_or_default();
            let Some((end, described)) = state.cfn.operations.get_mut(id) else {
                return Answer::Error(Canned::new(
                    400,
                    "OperationNotFoundException",
                    &format!("operation {id} not found"),
                ));
            };
            *described += 1;
            let status = if *described == 1 { "RUNNING" } else { end.as_str() };
            response(
                op,
                &format!(
                    "<StackSetOperation><OperationId>{id}</OperationId><StackSetId>{}:fake</StackSetId><Action>CREATE</Action><Status>{status}</Status></StackSetOperation>",
                    xml_escape(&name)
                ),
            )
        }
        "ListStackInstances" => {
            let summaries: String = state
                .cfn
                .instances
                .iter()
                .filter(|i| i.stack_set == name)
                .map(|i| {
                    let detailed = if i.status == "CURRENT" { "SUCCEEDED" } else { "FAILED" };
                    format!(
                        "<member><StackSetId>{}:fake</StackSetId><Region>{}</Region><Account>{}</Account><Status>{}</Status><StatusReason>{}</StatusReason><StackInstanceStatus><DetailedStatus>{detailed}</DetailedStatus></StackInstanceStatus></member>",
                        xml_escape(&i.stack_set),
                        i.region,
                        i.account,
                        i.status,
                        xml_escape(&i.reason)
                    )
                })
                .collect();
            response(op, &format!("<Summaries>{summaries}</Summaries>"))
        }
        _ => Answer::Error(Canned::new(400, "InvalidAction", &format!("cloudformation:{op} is not faked"))),
    }
}
