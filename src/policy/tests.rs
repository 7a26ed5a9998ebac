//! Table tests taken from AWS's policy-evaluation documentation ("Policy evaluation logic",
//! "IAM JSON policy elements", "Service control policies", "Resource control policies").

use super::*;

const CALLER: &str = "arn:aws:sts::111111111111:assumed-role/Admin/jane";
const ROLE: &str = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole";

fn policy(json: &str) -> Policy {
    Policy::parse(json).expect("a policy")
}

fn assume() -> Request {
    Request::new(CALLER, "sts:AssumeRole", ROLE)
}

fn effect(json: &str, request: &Request) -> (Effect, Option<String>) {
    let decision = policy(json).decide(request);
    (decision.effect, decision.statement.map(|s| s.label()))
}

#[test]
fn an_explicit_deny_wins_over_any_allow_and_nothing_applying_is_an_implicit_deny() {
    let table: &[(&str, Effect, Option<&str>)] = &[
        (r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#, Effect::Allow, Some("0")),
        (
            r#"{"Statement":[{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"},
                {"Sid":"NoAssume","Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}"#,
            Effect::ExplicitDeny,
            Some("NoAssume"),
        ),
        (r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#, Effect::ImplicitDeny, None),
        // NotAction in an allow: everything but IAM — sts is allowed.
        (r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#, Effect::Allow, Some("0")),
        (r#"{"Statement":[{"Effect":"Allow","NotAction":"sts:*","Resource":"*"}]}"#, Effect::ImplicitDeny, None),
        // NotAction in a deny: deny everything except the listed actions.
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
                {"Sid":"OnlyS3","Effect":"Deny","NotAction":["s3:*","cloudwatch:*"],"Resource":"*"}]}"#,
            Effect::ExplicitDeny,
            Some("OnlyS3"),
        ),
        // NotResource: denies every resource except the named role.
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
                {"Effect":"Deny","Action":"sts:AssumeRole","NotResource":"arn:aws:iam::*:role/OrganizationAccountAccessRole"}]}"#,
            Effect::Allow,
            Some("0"),
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
                {"Effect":"Deny","Action":"sts:AssumeRole","NotResource":"arn:aws:iam::*:role/Audit*"}]}"#,
            Effect::ExplicitDeny,
            Some("1"),
        ),
        // Wildcards in actions and ARNs; actions are case-insensitive, ARNs are not.
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"STS:Assume*","Resource":"arn:aws:iam::*:role/Org*"}]}"#,
            Effect::Allow,
            Some("0"),
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/org*"}]}"#,
            Effect::ImplicitDeny,
            None,
        ),
    ];
    for (json, want, statement) in table {
        assert_eq!(effect(json, &assume()), (*want, statement.map(str::to_string)), "{json}");
    }
}

#[test]
fn conditions_decide_with_mfa_external_id_and_principal_arn() {
    // AWS's example: deny unless MFA — BoolIfExists holds when the key is absent.
    let deny_without_mfa = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
        {"Sid":"NoMFA","Effect":"Deny","Action":"*","Resource":"*",
         "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#;
    assert_eq!(effect(deny_without_mfa, &assume()).0, Effect::ExplicitDeny);
    assert_eq!(effect(deny_without_mfa, &assume().with("aws:MultiFactorAuthPresent", "false")).0, Effect::ExplicitDeny);
    assert_eq!(effect(deny_without_mfa, &assume().with("aws:MultiFactorAuthPresent", "true")).0, Effect::Allow);

    // A break-glass exception in an SCP, the way AWS's examples write it.
    let protect = r#"{"Statement":[{"Sid":"Protect","Effect":"Deny","Action":"sts:AssumeRole","Resource":"*",
        "Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/BreakGlass"}}}]}"#;
    assert_eq!(effect(protect, &assume()), (Effect::ExplicitDeny, Some("Protect".into())));
    let glass = Request::new("arn:aws:sts::111111111111:assumed-role/BreakGlass/s", "sts:AssumeRole", ROLE);
    assert_eq!(effect(protect, &glass), (Effect::ImplicitDeny, None));
}

#[test]
fn trust_policies_name_principals_by_account_role_or_star() {
    let trust = |principal: &str, condition: &str| {
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"{condition}}}]}}"#
        )
    };
    let none = "";
    let ext = r#","Condition":{"StringEquals":{"sts:ExternalId":"secret"}}"#;
    let table: &[(String, Request, Effect)] = &[
        (trust(r#"{"AWS":"arn:aws:iam::111111111111:root"}"#, none), assume(), Effect::Allow),
        (trust(r#"{"AWS":"111111111111"}"#, none), assume(), Effect::Allow),
        (trust(r#"{"AWS":"arn:aws:iam::999999999999:root"}"#, none), assume(), Effect::ImplicitDeny),
        (trust(r#"{"AWS":"arn:aws:iam::111111111111:role/Admin"}"#, none), assume(), Effect::Allow),
        (trust(r#"{"AWS":["arn:aws:iam::111111111111:role/Other"]}"#, none), assume(), Effect::ImplicitDeny),
        (trust(r#""*""#, none), assume(), Effect::Allow),
        (trust(r#"{"Service":"ec2.amazonaws.com"}"#, none), assume(), Effect::ImplicitDeny),
        (trust(r#"{"AWS":"111111111111"}"#, ext), assume(), Effect::ImplicitDeny),
        (trust(r#"{"AWS":"111111111111"}"#, ext), assume().with("sts:ExternalId", "other"), Effect::ImplicitDeny),
        (trust(r#"{"AWS":"111111111111"}"#, ext), assume().with("sts:ExternalId", "secret"), Effect::Allow),
    ];
    for (json, request, want) in table {
        assert_eq!(effect(json, request).0, *want, "{json} {:?}", request.context);
    }
    // NotPrincipal in a deny: everyone but the named role is denied.
    let not_principal = r#"{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:role/BreakGlass"},
        "Action":"sts:AssumeRole","Resource":"*"}]}"#;
    assert_eq!(effect(not_principal, &assume()).0, Effect::ExplicitDeny);
    let glass = Request::new("arn:aws:sts::111111111111:assumed-role/BreakGlass/s", "sts:AssumeRole", ROLE);
    assert_eq!(effect(not_principal, &glass).0, Effect::ImplicitDeny);
}

#[test]
fn control_policies_need_an_allow_at_every_level_and_no_deny_anywhere() {
    let full = policy(r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#);
    let s3_only = policy(r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#);
    let deny = policy(
        r#"{"Statement":[{"Sid":"DenyOAAR","Effect":"Deny","Action":"sts:AssumeRole",
            "Resource":"arn:aws:iam::*:role/OrganizationAccountAccessRole"}]}"#,
    );
    let at = |id, name, policy| LayerPolicy { id, name, policy };
    let layers = |ou: Vec<LayerPolicy<'static>>| {
        vec![
            Layer { target: "r-root", policies: vec![at("p-FullAWSAccess", "FullAWSAccess", leak(&full))] },
            Layer { target: "ou-a", policies: ou },
        ]
    };
    let request = assume();
    assert_eq!(
        evaluate_layers(&layers(vec![at("p-FullAWSAccess", "FullAWSAccess", leak(&full))]), &request, false),
        Verdict::Allowed
    );
    assert_eq!(
        evaluate_layers(&layers(vec![at("p-s3", "S3Only", leak(&s3_only))]), &request, false),
        Verdict::NotAllowed { target: "ou-a".into() }
    );
    assert_eq!(
        evaluate_layers(
            &layers(vec![at("p-FullAWSAccess", "FullAWSAccess", leak(&full)), at("p-deny", "Deny", leak(&deny))]),
            &request,
            false
        ),
        Verdict::Denied {
            target: "ou-a".into(),
            policy_id: "p-deny".into(),
            policy_name: "Deny".into(),
            statement: StatementRef { index: 0, sid: Some("DenyOAAR".into()) }
        }
    );
    // A level with nothing attached allows nothing for SCPs, everything for RCPs (RCPFullAWSAccess).
    assert_eq!(evaluate_layers(&layers(vec![]), &request, false), Verdict::NotAllowed { target: "ou-a".into() });
    assert_eq!(evaluate_layers(&layers(vec![]), &request, true), Verdict::Allowed);
}

#[test]
fn documents_read_as_aws_writes_them_and_bad_ones_are_refused() {
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A111111111111%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    assert_eq!(policy(encoded).decide(&assume()).effect, Effect::Allow);
    for bad in [
        "",
        "[]",
        r#"{"Statement":{"Effect":"Maybe","Action":"*"}}"#,
        r#"{"Statement":{"Effect":"Allow"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"*","Condition":"x"}}"#,
    ] {
        assert!(Policy::parse(bad).is_err(), "{bad}");
    }
    assert!(Policy::parse(&"x".repeat(70_000)).is_err());
}

/// The tests' policies live for the test (a `'static` borrow for the layer tables).
fn leak(policy: &Policy) -> &'static Policy {
    Box::leak(Box::new(policy.clone()))
}
