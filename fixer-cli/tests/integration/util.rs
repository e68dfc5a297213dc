//! Small helpers shared by the integration tests: temp dirs and a command runner.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use seccomp_test_support::dirs::temp_tree;

/// Path of the compiled `seccomp-fix` binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_seccomp-fix"))
}

/// Runs `seccomp-fix` with `args` in `dir`, feeding `stdin` if given.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    run_with_env(dir, args, stdin, &[], &[])
}

/// Like [`run_in`], with environment variables set (`set`) and removed (`remove`).
pub fn run_with_env(
    dir: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    set: &[(&str, &str)],
    remove: &[&str],
) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(dir);
    for name in remove {
        cmd.env_remove(name);
    }
    for (name, value) in set {
        cmd.env(name, value);
    }
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn seccomp-fix");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait seccomp-fix")
}

/// Stdout of a finished command as UTF-8 text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr of a finished command as UTF-8 text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `fixer-cli/tests/data`, where golden files live.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Exit code of a finished command (-1 when killed by a signal).
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// The rule ids a SARIF run declares, in order (`ruleIndex` indexes them).
pub fn sarif_rule_ids(run: &serde_json::Value) -> Vec<&str> {
    run["tool"]["driver"]["rules"]
        .as_array()
        .expect("a SARIF run declares its rules")
        .iter()
        .map(|r| r["id"].as_str().expect("a rule id"))
        .collect()
}
