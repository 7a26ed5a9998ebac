//! What a permission set means, decided from real AWS-managed policy documents (copied from
//! moto's bundled data of AWS's managed policies, `tests/fixtures/policies/`) and from inline
//! policies with wildcards, `NotAction`, `iam:PassRole` and boundaries that narrow.

use orgscope::model::Level;
use orgscope::policy::Policy;
use orgscope::policy::actions::Table;
use orgscope::policy::level::classify;

fn managed(name: &str) -> Policy {
    let path = format!("{}/tests/fixtures/policies/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    Policy::parse(&text).unwrap_or_else(|err| panic!("{name}: {err}"))
}

fn inline(json: &str) -> Policy {
    Policy::parse(json).unwrap_or_else(|err| panic!("{json}: {err}"))
}

fn statement(effect: &str, body: &str) -> Policy {
    inline(&format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}",{body}}}]}}"#))
}

#[test]
fn aws_managed_policies_have_the_level_their_documents_give() {
    // (policy, level, why): the clause says which action decided it.
    let table = [
        // `*` on `*`.
        ("AdministratorAccess", Level::Admin, "allows every action on every resource"),
        // Every action it grants outright is List or Read (sqs:Receive* is Read in the reference);
        // s3express:CreateSession only in ReadOnly session mode; seven actions the reference files
        // as Write or Permissions management are on the table's `!` line (AWS grants them here).
        ("ReadOnlyAccess", Level::Read, "allows only List and Read actions"),
        ("ViewOnlyAccess", Level::Read, "allows only List and Read actions"),
        ("SecurityAudit", Level::Read, "allows only List and Read actions"),
        // iam:* on `*`: passing any role is the first privilege found.
        ("IAMFullAccess", Level::Privileged, "allows iam:PassRole on every role"),
        // s3:* and s3-object-lambda:* change objects, nothing that guards access.
        ("AmazonS3FullAccess", Level::Write, "allows s3"),
        // NotAction iam:*, organizations:*, account:* leaves sso:* and identitystore:* allowed, and it
        // allows iam:CreateServiceLinkedRole outright: it can change who gets in.
        ("PowerUserAccess", Level::Privileged, "allows "),
        ("AWSSSOMemberAccountAdministrator", Level::Privileged, "allows "),
        ("Billing", Level::Write, "allows aws-portal:ModifyBilling"),
    ];
    for (name, level, why) in table {
        let policy = managed(name);
        let c = classify(&[&policy], None);
        assert_eq!(c.level, level, "{name}: {}", c.why);
        assert!(c.why.contains(why), "{name}: {}", c.why);
    }
    let power = managed("PowerUserAccess");
    let why = classify(&[&power], None).why;
    assert!(
        ["iam:CreateServiceLinkedRole", "sso:", "identitystore:", "sso-directory:"].iter().any(|w| why.contains(w)),
        "{why}"
    );
}

#[test]
fn the_actions_counted_as_reads_are_exactly_those_aws_read_only_policies_grant() {
    let table = Table::get();
    let mut granted = std::collections::BTreeSet::new();
    for name in ["ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit"] {
        for s in managed(name).statements.iter().filter(|s| s.allow && s.conditions.is_empty()) {
            for pattern in &s.actions {
                for i in table.matching(pattern).iter().filter(|&i| !table.actions[i].access.reads()) {
                    granted.insert(table.actions[i].name.clone());
                }
            }
        }
    }
    let listed: std::collections::BTreeSet<String> =
        table.actions.iter().filter(|a| a.read_by_aws).map(|a| a.name.clone()).collect();
    assert_eq!(listed, granted, "scripts/iam-levels.js's READ_BY_AWS must be what these policies grant");
}

#[test]
fn inline_policies_count_wildcards_not_action_pass_role_and_conditions_as_aws_does() {
    let cases = [
        (statement("Allow", r#""Action":["s3:Get*","s3:List*","ec2:Describe*"],"Resource":"*""#), Level::Read),
        (statement("Allow", r#""Action":"s3:*","Resource":"arn:aws:s3:::reports/*""#), Level::Write),
        (statement("Allow", r#""Action":"iam:Put*","Resource":"*""#), Level::Privileged),
        (
            statement("Allow", r#""Action":"IAM:updateassumerolepolicy","Resource":"arn:aws:iam::1:role/x""#),
            Level::Privileged,
        ),
        (
            statement("Allow", r#""Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/app""#),
            Level::Write,
        ),
        (statement("Allow", r#""Action":"iam:PassRole","Resource":"*""#), Level::Privileged),
        (statement("Allow", r#""Action":"sso:CreateAccountAssignment","Resource":"*""#), Level::Privileged),
        (statement("Allow", r#""Action":"organizations:MoveAccount","Resource":"*""#), Level::Privileged),
        // Everything but what guards access: a change, not a privilege.
        (
            statement(
                "Allow",
                r#""NotAction":["iam:*","organizations:*","sso:*","sso-directory:*","identitystore:*"],"Resource":"*""#,
            ),
            Level::Write,
        ),
        // `*` on one bucket is not every resource.
        (statement("Allow", r#""Action":"*","Resource":"arn:aws:s3:::reports""#), Level::Privileged),
        // A condition narrows when, not what.
        (
            statement(
                "Allow",
                r#""Action":"iam:CreateUser","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
            ),
            Level::Privileged,
        ),
        (
            statement(
                "Allow",
                r#""Action":"s3express:CreateSession","Resource":"*","Condition":{"StringEquals":{"s3express:SessionMode":"ReadOnly"}}"#,
            ),
            Level::Read,
        ),
        (statement("Allow", r#""Action":"s3express:CreateSession","Resource":"*""#), Level::Write),
        (statement("Allow", r#""Action":"sqs:Receive*","Resource":"*""#), Level::Read),
        // Retired or newer than the data: not counted.
        (statement("Allow", r#""Action":"deepcomposer:GetComposition","Resource":"*""#), Level::Read),
    ];
    for (policy, level) in cases {
        let c = classify(&[&policy], None);
        assert_eq!(c.level, level, "{policy:?}: {}", c.why);
    }
}

#[test]
fn denies_and_boundaries_narrow_what_counts() {
    let admin = managed("AdministratorAccess");
    // An unconditional deny on every resource takes the actions away.
    let all_but_reads = inline(
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","NotAction":["s3:Get*","s3:List*"],"Resource":"*"}]}"#,
    );
    assert_eq!(classify(&[&all_but_reads], None).level, Level::Read);
    // A conditional deny, or one on some resources, takes nothing away.
    let conditional =
        statement("Deny", r#""Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}"#);
    assert_eq!(classify(&[&admin, &conditional], None).level, Level::Admin);
    let scoped = statement("Deny", r#""Action":"iam:*","Resource":"arn:aws:iam::1:role/breakglass""#);
    assert_eq!(classify(&[&admin, &scoped], None).level, Level::Admin);
    // A boundary keeps only what it allows too.
    let s3_only = statement("Allow", r#""Action":["s3:*","cloudwatch:Get*"],"Resource":"*""#);
    assert_eq!(classify(&[&admin], Some(&s3_only)).level, Level::Write);
    let read_only = managed("ReadOnlyAccess");
    assert_eq!(classify(&[&admin], Some(&read_only)).level, Level::Read);
    let iam = managed("IAMFullAccess");
    assert_eq!(classify(&[&iam], Some(&s3_only)).level, Level::Read, "nothing both allow but reads");
    // Two policies together reach what either does.
    let s3 = managed("AmazonS3FullAccess");
    assert_eq!(classify(&[&read_only, &s3], None).level, Level::Write);
}
