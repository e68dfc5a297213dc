//! Temporary directories for tests: a tree of given files, and a directory
//! laid out like a mounted Kubernetes Secret (atomic updates as the kubelet
//! makes them).

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::pki::Pair;

/// A fresh temporary directory holding the given `(relative path, contents)` files.
pub fn temp_tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, contents) in files {
        write(dir.path(), rel, contents);
    }
    dir
}

/// Writes `contents` to `dir/rel` (parent directories created) and returns the path.
pub fn write(dir: &Path, rel: &str, contents: &str) -> PathBuf {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, contents).expect("write file");
    path
}

/// A directory like a mounted Secret: `tls.crt -> ..data/tls.crt`, `..data -> ..<n>`;
/// an update writes a new `..<n>` and swaps `..data` with one rename, as the kubelet does.
pub struct SecretDir {
    pub root: PathBuf,
    generation: usize,
}

impl SecretDir {
    /// A directory holding a serving certificate pair as `tls.crt` and `tls.key`.
    pub fn new(root: &Path, pair: &Pair) -> SecretDir {
        SecretDir::with_files(
            root,
            &[
                ("tls.crt", pair.cert.as_str()),
                ("tls.key", pair.key.as_str()),
            ],
        )
    }

    /// Replaces the certificate pair (as cert-manager or the chart's upgrade would).
    pub fn rotate(&mut self, pair: &Pair) {
        self.update(&[
            ("tls.crt", pair.cert.as_str()),
            ("tls.key", pair.key.as_str()),
        ]);
    }

    pub fn cert(&self) -> PathBuf {
        self.root.join("tls.crt")
    }

    pub fn key(&self) -> PathBuf {
        self.root.join("tls.key")
    }

    /// A directory holding `files` (name, contents) behind the `..data` link.
    pub fn with_files(root: &Path, files: &[(&str, &str)]) -> SecretDir {
        std::fs::create_dir_all(root).unwrap();
        let mut dir = SecretDir {
            root: root.to_path_buf(),
            generation: 0,
        };
        dir.update(files);
        for (name, _) in files {
            std::os::unix::fs::symlink(format!("..data/{name}"), root.join(name)).unwrap();
        }
        dir
    }

    /// Replaces the files at once (a new `..<n>` directory, one rename of `..data`).
    pub fn update(&mut self, files: &[(&str, &str)]) {
        self.generation += 1;
        let version = format!("..{}", self.generation);
        let dir = self.root.join(&version);
        std::fs::create_dir(&dir).unwrap();
        for (name, content) in files {
            std::fs::write(dir.join(name), content).unwrap();
        }
        let tmp = self.root.join("..data_tmp");
        std::os::unix::fs::symlink(&version, &tmp).unwrap();
        std::fs::rename(&tmp, self.root.join("..data")).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_holds_its_files_in_subdirectories() {
        let dir = temp_tree(&[("a.yaml", "a"), ("sub/b.yaml", "b")]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
            "a"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("sub/b.yaml")).unwrap(),
            "b"
        );
    }

    #[test]
    fn a_secret_update_swaps_every_file_at_once() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("secret");
        let mut secret = SecretDir::with_files(&root, &[("x", "1"), ("y", "1")]);
        secret.update(&[("x", "2"), ("y", "2")]);
        assert_eq!(std::fs::read_to_string(root.join("x")).unwrap(), "2");
        assert_eq!(std::fs::read_to_string(root.join("y")).unwrap(), "2");
        assert!(std::fs::symlink_metadata(root.join("x"))
            .unwrap()
            .is_symlink());
        assert_eq!(
            std::fs::read_link(root.join("..data")).unwrap(),
            Path::new("..2")
        );
    }
}
