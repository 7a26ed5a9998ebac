//! What every command works with, built once from the flags and the config file (ripgrep's
//! `HiArgs`): the resolved settings, the source (the demo, a snapshot or AWS) and your Identity
//! Center sign-in's portal, each made the first time a command asks for it. No command goes back to
//! the raw flags or builds these itself.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::OnceCell;

use super::args::GlobalArgs;
use super::failure::Failure;
use crate::config::Config;
use crate::export::profiles::NameTemplate;
use crate::probe::ProbeSettings;
use crate::source::aws::{AwsOptions, AwsSource};
use crate::source::portal::{Portal, PortalError};
use crate::source::snapshot::{DemoPortal, SnapshotSource};
use crate::source::{AccessQuery, Source};

/// Where the data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// AWS, through the SDK.
    Live,
    /// The embedded demo organization: no network, no file outside orgscope's own directories.
    Demo,
    /// A saved run: as untrusted as AWS, and never a way to reach it.
    Snapshot(PathBuf),
}

pub struct Context {
    /// The flags, with what they leave unset filled from the config file (a flag always wins).
    pub flags: GlobalArgs,
    pub config: Config,
    source: OnceCell<Arc<dyn Source>>,
    portal: OnceCell<Arc<dyn Portal>>,
}

impl Context {
    /// Reads the config file (`--config`, else the default place) and resolves the flags with it.
    pub fn new(mut flags: GlobalArgs) -> Result<Context, Failure> {
        let config = crate::config::load(flags.config.as_deref()).map_err(Failure::usage)?;
        if flags.roles.is_empty() {
            flags.roles = config.roles.clone().unwrap_or_else(crate::remedy::default_roles);
        }
        if flags.concurrency.is_none() {
            let configured = config.concurrency.as_ref().and_then(|c| u16::try_from(*c.get_ref()).ok());
            flags.concurrency = Some(configured.unwrap_or(super::args::DEFAULT_CONCURRENCY));
        }
        flags.external_id = flags.external_id.or_else(|| config.external_id.clone());
        flags.sso_region = flags.sso_region.or_else(|| config.sso_region.clone());
        flags.sso_session = flags.sso_session.or_else(|| config.sso_session.clone());
        flags.validate()?;
        Ok(Context { flags, config, source: OnceCell::new(), portal: OnceCell::new() })
    }

    /// A context with the built-in defaults and no config file (for commands that need neither).
    pub fn bare(flags: GlobalArgs) -> Context {
        Context { flags, config: Config::default(), source: OnceCell::new(), portal: OnceCell::new() }
    }

    pub fn mode(&self) -> Mode {
        match (&self.flags.snapshot, self.flags.demo) {
            (_, true) => Mode::Demo,
            (Some(path), false) => Mode::Snapshot(path.clone()),
            (None, false) => Mode::Live,
        }
    }

    /// The source the flags ask for, made once.
    pub async fn source(&self) -> Result<Arc<dyn Source>, Failure> {
        self.source
            .get_or_try_init(|| async {
                let source: Arc<dyn Source> = match self.mode() {
                    Mode::Demo => Arc::new(SnapshotSource::demo()?),
                    Mode::Snapshot(path) => Arc::new(SnapshotSource::from_file(&path)?),
                    Mode::Live => Arc::new(AwsSource::connect(self.aws_options()).await?),
                };
                Ok::<_, Failure>(source)
            })
            .await
            .cloned()
    }

    /// Your Identity Center sign-in's portal: the demo's, or AWS's. A snapshot holds none.
    pub async fn portal(&self) -> Result<Arc<dyn Portal>, PortalError> {
        if let Some(portal) = self.portal.get() {
            return Ok(Arc::clone(portal));
        }
        let portal: Arc<dyn Portal> = match self.mode() {
            Mode::Demo => Arc::new(DemoPortal::new().map_err(|err| PortalError::Unavailable(err.to_string()))?),
            Mode::Snapshot(_) => {
                return Err(PortalError::Unavailable(
                    "a snapshot holds no Identity Center sign-in: run without --snapshot".to_string(),
                ));
            }
            Mode::Live => {
                Arc::new(crate::source::aws::portal::AwsPortal::connect(&self.aws_options(), self.sso_session()).await?)
            }
        };
        Ok(Arc::clone(self.portal.get_or_init(|| async { portal }).await))
    }

    /// The portal when a sign-in is configured; None (quietly) when none is, or for a snapshot.
    /// Anything else (an unreadable section) is said once on stderr.
    pub async fn optional_portal(&self) -> Option<Arc<dyn Portal>> {
        match self.portal().await {
            Ok(portal) => Some(portal),
            Err(PortalError::NotConfigured(_) | PortalError::Unavailable(_)) => None,
            Err(err) => {
                super::warn(&format!("Identity Center sign-in unavailable: {err}"));
                None
            }
        }
    }

    pub fn sso_session(&self) -> Option<&str> {
        self.flags.sso_session.as_deref()
    }

    /// How to reach AWS.
    pub fn aws_options(&self) -> AwsOptions {
        AwsOptions {
            profile: self.flags.profile.clone(),
            region: self.flags.region.clone(),
            endpoint_url: self.flags.endpoint_url.clone(),
            concurrency: self.flags.concurrency(),
            ..AwsOptions::default()
        }
    }

    /// The probe's roles, external IDs (global, per account, per OU), concurrency and region.
    pub fn probe_settings(&self, source: &dyn Source) -> ProbeSettings {
        self.probe_settings_in(source.region())
    }

    /// [`Self::probe_settings`] before any source is made: `region` is the source's, if known.
    pub fn probe_settings_in(&self, region: Option<String>) -> ProbeSettings {
        let mut settings = ProbeSettings {
            roles: self.flags.roles.clone(),
            external_id: self.flags.external_id.clone(),
            concurrency: self.flags.concurrency(),
            region: self.flags.region.clone().or(region),
            ..ProbeSettings::default()
        };
        if settings.roles.is_empty() {
            settings.roles = ProbeSettings::default().roles;
        }
        for (id, target) in self.config.targets() {
            if let Some(roles) = &target.roles {
                settings.roles_for.insert(id.clone(), roles.clone());
            }
            if let Some(external_id) = &target.external_id {
                settings.external_ids.insert(id.clone(), external_id.clone());
            }
            if let Some(reason) = &target.expected_blocked {
                settings.expected.insert(id.clone(), reason.clone());
            }
        }
        settings
    }

    /// The browser the console (and `login`'s page) opens in.
    pub fn browser(&self) -> crate::export::browser::Browser {
        let choice = self.flags.browser.as_deref().or(self.config.browser.as_deref());
        crate::export::browser::Browser::choose(choice, std::env::var("BROWSER").ok())
    }

    /// The profile the run uses: `--profile`, else `AWS_PROFILE`, else `default`.
    pub fn profile(&self) -> String {
        self.flags.profile.clone().or_else(|| std::env::var("AWS_PROFILE").ok()).unwrap_or_else(|| "default".into())
    }

    /// How long handed-out sessions last: `--duration`, else the config's `duration`, else 1 hour.
    pub fn duration(&self) -> i32 {
        self.flags
            .duration
            .or_else(|| {
                let configured = self.config.duration.as_ref()?;
                super::args::parse_session_duration(configured.get_ref()).ok()
            })
            .unwrap_or(crate::probe::SWITCH_SESSION_SECONDS)
    }

    /// Whether the TUI probes when it starts (`--no-probe` or the config's `probe = "manual"`: only on `p`).
    pub fn probe_at_start(&self) -> bool {
        !self.flags.no_probe && self.config.probe.as_ref().is_none_or(|p| p.get_ref() != "manual")
    }

    /// The credential cache and whom its sessions belong to; None with `--no-cache`, for a saved
    /// run (which hands out nothing), or without a cache directory.
    pub fn keeping(&self) -> Option<crate::probe::Keeping> {
        use crate::cache::{CredentialStore, credentials::DEFAULT_REFRESH_BEFORE_SECONDS};
        if self.flags.no_cache {
            return None;
        }
        let refresh_before = self
            .config
            .refresh_before
            .as_ref()
            .and_then(|r| crate::duration::parse_duration(r.get_ref()).ok())
            .unwrap_or_else(|| chrono::Duration::seconds(DEFAULT_REFRESH_BEFORE_SECONDS));
        let store = CredentialStore::new(CredentialStore::default_dir()?, refresh_before);
        let (principal, portal_principal) = match self.mode() {
            Mode::Snapshot(_) => return None,
            Mode::Demo => ("demo".to_string(), "demo:sso".to_string()),
            Mode::Live => {
                // Who the SDK signs as: the profile, and the environment's keys when it holds some.
                let mut principal = format!("profile:{}", self.profile());
                if let Ok(key) = std::env::var("AWS_ACCESS_KEY_ID") {
                    principal.push_str(&format!(" env:{key}"));
                }
                let sign_in = crate::source::aws::portal::sign_in(&self.aws_options(), self.sso_session())
                    .map(|s| s.start_url)
                    .unwrap_or_default();
                let mut portal_principal = format!("sso:{sign_in}");
                if let Some(endpoint) = &self.flags.endpoint_url {
                    principal.push_str(&format!(" endpoint:{endpoint}"));
                    portal_principal.push_str(&format!(" endpoint:{endpoint}"));
                }
                (principal, portal_principal)
            }
        };
        Some(crate::probe::Keeping { store, principal, portal_principal })
    }

    /// The profile's last live run, when it is cached (`--no-cache`: None): the organization
    /// `assume` finds accounts in without reading it again.
    pub fn cached_run(&self) -> Option<crate::model::Snapshot> {
        if self.mode() != Mode::Live {
            return None;
        }
        let path = self.snapshot_cache_path().filter(|p| p.exists())?;
        crate::model::Snapshot::from_file(&path)
            .inspect_err(|err| tracing::warn!(%err, "the cached run is unreadable"))
            .ok()
    }

    /// Keeps a live run's organization and verdicts as the profile's cached run (what the TUI
    /// starts from and `assume` finds names in); the rest of an earlier cached run is kept.
    pub fn remember_run(
        &self,
        org: &crate::model::Org,
        access: std::collections::BTreeMap<String, crate::model::ProbeOutcome>,
        region: Option<String>,
    ) {
        let Some(path) = self.snapshot_cache_path().filter(|_| self.mode() == Mode::Live) else { return };
        let snapshot = match self.cached_run() {
            Some(mut run) => {
                run.org = org.clone();
                run.access = access;
                run.saved_at = chrono::Utc::now();
                run
            }
            None => crate::model::Snapshot::new(org.clone(), access, Vec::new(), region),
        };
        if let Err(err) = snapshot.save(&path) {
            tracing::warn!(%err, "could not save the cached run");
        }
    }

    /// The region for exports without making the source: `--region`, the environment's, the profile's.
    pub fn region_offline(&self) -> Option<String> {
        use crate::source::aws::shared_config::{SharedConfig, profile_name};
        if self.mode() != Mode::Live {
            return None;
        }
        self.flags
            .region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()))
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok().filter(|r| !r.is_empty()))
            .or_else(|| {
                SharedConfig::load().0.profile(&profile_name(self.flags.profile.as_deref()))?.get("region").cloned()
            })
    }

    /// Identity Center's region for file names: `--sso-region`, else `--region`, else `default`.
    fn sso_region_or_default(&self) -> &str {
        self.flags.sso_region.as_deref().or(self.flags.region.as_deref()).unwrap_or("default")
    }

    /// orgscope's cache directory.
    fn cache_dir() -> Option<PathBuf> {
        crate::cache::dir()
    }

    /// Where the profile's last live run is cached (None: `--no-cache`, or no cache directory).
    pub fn snapshot_cache_path(&self) -> Option<PathBuf> {
        if self.flags.no_cache {
            return None;
        }
        Self::cache_dir().map(|dir| dir.join(format!("snapshot-{}.json", self.profile())))
    }

    /// Where the access map of the profile's Identity Center is kept between runs.
    pub fn access_cache_path(&self) -> Option<PathBuf> {
        if self.flags.no_cache {
            return None;
        }
        let name = format!("access-map-{}-{}.json", self.profile(), self.sso_region_or_default());
        Self::cache_dir().map(|dir| dir.join(name))
    }

    /// Where final assignment statuses are kept between runs.
    pub fn assignments_cache_path(&self) -> Option<PathBuf> {
        if self.flags.no_cache {
            return None;
        }
        Self::cache_dir().map(|dir| dir.join(format!("assignment-status-{}.json", self.sso_region_or_default())))
    }

    /// The access map's read: Identity Center's region and, unless `--no-cache`, the cache.
    pub fn access_query(&self) -> AccessQuery {
        AccessQuery { sso_region: self.flags.sso_region.clone(), cache_path: self.access_cache_path(), footholds: None }
    }

    /// The assignments' default window (the config's `assignments.since`, else 7 days).
    pub fn assignments_window(&self) -> chrono::Duration {
        self.config
            .assignments
            .since
            .as_ref()
            .and_then(|s| crate::duration::parse_duration(s.get_ref()).ok())
            .unwrap_or_else(|| chrono::Duration::days(7))
    }

    /// The profile-name template: `--name-template`, else the config's.
    pub fn name_template(&self, flag: Option<&str>) -> Result<Option<NameTemplate>, Failure> {
        flag.map(str::to_string)
            .or_else(|| self.config.profile_name_template.as_ref().map(|t| t.get_ref().clone()))
            .map(|t| NameTemplate::parse(&t))
            .transpose()
            .map_err(Failure::usage)
    }

    /// The region exports name for credentials that are not the source's (the portal's):
    /// `--region`, else the profile's, else the demo's.
    pub fn export_region(&self) -> Option<String> {
        use crate::source::aws::shared_config::{SharedConfig, profile_name};
        if self.flags.region.is_some() {
            return self.flags.region.clone();
        }
        if self.mode() == Mode::Demo {
            return SnapshotSource::demo().ok().and_then(|s| s.region());
        }
        SharedConfig::load()
            .0
            .profile(&profile_name(self.flags.profile.as_deref()))
            .and_then(|p| p.get("region").cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn context(args: &[&str], config: &str) -> Context {
        let cli = super::super::args::Cli::try_parse_from(std::iter::once("orgscope").chain(args.iter().copied()))
            .unwrap_or_else(|err| panic!("{args:?}: {err}"));
        let mut cx = Context::bare(cli.global);
        cx.config = crate::config::parse(config, "config.toml").unwrap_or_else(|err| panic!("{err}"));
        cx
    }

    #[test]
    fn the_session_length_comes_from_the_flag_then_the_config_then_an_hour() {
        assert_eq!(context(&[], "").duration(), 3600);
        assert_eq!(context(&[], "duration = \"2h\"\n").duration(), 7200);
        assert_eq!(context(&["--duration", "90m"], "duration = \"2h\"\n").duration(), 5400);
        assert_eq!(context(&["--duration", "1800"], "").duration(), 1800);
        assert!(super::super::args::Cli::try_parse_from(["orgscope", "--duration", "10m"]).is_err());
    }

    #[test]
    fn the_tui_probes_at_start_unless_told_not_to() {
        assert!(context(&[], "").probe_at_start());
        assert!(!context(&["--no-probe"], "").probe_at_start());
        assert!(!context(&[], "probe = \"manual\"\n").probe_at_start());
        assert!(context(&[], "probe = \"start\"\n").probe_at_start());
    }

    #[test]
    fn no_cache_keeps_no_credentials_and_a_snapshot_hands_out_none() {
        assert!(context(&["--no-cache"], "").keeping().is_none());
        assert!(context(&["--snapshot", "x.json"], "").keeping().is_none());
        assert_eq!(context(&["--demo"], "").keeping().map(|k| k.principal), Some("demo".to_string()));
    }
}
