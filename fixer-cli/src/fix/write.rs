//! Safe writes: a temp file in the same directory, permissions (and on Unix
//! owner) copied, fsync, then an atomic rename over the original.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Replaces the contents of `path` with `contents` atomically. A symlink
/// given explicitly is resolved, so its target is rewritten, not replaced.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    prepare(path, contents)?.commit()
}

/// New contents on disk beside the file, ready to be renamed over it.
pub struct Prepared {
    tmp: tempfile::NamedTempFile,
    target: std::path::PathBuf,
}

/// Writes `contents` to a synced temp file in `path`'s directory, with its
/// permissions (and owner); nothing replaces `path` until [`Prepared::commit`].
pub fn prepare(path: &Path, contents: &[u8]) -> io::Result<Prepared> {
    let target = fs::canonicalize(path)?;
    let metadata = fs::metadata(&target)?;
    let dir = target.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".seccomp-fix-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().set_permissions(metadata.permissions())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Best effort: only root may give a file away; others keep their own.
        let _ =
            std::os::unix::fs::fchown(tmp.as_file(), Some(metadata.uid()), Some(metadata.gid()));
    }
    tmp.as_file().sync_all()?;
    Ok(Prepared { tmp, target })
}

impl Prepared {
    /// Renames the temp file over the original. The data is on disk before
    /// the rename: after a crash the path holds the old or the new contents,
    /// never a torn file. (The directory is not fsynced per file: that only
    /// decides which of the two survives.)
    pub fn commit(self) -> io::Result<()> {
        self.tmp.persist(&self.target).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn rewrites_contents_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temp file left behind");
    }
}
