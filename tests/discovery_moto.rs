//! Discovery against moto: the real binary and the real SDK, an organization built through the
//! Organizations API, and `orgscope tree --format json` compared with it id for id.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_organizations::Client;
use serde_json::Value;

/// Builds: Root ─ Engineering ─ Platform ─ Data (3 deep) with 45 accounts in Platform, plus a few
/// more OUs and accounts elsewhere. Returns account id → parent id and OU id → parent id.
async fn build_org(client: &Client) -> (String, BTreeMap<String, String>, BTreeMap<String, String>) {
    client
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("create organization");
    let roots = client.list_roots().send().await.expect("list roots");
    let root = roots.roots()[0].id().expect("root id").to_string();
    let mut ous = BTreeMap::new();
    let mut create_ou = async |parent: &str, name: &str| {
        let ou = client.create_organizational_unit().parent_id(parent).name(name).send().await.expect("create OU");
        let id = ou.organizational_unit().and_then(|o| o.id()).expect("OU id").to_string();
        ous.insert(id.clone(), parent.to_string());
        id
    };
    let engineering = create_ou(&root, "Engineering").await;
    let platform = create_ou(&engineering, "Platform").await;
    let data = create_ou(&platform, "Data").await;
    let security = create_ou(&root, "Security").await;
    let _empty = create_ou(&root, "Empty").await;

    let mut accounts = BTreeMap::new();
    let placements: Vec<(String, usize)> = vec![
        (platform.clone(), 45),
        (data.clone(), 3),
        (security.clone(), 2),
        (engineering.clone(), 1),
        (root.clone(), 2),
    ];
    let mut n = 0;
    for (parent, count) in placements {
        for _ in 0..count {
            n += 1;
            let created = client
                .create_account()
                .email(format!("aws+acct{n}@example.com"))
                .account_name(format!("account-{n:02}"))
                .send()
                .await
                .expect("create account");
            let id = created.create_account_status().and_then(|s| s.account_id()).expect("account id").to_string();
            if parent != root {
                client
                    .move_account()
                    .account_id(&id)
                    .source_parent_id(&root)
                    .destination_parent_id(&parent)
                    .send()
                    .await
                    .expect("move account");
            }
            accounts.insert(id, parent.clone());
        }
    }
    (root, accounts, ous)
}

fn collect(node: &Value, parent: &str, accounts: &mut BTreeMap<String, String>, ous: &mut BTreeMap<String, String>) {
    let id = node["id"].as_str().expect("every node has an id").to_string();
    match node["kind"].as_str() {
        Some("ou") => {
            ous.insert(id.clone(), parent.to_string());
            for child in node["children"].as_array().expect("OU children") {
                collect(child, &id, accounts, ous);
            }
        }
        Some("account") => {
            accounts.insert(id, parent.to_string());
        }
        other => panic!("unexpected node kind {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tree_json_matches_the_organization_built_in_moto() {
    let Some(moto) = common::moto::Moto::start() else { return };
    let client = Client::new(&moto.sdk_config().await);
    let (root, mut expected_accounts, expected_ous) = build_org(&client).await;
    // The management account (moto's caller) sits in the root.
    let management = client
        .describe_organization()
        .send()
        .await
        .expect("describe")
        .organization()
        .and_then(|o| o.master_account_id())
        .expect("management id")
        .to_string();
    expected_accounts.insert(management.clone(), root.clone());

    let home = tempfile::tempdir().expect("temp dir");
    let started = std::time::Instant::now();
    let output = common::orgscope_command(home.path())
        .args(["tree", "--format", "json", "--endpoint-url", &moto.url(), "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .expect("orgscope runs");
    let elapsed = started.elapsed();
    assert!(output.status.success(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    let tree: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    eprintln!("discovery of {} accounts in {} OUs took {elapsed:?}", expected_accounts.len(), expected_ous.len());

    assert_eq!(tree["organization"]["management_account_id"], Value::from(management.as_str()));
    assert_eq!(tree["roots"][0]["id"], Value::from(root.as_str()));
    let mut accounts = BTreeMap::new();
    let mut ous = BTreeMap::new();
    for child in tree["roots"][0]["children"].as_array().expect("root children") {
        collect(child, &root, &mut accounts, &mut ous);
    }
    assert_eq!(ous, expected_ous, "every OU under its parent");
    assert_eq!(accounts, expected_accounts, "every account under its parent");

    // The contract's shape: every key present, tags null without --with-tags, management marked.
    let platform = tree["roots"][0]["children"]
        .as_array()
        .and_then(|c| c.iter().find(|n| n["name"] == "Engineering"))
        .and_then(|e| e["children"].as_array())
        .and_then(|c| c.iter().find(|n| n["name"] == "Platform"))
        .expect("Engineering/Platform");
    let platform_accounts: Vec<&Value> =
        platform["children"].as_array().expect("children").iter().filter(|n| n["kind"] == "account").collect();
    assert_eq!(platform_accounts.len(), 45);
    let names: Vec<&str> = platform_accounts.iter().filter_map(|a| a["name"].as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted, "accounts sorted by name");
    let keys: BTreeSet<&str> = platform_accounts[0].as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["kind", "id", "name", "email", "status", "joined_method", "joined_at", "tags", "management"])
    );
    assert!(platform_accounts.iter().all(|a| a["tags"].is_null() && a["management"] == false));
    let root_children = tree["roots"][0]["children"].as_array().expect("root children");
    assert!(root_children.iter().any(|n| n["id"] == management.as_str() && n["management"] == true));
    assert_eq!(tree["caller"]["account"], Value::from(management.as_str()));
}
