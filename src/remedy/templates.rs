//! The fixes as ready files: `orgscope template trust-policy|stackset|scanner-policy`, and `t` in
//! the TUI. The files live in `assets/` with `{{PLACEHOLDERS}}`, filled in here.

use clap::ValueEnum;

use super::{DEFAULT_ROLE, STACKSET_ROLE};

const TRUST_POLICY: &str = include_str!("../../assets/trust-policy.json");
const STACKSET: &str = include_str!("../../assets/stackset.yaml");
const SCANNER_POLICY: &str = include_str!("../../assets/scanner-policy.json");
const FIXER_POLICY: &str = include_str!("../../assets/fixer-policy.json");

/// The template every member account's stack is made from: the role, trusting the management
/// account, with AdministratorAccess (`fix --stackset` sends it as the StackSet's body).
pub const ACCESS_ROLE: &str = include_str!("../../assets/access-role.yaml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Template {
    /// The role's trust policy: lets the management account assume it
    TrustPolicy,
    /// A CloudFormation StackSet template that installs the role in every member account
    Stackset,
    /// The least-privilege policy for the identity that runs orgscope
    ScannerPolicy,
    /// What `orgscope fix` writes with, for the Identity Center permission set it goes through
    /// (an inline policy): reading, creating and trusting the role, nothing else
    FixerPolicy,
}

#[derive(Debug, Clone, Default)]
pub struct TemplateValues {
    pub management_account_id: String,
    /// The roles (`--role`, in order): the trust policy and the StackSet install the first, the
    /// scanner policy may assume every one. Empty: the default role.
    pub roles: Vec<String>,
    pub external_id: Option<String>,
}

impl Template {
    pub fn name(self) -> &'static str {
        match self {
            Template::TrustPolicy => "trust-policy",
            Template::Stackset => "stackset",
            Template::ScannerPolicy => "scanner-policy",
            Template::FixerPolicy => "fixer-policy",
        }
    }

    /// The file with every placeholder filled in.
    pub fn render(self, values: &TemplateValues) -> String {
        let role = values.roles.first().map(String::as_str).unwrap_or(DEFAULT_ROLE);
        let arns: Vec<String> = match values.roles.as_slice() {
            [] => vec![format!("arn:aws:iam::*:role/{DEFAULT_ROLE}")],
            roles => roles.iter().map(|r| format!("arn:aws:iam::*:role/{r}")).collect(),
        };
        let role_arns = serde_json::to_string(&arns).unwrap_or_default();
        let external_id = values.external_id.as_deref().unwrap_or_default();
        let (source, external_id) = match self {
            Template::TrustPolicy => (TRUST_POLICY, json_string_body(external_id)),
            Template::Stackset => (STACKSET, yaml_string_body(external_id)),
            Template::ScannerPolicy => (SCANNER_POLICY, json_string_body(external_id)),
            Template::FixerPolicy => (FIXER_POLICY, json_string_body(external_id)),
        };
        let condition = if values.external_id.is_some() {
            format!(",\n      \"Condition\": {{\"StringEquals\": {{\"sts:ExternalId\": \"{external_id}\"}}}}")
        } else {
            String::new()
        };
        let role = match self {
            // Never the role AWS creates itself: the StackSet would fail in every created account.
            Template::Stackset => {
                yaml_string_body(values.roles.iter().find(|r| *r != DEFAULT_ROLE).map_or(STACKSET_ROLE, String::as_str))
            }
            _ => json_string_body(role),
        };
        let member: String = ACCESS_ROLE.lines().map(|l| format!("        {l}\n")).collect();
        source
            .replace("{{MEMBER_TEMPLATE}}\n", &member)
            .replace("{{EXTERNAL_ID_CONDITION}}", &condition)
            .replace("{{MANAGEMENT_ACCOUNT_ID}}", &values.management_account_id)
            .replace("{{ROLE_NAME}}", &role)
            .replace("{{EXTERNAL_ID}}", &external_id)
            .replace("{{ROLE_ARNS}}", &role_arns)
    }
}

/// `text` escaped for the inside of a JSON string.
fn json_string_body(text: &str) -> String {
    let quoted = serde_json::Value::String(text.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// `text` escaped for the inside of a double-quoted YAML string.
fn yaml_string_body(text: &str) -> String {
    json_string_body(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(external_id: Option<&str>) -> TemplateValues {
        TemplateValues {
            management_account_id: "111111111111".into(),
            roles: vec!["AuditRole".into()],
            external_id: external_id.map(str::to_string),
        }
    }

    #[test]
    fn the_trust_policy_is_valid_json_with_the_values_in_place() {
        for external_id in [None, Some("ext-\"quoted\"-42")] {
            let text = Template::TrustPolicy.render(&values(external_id));
            let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            let statement = &json["Statement"][0];
            assert_eq!(statement["Principal"]["AWS"], "arn:aws:iam::111111111111:root");
            assert_eq!(statement["Action"], "sts:AssumeRole");
            match external_id {
                Some(id) => assert_eq!(statement["Condition"]["StringEquals"]["sts:ExternalId"], id),
                None => assert!(statement.get("Condition").is_none()),
            }
        }
    }

    #[test]
    fn the_scanner_policy_is_valid_json_allowing_every_role() {
        let text = Template::ScannerPolicy.render(&values(None));
        let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert!(text.contains("role/AuditRole"));
        assert!(!text.contains("{{"));
        assert_eq!(json["Version"], "2012-10-17");
        let both = TemplateValues { roles: vec!["A".into(), "B".into()], ..values(None) };
        let json: serde_json::Value = serde_json::from_str(&Template::ScannerPolicy.render(&both)).expect("valid JSON");
        let statement = json["Statement"].as_array().and_then(|s| s.iter().find(|s| s["Action"] == "sts:AssumeRole"));
        assert_eq!(
            statement.map(|s| s["Resource"].clone()),
            Some(serde_json::json!(["arn:aws:iam::*:role/A", "arn:aws:iam::*:role/B"]))
        );
    }

    #[test]
    fn the_stackset_is_valid_yaml_installing_the_role() {
        let text = Template::Stackset.render(&values(Some("ext-42")));
        let yaml: serde_norway::Value = serde_norway::from_str(&text).expect("valid YAML");
        assert_eq!(yaml["AWSTemplateFormatVersion"].as_str(), Some("2010-09-09"));
        assert_eq!(yaml["Parameters"]["ManagementAccountId"]["Default"].as_str(), Some("111111111111"));
        assert_eq!(yaml["Parameters"]["RoleName"]["Default"].as_str(), Some("AuditRole"));
        assert_eq!(yaml["Parameters"]["ExternalId"]["Default"].as_str(), Some("ext-42"));
        let stackset = &yaml["Resources"]["AccessRoleStackSet"];
        assert_eq!(stackset["Type"].as_str(), Some("AWS::CloudFormation::StackSet"));
        assert_eq!(stackset["Properties"]["PermissionModel"].as_str(), Some("SERVICE_MANAGED"));
        assert_eq!(stackset["Properties"]["AutoDeployment"]["Enabled"].as_bool(), Some(true));
        let body = stackset["Properties"]["TemplateBody"].as_str().expect("the member-account template");
        let inner: serde_norway::Value = serde_norway::from_str(body).expect("the inner template is valid YAML");
        assert_eq!(inner["Resources"]["AccessRole"]["Type"].as_str(), Some("AWS::IAM::Role"));
        assert!(!text.contains("{{"));
        // The role AWS creates in created accounts is never the one installed (it would fail there).
        for roles in [vec![], vec![DEFAULT_ROLE.to_string()], vec![DEFAULT_ROLE.to_string(), STACKSET_ROLE.to_string()]]
        {
            let text = Template::Stackset.render(&TemplateValues { roles, ..values(None) });
            let yaml: serde_norway::Value = serde_norway::from_str(&text).expect("valid YAML");
            assert_eq!(yaml["Parameters"]["RoleName"]["Default"].as_str(), Some(STACKSET_ROLE));
        }
    }

    #[test]
    fn the_fixer_policy_allows_exactly_fixs_calls_on_the_roles() {
        let json: serde_json::Value =
            serde_json::from_str(&Template::FixerPolicy.render(&values(None))).expect("valid JSON");
        let mut actions: Vec<String> = Vec::new();
        for statement in json["Statement"].as_array().into_iter().flatten() {
            let listed: Vec<String> = match &statement["Action"] {
                serde_json::Value::String(a) => vec![a.clone()],
                other => {
                    other.as_array().into_iter().flatten().filter_map(|a| a.as_str().map(str::to_string)).collect()
                }
            };
            let on = if listed.iter().all(|a| a.starts_with("iam:")) {
                serde_json::json!(["arn:aws:iam::*:role/AuditRole"])
            } else {
                serde_json::json!("arn:aws:cloudformation:*:*:stackset/orgscope-access-role:*")
            };
            assert_eq!(statement["Resource"], on, "{statement}");
            actions.extend(listed);
        }
        actions.sort();
        assert_eq!(
            actions,
            [
                "cloudformation:CreateStackInstances",
                "cloudformation:CreateStackSet",
                "cloudformation:DescribeStackSet",
                "cloudformation:DescribeStackSetOperation",
                "cloudformation:ListStackInstances",
                "iam:AttachRolePolicy",
                "iam:CreateRole",
                "iam:GetRole",
                "iam:UpdateAssumeRolePolicy"
            ]
        );
        assert_eq!(
            json["Statement"][2]["Condition"]["ArnEquals"]["iam:PolicyARN"],
            crate::remedy::repair::ACCESS_POLICY_ARN
        );
    }
}
