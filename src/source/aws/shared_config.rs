//! The parts of the shared config file (`~/.aws/config`, `AWS_CONFIG_FILE`) orgscope reads itself:
//! a profile's `sso_region` and `sso_session`, and an `[sso-session NAME]` section. The SDK reads
//! the rest; this is the same INI dialect (`[profile NAME]`, `[default]`, `[sso-session NAME]`,
//! `key = value`, `#` and `;` comments), kept small on purpose.

use std::collections::HashMap;
use std::path::PathBuf;

/// The sections of one config file, by header (`profile work`, `default`, `sso-session corp`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedConfig {
    sections: HashMap<String, HashMap<String, String>>,
}

impl SharedConfig {
    pub fn parse(text: &str) -> SharedConfig {
        let mut sections: HashMap<String, HashMap<String, String>> = HashMap::new();
        let mut current: Option<String> = None;
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with('#') || trimmed.starts_with(';') || trimmed.is_empty() {
                continue;
            }
            if let Some(inner) = trimmed.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let header = inner.split_whitespace().collect::<Vec<_>>().join(" ");
                sections.entry(header.clone()).or_default();
                current = Some(header);
            } else if let Some(header) = &current
                && let Some((key, value)) = trimmed.split_once('=')
                && !line.starts_with([' ', '\t'])
                && let Some(section) = sections.get_mut(header)
            {
                section.insert(key.trim().to_string(), value.trim().to_string());
            }
        }
        SharedConfig { sections }
    }

    /// The config file the SDK reads (`AWS_CONFIG_FILE`, else `~/.aws/config`); empty when it is
    /// missing or unreadable.
    pub fn load() -> (SharedConfig, Option<PathBuf>) {
        let path = path();
        let text = path.as_ref().and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
        (SharedConfig::parse(&text), path)
    }

    /// The profile's keys (`default` is `[default]`, any other `[profile NAME]`).
    pub fn profile(&self, name: &str) -> Option<&HashMap<String, String>> {
        let header = if name == "default" { "default".to_string() } else { format!("profile {name}") };
        self.sections.get(&header)
    }

    pub fn sso_session(&self, name: &str) -> Option<&HashMap<String, String>> {
        self.sections.get(&format!("sso-session {name}"))
    }

    /// `sso_region` for profile `name`, directly or through its `sso_session`.
    pub fn sso_region(&self, name: &str) -> Option<String> {
        let profile = self.profile(name)?;
        if let Some(region) = profile.get("sso_region") {
            return Some(region.clone());
        }
        self.sso_session(profile.get("sso_session")?)?.get("sso_region").cloned()
    }
}

/// Every profile the config file and the shared credentials file define, sorted, and the two
/// files' paths (for a message).
pub fn profile_names() -> (Vec<String>, Vec<PathBuf>) {
    let (config, config_path) = SharedConfig::load();
    let mut names: Vec<String> = config
        .sections
        .keys()
        .filter_map(|h| if h == "default" { Some(h.clone()) } else { h.strip_prefix("profile ").map(str::to_string) })
        .collect();
    let credentials_path = crate::export::credentials_file::default_path();
    let credentials = credentials_path.as_ref().and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
    names.extend(SharedConfig::parse(&credentials).sections.into_keys());
    names.sort();
    names.dedup();
    (names, config_path.into_iter().chain(credentials_path).collect())
}

/// `AWS_CONFIG_FILE`, else `~/.aws/config`.
pub fn path() -> Option<PathBuf> {
    std::env::var_os("AWS_CONFIG_FILE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".aws").join("config")))
}

/// The profile the SDK uses: the flag, else `AWS_PROFILE`, else `default`.
pub fn profile_name(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sso_region_comes_from_the_profile_or_its_sso_session() {
        let config = SharedConfig::parse(
            "[default]\nregion = us-east-1\nsso_region = eu-west-1\n\n[profile work]\nsso_session = corp\n# sso_region = nope\n\n[sso-session  corp]\nsso_region = eu-central-1\n",
        );
        assert_eq!(config.sso_region("default").as_deref(), Some("eu-west-1"));
        assert_eq!(config.sso_region("work").as_deref(), Some("eu-central-1"));
        assert_eq!(config.sso_region("missing"), None);
        assert_eq!(
            config.sso_session("corp").and_then(|s| s.get("sso_region")).map(String::as_str),
            Some("eu-central-1")
        );
    }

    #[test]
    fn nested_values_do_not_leak_into_the_section() {
        let config = SharedConfig::parse("[profile p]\ns3 =\n  region = x\nregion = y\n");
        assert_eq!(config.profile("p").and_then(|p| p.get("region")).map(String::as_str), Some("y"));
    }
}
