//! The real Helm CLI for the chart tests: built from its Go module into the
//! tools cache by `scripts/go-tools.sh` (the test command builds it; a
//! cached build is reused in well under a second). `SECCOMP_TEST_HELM4` /
//! `SECCOMP_TEST_HELM3` name a binary instead. A missing helm fails the
//! test, naming it: these tests never skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

/// Which Helm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// helm.sh/helm/v4 (the current one).
    V4,
    /// helm.sh/helm/v3 at v3.16 (the scaffold before `with .Values.podSecurityContext`).
    V3,
}

fn build(tool: &str, env: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new("bash")
        .arg(root.join("scripts/go-tools.sh"))
        .arg(tool)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: cannot run scripts/go-tools.sh: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{tool} (the real Helm CLI) is needed and could not be built by scripts/go-tools.sh {tool} \
         (or set {env}):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{tool} ")))
        .unwrap_or_else(|| panic!("scripts/go-tools.sh {tool} printed no path: {stdout}"));
    PathBuf::from(dir.trim()).join("helm")
}

/// The helm binary of `version`.
pub fn helm(version: Version) -> &'static Path {
    static V4: OnceLock<PathBuf> = OnceLock::new();
    static V3: OnceLock<PathBuf> = OnceLock::new();
    match version {
        Version::V4 => V4.get_or_init(|| build("helm4", "SECCOMP_TEST_HELM4")),
        Version::V3 => V3.get_or_init(|| build("helm3", "SECCOMP_TEST_HELM3")),
    }
}

/// `helm template` of the chart at `dir` with extra `--values` files: the
/// objects, read by an independent parser (yaml_serde).
pub fn render(version: Version, dir: &Path, values: &[&str]) -> Vec<Value> {
    let mut cmd = Command::new(helm(version));
    cmd.args(["template", "release-name", "."]).current_dir(dir);
    for v in values {
        cmd.args(["--values", v]);
    }
    let out = cmd.output().expect("run helm template");
    assert!(
        out.status.success(),
        "helm template {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8 rendering");
    yaml_serde::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).expect("rendering is YAML"))
        .filter(|v| !v.is_null())
        .collect()
}
