//! Writing user files safely: a temporary file in the same directory, flushed to disk, then
//! renamed over the target, so a crash leaves either the old file or the new one, never half.

use std::io::{self, Write};
use std::path::Path;

/// Writes `contents` to `path` atomically with the given Unix `mode` (e.g. `0o600`).
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    write_atomic_checked(path, contents, mode, || Ok(()))
}

/// [`write_atomic`] with a check run after the new contents are on disk and before they replace
/// the old: if it fails (or the process dies there), the original is untouched and no temporary
/// file is left behind.
fn write_atomic_checked(
    path: &Path,
    contents: &[u8],
    mode: u32,
    before_rename: impl FnOnce() -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile_in(dir, mode)?;
    temp.file.write_all(contents)?;
    temp.file.sync_all()?;
    before_rename()?;
    std::fs::rename(&temp.path, path)?;
    temp.committed = true;
    Ok(())
}

/// Rewrites the user's file at `path` as `change(old contents)` under an exclusive lock on a
/// sibling lock file, so concurrent orgscope processes never lose each other's changes. A
/// symlinked file is followed: the target is rewritten and the link kept. A missing file counts
/// as empty. New files get `mode`; an existing file keeps its own mode unless `force_mode`.
pub fn update_locked(path: &Path, mode: u32, force_mode: bool, change: impl FnOnce(&str) -> String) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let target = match std::fs::canonicalize(path) {
        Ok(resolved) => resolved,
        Err(err) if err.kind() == io::ErrorKind::NotFound => path.to_path_buf(),
        Err(err) => return Err(err),
    };
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let lock_path = target.with_file_name(format!(".{name}.orgscope.lock"));
    let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path)?;
    lock.lock()?;
    let (existing, existing_mode) = match std::fs::read_to_string(&target) {
        Ok(text) => (text, std::fs::metadata(&target).map(|m| m.permissions().mode() & 0o777).ok()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => (String::new(), None),
        Err(err) => return Err(err),
    };
    let mode = if force_mode { mode } else { existing_mode.unwrap_or(mode) };
    let changed = change(&existing);
    if existing_mode.is_some() && changed == existing && !force_mode {
        // Nothing to change: the file is left exactly as it was.
        let _ = lock.unlock();
        return Ok(());
    }
    let result = write_atomic(&target, changed.as_bytes(), mode);
    // Earlier versions kept a copy of the file before their first change, with the file's own
    // mode (0644 with a long-term key was seen) and never removed it. The atomic write leaves the
    // old file or the new one, never half, so no copy is kept, and an old one is removed.
    if result.is_ok() {
        let _ = std::fs::remove_file(target.with_file_name(format!("{name}.orgscope-backup")));
    }
    let _ = lock.unlock();
    result
}

struct TempFile {
    file: std::fs::File,
    path: std::path::PathBuf,
    committed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn tempfile_in(dir: &Path, mode: u32) -> io::Result<TempFile> {
    use std::os::unix::fs::OpenOptionsExt;
    for attempt in 0..100u32 {
        let name = format!(".orgscope-{}-{}-{attempt}.tmp", std::process::id(), rand::random::<u32>());
        let path = dir.join(name);
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(&path) {
            Ok(file) => return Ok(TempFile { file, path, committed: false }),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err),
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, "could not create a temporary file"))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn replaces_the_file_with_the_requested_mode_and_leaves_no_temp_file() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.json");
        std::fs::write(&path, "old")?;
        write_atomic(&path, b"new", 0o600)?;
        assert_eq!(std::fs::read_to_string(&path)?, "new");
        assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
        Ok(())
    }

    #[test]
    fn a_write_that_fails_midway_leaves_the_original_intact() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("credentials");
        std::fs::write(&path, "[default]\nkeep = me\n")?;
        let result = write_atomic_checked(&path, b"[replacement]\n", 0o600, || Err(io::Error::other("crash")));
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&path)?, "[default]\nkeep = me\n");
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1, "no temporary file is left");
        Ok(())
    }

    #[test]
    fn no_copy_of_the_users_file_is_kept_and_an_old_one_is_removed() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("credentials");
        std::fs::write(&path, "[old]\naws_secret_access_key = long-term\n")?;
        let stale = dir.path().join("credentials.orgscope-backup");
        std::fs::write(&stale, "[old]\naws_secret_access_key = long-term\n")?;
        std::fs::set_permissions(&stale, std::fs::Permissions::from_mode(0o644))?;
        update_locked(&path, 0o600, true, |old| format!("{old}first\n"))?;
        update_locked(&path, 0o600, true, |old| format!("{old}second\n"))?;
        assert_eq!(std::fs::read_to_string(&path)?, "[old]\naws_secret_access_key = long-term\nfirst\nsecond\n");
        assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        assert!(!stale.exists(), "the old copy, readable by others, is gone");
        let left: Vec<String> = std::fs::read_dir(dir.path())?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".orgscope.lock"))
            .collect();
        assert_eq!(left, vec!["credentials".to_string()], "nothing else holds the file's secrets");
        Ok(())
    }

    #[test]
    fn a_symlinked_file_is_followed_and_the_link_kept() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let real = dir.path().join("real-credentials");
        let link = dir.path().join("credentials");
        std::fs::write(&real, "[a]\n")?;
        std::os::unix::fs::symlink(&real, &link)?;
        update_locked(&link, 0o600, true, |old| format!("{old}[b]\n"))?;
        assert!(std::fs::symlink_metadata(&link)?.file_type().is_symlink(), "the link is kept");
        assert_eq!(std::fs::read_to_string(&real)?, "[a]\n[b]\n");
        Ok(())
    }

    #[test]
    fn a_missing_directory_fails_without_touching_anything() {
        let result = write_atomic(Path::new("/nonexistent-orgscope-dir/x"), b"data", 0o644);
        assert!(result.is_err());
    }
}
