//! Writing user files safely: a temporary file in the same directory, flushed to disk, then
//! renamed over the target, so a crash leaves either the old file or the new one, never half.

use std::io::{self, Write};
use std::path::Path;

/// Writes `contents` to `path` atomically with the given Unix `mode` (e.g. `0o600`).
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile_in(dir, mode)?;
    temp.file.write_all(contents)?;
    temp.file.sync_all()?;
    std::fs::rename(&temp.path, path)?;
    temp.committed = true;
    Ok(())
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
    fn a_missing_directory_fails_without_touching_anything() {
        let result = write_atomic(Path::new("/nonexistent-orgscope-dir/x"), b"data", 0o644);
        assert!(result.is_err());
    }
}
