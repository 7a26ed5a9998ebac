//! Portal discovery through your own Identity Center sign-in: `ListAccounts` and one
//! `ListAccountRoles` per account, with 20 ms a call and the portal limited to 20 requests a
//! second, against that rate floor; and how soon the first account's roles reach the app (they
//! are merged onto the tree as they stream in) against the whole read.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orgscope::source::aws::portal::AwsPortal;
use orgscope::source::portal::Portal;

use crate::fake_aws::{FakeAws, FakeOrg, Faults, RateLimit};
use crate::{Bench, Target, secs};

pub async fn run(bench: &mut Bench) {
    let accounts = bench.size(30, 2_000);
    let rate = 20.0;
    let latency = Duration::from_millis(bench.size(2, 20));
    let org = FakeOrg::generate(accounts, accounts / 10, 5);
    let fake = FakeAws::start_with(
        org.clone(),
        Faults { latency, rate_limits: [("portal".to_string(), RateLimit::new(rate))].into(), ..Faults::default() },
    );
    let token = {
        let mut state = fake.state();
        for (n, account) in org.accounts.iter().enumerate() {
            let roles = ["ReadOnly", "PowerUser", "AdministratorAccess"].iter().take(1 + n % 3).map(|r| r.to_string());
            state.portal.roles.insert(account.id.clone(), roles.collect());
        }
        let token = state.portal.issued_token.clone();
        state.portal.valid_tokens.insert(token.clone());
        token
    };
    println!("\nportal: {accounts} accounts, {latency:?} a call, the portal {rate} req/s");

    let signed_in = SignedIn::new(&fake, &token).await;
    let portal = &signed_in.portal;

    let since = Instant::now();
    let first: Arc<Mutex<Option<Duration>>> = Arc::default();
    let seen = Arc::clone(&first);
    let found = Arc::new(move |_: &orgscope::model::portal::PortalAccount| {
        if let Ok(mut first) = seen.lock() {
            first.get_or_insert_with(|| since.elapsed());
        }
    });
    let read = portal.accounts(found).await.expect("every account's roles");
    let took = since.elapsed();
    assert_eq!(read.len(), accounts, "every account");
    assert!(read.iter().all(|a| a.error.is_none() && !a.roles.is_empty()), "every account's roles");
    let calls = fake.calls().iter().filter(|c| c.at >= since && !c.failed && c.service == "portal").count();
    let floor = calls as f64 / rate;
    bench.figure(
        "portal discovery (ListAccounts + ListAccountRoles): time / rate floor",
        format!(
            "{} for {accounts} accounts; {calls} portal calls, floor {floor:.1} s; {} throttled",
            secs(took),
            portal.stats().throttled()
        ),
        took.as_secs_f64() / floor,
        "x",
        Target::AtMost(1.2),
    );
    let first = first.lock().ok().and_then(|f| *f).unwrap_or(took);
    bench.figure(
        "portal discovery: first account's roles on the tree / the whole read",
        format!("{} vs {}", secs(first), secs(took)),
        first.as_secs_f64() / took.as_secs_f64(),
        "x",
        Target::AtMost(0.05),
    );
}

/// A signed-in user (the sso-session `bench` in a config, the token in the AWS CLI's cache, HOME
/// and AWS_CONFIG_FILE pointed at them) and the real portal client; the environment is restored
/// when it drops.
pub struct SignedIn {
    pub portal: Arc<AwsPortal>,
    saved: (Option<std::ffi::OsString>, Option<std::ffi::OsString>),
    _home: tempfile::TempDir,
}

impl SignedIn {
    pub async fn new(fake: &FakeAws, token: &str) -> SignedIn {
        let home = tempfile::tempdir().expect("a temp dir");
        let config = home.path().join("config");
        std::fs::write(
            &config,
            "[sso-session bench]\nsso_start_url = https://bench.awsapps.com/start\nsso_region = us-east-1\n",
        )
        .expect("config");
        let cache = home.path().join(".aws/sso/cache");
        std::fs::create_dir_all(&cache).expect("cache dir");
        let expires = (chrono::Utc::now() + chrono::Duration::hours(8)).format("%Y-%m-%dT%H:%M:%SZ");
        std::fs::write(
            cache.join(format!("{}.json", sha1_hex("bench"))),
            format!(r#"{{"startUrl":"https://bench.awsapps.com/start","region":"us-east-1","accessToken":"{token}","expiresAt":"{expires}"}}"#),
        )
        .expect("token cache");
        let saved = (std::env::var_os("HOME"), std::env::var_os("AWS_CONFIG_FILE"));
        // SAFETY: the sections run one after another and nothing else reads the environment now;
        // the portal reads HOME and AWS_CONFIG_FILE as the AWS CLI does, so the bench sets them.
        unsafe {
            std::env::set_var("HOME", home.path());
            std::env::set_var("AWS_CONFIG_FILE", &config);
        }
        let mut options = fake.options();
        options.concurrency = orgscope::cli::DEFAULT_CONCURRENCY.into();
        options.retry = orgscope::source::aws::retry::RetryPolicy::default();
        let portal = Arc::new(AwsPortal::connect(&options, Some("bench")).await.expect("the portal"));
        SignedIn { portal, saved, _home: home }
    }
}

impl Drop for SignedIn {
    fn drop(&mut self) {
        // SAFETY: as in `new`.
        unsafe {
            for (name, value) in [("HOME", self.saved.0.take()), ("AWS_CONFIG_FILE", self.saved.1.take())] {
                match value {
                    Some(value) => std::env::set_var(name, value),
                    None => std::env::remove_var(name),
                }
            }
        }
    }
}

fn sha1_hex(text: &str) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
