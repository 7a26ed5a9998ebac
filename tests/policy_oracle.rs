//! The policy evaluator against an independent one: `@cloud-copilot/iam-simulate` (npm, installed
//! by the README's test command into `target/oracle`; AGPL, a test tool only, never shipped)
//! decides the same generated policies and requests, and orgscope must agree case for case — on
//! the decision and on the statement that made it.

mod common;

use serde_json::{Value, json};

use orgscope::policy::{Effect, Policy, Request};

const VERSION: &str = "0.1.173";
const PRINCIPAL: &str = "arn:aws:iam::111111111111:role/Admin";

/// A small deterministic generator (xorshift), so a failure is the same case on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn some<'a>(&mut self, items: &[&'a str]) -> Vec<&'a str> {
        let n = 1 + self.below(2);
        (0..n).map(|_| self.pick(items)).collect()
    }
}

/// A condition key with the values a policy may test and a request may carry.
struct Key {
    name: &'static str,
    operators: &'static [&'static str],
    policy_values: &'static [&'static str],
    request_values: &'static [&'static str],
    multi: bool,
}

const STRING_OPS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
];

const KEYS: &[Key] = &[
    Key {
        name: "aws:PrincipalTag/team",
        operators: STRING_OPS,
        policy_values: &["red", "Red", "blue", "r*", "?lue"],
        request_values: &["red", "Red", "blue", "rose"],
        multi: false,
    },
    Key {
        name: "aws:MultiFactorAuthAge",
        operators: &[
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ],
        policy_values: &["300", "3600"],
        request_values: &["100", "300", "5000"],
        multi: false,
    },
    Key {
        name: "aws:CurrentTime",
        operators: &["DateEquals", "DateNotEquals", "DateLessThan", "DateGreaterThan", "DateGreaterThanEquals"],
        policy_values: &["2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"],
        request_values: &["2026-06-01T00:00:00Z", "2027-06-01T00:00:00Z", "2026-01-01T00:00:00Z"],
        multi: false,
    },
    Key {
        name: "aws:MultiFactorAuthPresent",
        operators: &["Bool"],
        policy_values: &["true", "false"],
        request_values: &["true", "false"],
        multi: false,
    },
    Key {
        name: "aws:SourceIp",
        operators: &["IpAddress", "NotIpAddress"],
        policy_values: &["10.0.0.0/8", "203.0.113.0/24"],
        request_values: &["10.1.2.3", "203.0.113.9", "192.0.2.1"],
        multi: false,
    },
    Key {
        name: "aws:PrincipalArn",
        operators: &["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"],
        policy_values: &[
            "arn:aws:iam::111111111111:role/Admin",
            "arn:aws:iam::*:role/Break*",
            "arn:aws:iam::*:role/Ad?in",
        ],
        request_values: &[],
        multi: false,
    },
    Key {
        name: "aws:PrincipalServiceNamesList",
        operators: STRING_OPS,
        policy_values: &["a.amazonaws.com", "b.amazonaws.com", "c.*"],
        request_values: &["a.amazonaws.com", "b.amazonaws.com", "c.amazonaws.com"],
        multi: true,
    },
];

fn condition(rng: &mut Rng) -> Value {
    let mut block = serde_json::Map::new();
    for _ in 0..1 + rng.below(2) {
        let key = &KEYS[rng.below(KEYS.len())];
        let (operator, values) = if rng.chance(10) {
            ("Null".to_string(), vec![rng.pick(&["true", "false"])])
        } else {
            let mut operator = rng.pick(key.operators).to_string();
            if key.multi && rng.chance(70) {
                operator = format!("{}{operator}", rng.pick(&["ForAnyValue:", "ForAllValues:"]));
            }
            if rng.chance(25) {
                operator.push_str("IfExists");
            }
            (operator, rng.some(key.policy_values))
        };
        let entry = block.entry(operator).or_insert_with(|| json!({}));
        entry[key.name] = if values.len() == 1 { json!(values[0]) } else { json!(values) };
    }
    Value::Object(block)
}

fn policy(rng: &mut Rng) -> Value {
    let statements: Vec<Value> = (0..1 + rng.below(4))
        .map(|i| {
            let mut statement = json!({"Sid": format!("S{i}"), "Effect": rng.pick(&["Allow", "Allow", "Deny"])});
            let actions = rng.some(&["s3:GetObject", "s3:Get*", "s3:*", "*", "s3:PutObject", "s3:List*", "iam:*"]);
            statement[if rng.chance(20) { "NotAction" } else { "Action" }] = json!(actions);
            let resources = rng.some(&[
                "*",
                "arn:aws:s3:::bucket-a/*",
                "arn:aws:s3:::bucket-?/key*",
                "arn:aws:s3:::bucket-b/*",
                "arn:aws:s3:::bucket-a",
            ]);
            statement[if rng.chance(15) { "NotResource" } else { "Resource" }] = json!(resources);
            if rng.chance(65) {
                statement["Condition"] = condition(rng);
            }
            statement
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn case(rng: &mut Rng) -> Value {
    let (action, resource) = match rng.below(3) {
        0 => ("s3:GetObject", rng.pick(&["arn:aws:s3:::bucket-a/key1", "arn:aws:s3:::bucket-b/dir/key2"])),
        1 => ("s3:PutObject", rng.pick(&["arn:aws:s3:::bucket-a/key1", "arn:aws:s3:::bucket-c/x"])),
        _ => ("s3:ListBucket", rng.pick(&["arn:aws:s3:::bucket-a", "arn:aws:s3:::bucket-b"])),
    };
    // AWS always sets the principal's ARN; the oracle needs it said.
    let mut context = serde_json::Map::new();
    context.insert("aws:PrincipalArn".into(), json!(PRINCIPAL));
    for key in KEYS.iter().filter(|k| !k.request_values.is_empty()) {
        if rng.chance(60) {
            let value = if key.multi {
                let n = rng.below(key.request_values.len()) + 1;
                json!((0..n).map(|_| rng.pick(key.request_values)).collect::<Vec<_>>())
            } else {
                json!(rng.pick(key.request_values))
            };
            context.insert(key.name.to_string(), value);
        }
    }
    json!({
        "principal": PRINCIPAL,
        "action": action,
        "resource": resource,
        "resource_account": "111111111111",
        "context": context,
        "identity": [policy(rng)],
    })
}

/// orgscope's decision on a case: the effect and the deciding statement's Sid.
fn decide(case: &Value) -> (Effect, Option<String>) {
    let policy = Policy::parse(&case["identity"][0].to_string()).expect("a generated policy parses");
    let mut request = Request::new(
        PRINCIPAL,
        case["action"].as_str().unwrap_or_default(),
        case["resource"].as_str().unwrap_or_default(),
    );
    for (key, value) in case["context"].as_object().into_iter().flatten() {
        request = match value {
            Value::Array(items) => request.with_all(key, &items.iter().filter_map(Value::as_str).collect::<Vec<_>>()),
            other => request.with(key, other.as_str().unwrap_or_default()),
        };
    }
    let decision = policy.decide(&request);
    (decision.effect, decision.statement.map(|s| s.label()))
}

/// The directory holding `node_modules/@cloud-copilot/iam-simulate`, or None (outside CI only).
fn oracle() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("ORGSCOPE_ORACLE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/oracle"));
    let hint = format!(
        "install it with `npm install --prefix target/oracle @cloud-copilot/iam-simulate@{VERSION}` (the README's test command does)"
    );
    if !common::require_tool("node", &["--version"], &hint) {
        return None;
    }
    if dir.join("node_modules/@cloud-copilot/iam-simulate").is_dir() {
        return Some(dir);
    }
    assert!(
        !common::in_ci(),
        "@cloud-copilot/iam-simulate is missing from {}: {hint} (CI=true: a missing tool fails the run)",
        dir.display()
    );
    eprintln!("skipping: @cloud-copilot/iam-simulate is missing: {hint}");
    None
}

#[test]
fn orgscope_and_iam_simulate_agree_on_every_generated_case() {
    let Some(dir) = oracle() else { return };
    let mut rng = Rng(0x005e_ed0f_0ca1_u64);
    let cases: Vec<Value> = (0..4000).map(|_| case(&mut rng)).collect();
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), serde_json::to_vec(&cases).expect("JSON")).expect("write the cases");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/simulate.js");
    let out = std::process::Command::new("node")
        .arg(&script)
        .arg(file.path())
        .env("NODE_PATH", dir.join("node_modules"))
        .output()
        .expect("node runs");
    assert!(out.status.success(), "the oracle failed: {}", String::from_utf8_lossy(&out.stderr));
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).expect("the oracle's JSON");
    assert_eq!(answers.len(), cases.len());

    let (mut compared, mut effects) = (0, std::collections::BTreeMap::<&str, usize>::new());
    let mut disagreements = Vec::new();
    for (case, answer) in cases.iter().zip(&answers) {
        assert!(answer.get("error").is_none(), "the oracle refused a generated case: {answer}\n{case}");
        assert_eq!(answer["ignored"], json!([]), "the oracle ignored a context key: {case}");
        let (effect, statement) = decide(case);
        let theirs = answer["identity_result"].as_str().unwrap_or_default();
        let (want, list) = match effect {
            Effect::Allow => ("Allowed", "identity_allow"),
            Effect::ExplicitDeny => ("ExplicitlyDenied", "identity_deny"),
            Effect::ImplicitDeny => ("ImplicitlyDenied", ""),
        };
        let statement_agrees = list.is_empty()
            || statement.as_ref().is_some_and(|sid| answer[list].as_array().is_some_and(|l| l.contains(&json!(sid))));
        if theirs != want || !statement_agrees {
            disagreements.push(format!("orgscope {want} by {statement:?}, iam-simulate {answer}\n  {case}"));
        }
        *effects.entry(want).or_default() += 1;
        compared += 1;
    }
    assert!(
        disagreements.is_empty(),
        "{} of {compared} cases disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    // The generator reaches every outcome, often.
    for effect in ["Allowed", "ExplicitlyDenied", "ImplicitlyDenied"] {
        assert!(effects.get(effect).copied().unwrap_or(0) >= 60, "too few {effect} cases: {effects:?}");
    }
}
