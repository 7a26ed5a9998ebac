//! moto (`pip install 'moto[server]'`), an independent AWS emulator, started on 127.0.0.1 for one
//! test and stopped when the handle drops.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const INSTALL_HINT: &str = "install it with `pip install 'moto[server]'` (the README's test command does)";

pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    /// Starts moto, or returns None (outside CI only) when it is not installed.
    pub fn start() -> Option<Moto> {
        if !super::require_tool("python3", &["-c", "import moto.server, flask"], INSTALL_HINT) {
            return None;
        }
        let port = free_port();
        let child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            // AWS-managed policies (AdministratorAccess…) exist in IAM, as in AWS.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 starts");
        let moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start listening on 127.0.0.1:{port} within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An SDK configuration pointed at this moto with its test credentials.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_credential_types::Credentials::new("testing", "testing", None, None, "moto"))
            .endpoint_url(self.url())
            .load()
            .await
    }
}

impl Moto {
    /// orgscope's source options pointed at this moto with its test credentials.
    pub fn options(&self) -> orgscope::source::aws::AwsOptions {
        orgscope::source::aws::AwsOptions {
            region: Some("us-east-1".into()),
            endpoint_url: Some(self.url()),
            concurrency: 4,
            credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "moto")),
            ..Default::default()
        }
    }

    /// Creates the organization and `count` accounts named `<prefix>-<n>`; returns their ids.
    pub async fn create_org_with_accounts(&self, prefix: &str, count: usize) -> Vec<String> {
        let client = aws_sdk_organizations::Client::new(&self.sdk_config().await);
        client
            .create_organization()
            .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
            .send()
            .await
            .expect("create organization");
        let mut ids = Vec::new();
        for n in 0..count {
            let account = client
                .create_account()
                .email(format!("{prefix}+{n}@example.com"))
                .account_name(format!("{prefix}-{n}"))
                .send()
                .await
                .expect("create account");
            ids.push(account.create_account_status().and_then(|s| s.account_id()).expect("account id").to_string());
        }
        ids
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port on 127.0.0.1")
}
