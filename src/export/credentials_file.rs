//! Writing a profile into the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else
//! `~/.aws/credentials`). Only the named profile's lines change: every other profile, comment, blank
//! line and odd spacing stays byte for byte. The file is written atomically (temporary file in the
//! same directory, then rename) with mode 0600, under an exclusive lock on a sibling lock file so two
//! orgscope processes writing different profiles at once both land. A symlinked credentials file is
//! followed: its target is rewritten and the link kept.

use std::io;
use std::path::{Path, PathBuf};

use crate::model::TempCredentials;

/// The shared credentials file the SDK and the AWS CLI read.
pub fn default_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    dirs::home_dir().map(|home| home.join(".aws").join("credentials"))
}

/// The profile section orgscope writes.
pub fn profile_block(name: &str, credentials: &TempCredentials) -> String {
    format!(
        "[{name}]\n# written by orgscope for {} — expires {}\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
        credentials.role_arn,
        credentials.expiration.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        credentials.access_key_id,
        credentials.secret_access_key.expose(),
        credentials.session_token.expose(),
    )
}

/// The section name of a header line (`[name]`, `[ name ]`), if it is one.
fn section_name(line: &str) -> Option<&str> {
    let trimmed = line.trim();
    let inner = trimmed.strip_prefix('[')?.strip_suffix(']')?;
    Some(inner.trim())
}

/// `existing` with the section `name` replaced by `block` (or `block` appended). Lines outside the
/// section are kept exactly; trailing blank and comment lines of the old section are kept too,
/// since they usually introduce the next one.
pub fn merge(existing: &str, name: &str, block: &str) -> String {
    let lines: Vec<&str> = existing.split_inclusive('\n').collect();
    let Some(start) = lines.iter().position(|l| section_name(l) == Some(name)) else {
        let mut out = existing.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(block);
        return out;
    };
    let next = lines[start + 1..].iter().position(|l| section_name(l).is_some()).map_or(lines.len(), |i| start + 1 + i);
    let mut end = next;
    while end > start + 1 {
        let line = lines[end - 1].trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            end -= 1;
        } else {
            break;
        }
    }
    let mut out: String = lines[..start].concat();
    out.push_str(block);
    out.push_str(&lines[end..].concat());
    out
}

/// Writes profile `name` into the credentials file at `path`.
pub fn write_profile(path: &Path, name: &str, credentials: &TempCredentials) -> io::Result<()> {
    if name.is_empty() || name.contains(['[', ']', '\n', '\r']) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{name:?} is not a usable profile name")));
    }
    let block = profile_block(name, credentials);
    crate::files::update_locked(path, 0o600, true, |existing| merge(existing, name, &block))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXISTING: &str = "# my credentials\n[default]\naws_access_key_id=AKIA1\naws_secret_access_key = s1\n\n\
        ;  a comment before prod\n[ prod ]\naws_access_key_id   =   AKIA2\r\naws_secret_access_key=s2\n\n# tail\n";

    #[test]
    fn a_new_profile_is_appended_and_everything_else_kept() {
        let merged = merge(EXISTING, "orgscope-dev", "[orgscope-dev]\nk = v\n");
        assert!(merged.starts_with(EXISTING), "{merged}");
        assert!(merged.ends_with("\n\n[orgscope-dev]\nk = v\n"), "{merged:?}");
    }

    #[test]
    fn an_existing_profile_is_replaced_in_place() {
        let merged = merge(EXISTING, "default", "[default]\nnew = 1\n");
        assert_eq!(
            merged,
            EXISTING
                .replace("[default]\naws_access_key_id=AKIA1\naws_secret_access_key = s1\n", "[default]\nnew = 1\n")
        );
        let merged = merge(EXISTING, "prod", "[prod]\nnew = 2\n");
        assert!(merged.starts_with("# my credentials\n[default]\naws_access_key_id=AKIA1\n"), "{merged}");
        assert!(merged.contains(";  a comment before prod\n[prod]\nnew = 2\n\n# tail\n"), "{merged:?}");
        assert!(!merged.contains("AKIA2"));
    }

    #[test]
    fn a_file_without_a_final_newline_gets_one_before_the_new_profile() {
        assert_eq!(merge("[a]\nx=1", "b", "[b]\n"), "[a]\nx=1\n\n[b]\n");
        assert_eq!(merge("", "b", "[b]\n"), "[b]\n");
    }
}
