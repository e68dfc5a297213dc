//! `seccomp-fix admission-policy`: the chart's generated files, a golden
//! file for a non-default policy, and the errors.

use std::fs;
use std::path::PathBuf;

use crate::util::{code, data_dir, run_in, run_with_env, stderr, stdout};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// Runs the subcommand and compares its output with `expected` byte for
/// byte, showing a diff and the command that regenerates the file.
fn assert_generates(args: &[&str], expected: &PathBuf) {
    let mut argv = vec!["admission-policy"];
    argv.extend_from_slice(args);
    let out = run_with_env(&repo(), &argv, None, &[], &["SECCOMP_FIX_CONFIG"]);
    assert_eq!(code(&out), 0, "stderr:\n{}", stderr(&out));
    let want = fs::read_to_string(expected).unwrap_or_default();
    let got = stdout(&out);
    if got != want {
        let diff = similar::TextDiff::from_lines(&want, &got)
            .unified_diff()
            .header("committed", "generated")
            .to_string();
        panic!(
            "{} is not what `seccomp-fix {}` generates (review the diff, then run \
             scripts/admission-policy-files.sh):\n{diff}",
            expected.display(),
            argv.join(" "),
        );
    }
}

#[test]
fn the_chart_ships_what_seccomp_fix_generates() {
    let files = repo().join("charts/seccomp-defaulter/files");
    assert_generates(&[], &files.join("admission-policy.yaml"));
    assert_generates(
        &["--pods-only"],
        &files.join("admission-policy-pods-only.yaml"),
    );
}

#[test]
fn a_policy_with_every_knob_changed_matches_its_golden_file() {
    let dir = data_dir().join("admission-policy");
    let config = dir.join("custom.policy.yaml");
    let config = config.to_str().expect("UTF-8 path");
    assert_generates(
        &[
            "--config",
            config,
            "--name",
            "seccomp",
            "--exclude-namespace",
            "monitoring",
            "--opt-out-label",
            "example.com/no-seccomp",
            "--failure-policy",
            "Ignore",
        ],
        &dir.join("custom.out.yaml"),
    );
}

#[test]
fn a_custom_kind_without_resource_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    fs::write(
        &policy,
        "customKinds:\n- {apiVersion: argoproj.io/v1alpha1, kind: Rollout, podSpecPointer: /spec/template/spec}\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["admission-policy", "--config", policy.to_str().unwrap()],
        None,
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("customKinds[0] (Rollout)") && err.contains("resource"),
        "{err}"
    );
}

#[test]
fn an_invalid_policy_file_is_an_error_and_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    fs::write(&policy, "unconfined: allow\n").unwrap();
    let out = run_in(
        dir.path(),
        &["admission-policy", "--config", policy.to_str().unwrap()],
        None,
    );
    assert_eq!(code(&out), 2);
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("policy"), "{}", stderr(&out));
}

#[test]
fn the_docs_show_the_generated_default_policy() {
    let doc = fs::read_to_string(repo().join("docs/admission-policy.md")).unwrap();
    let marker = "<!-- generated: seccomp-fix admission-policy -->\n```yaml\n";
    let start = doc
        .find(marker)
        .expect("the generated-YAML marker in docs/admission-policy.md")
        + marker.len();
    let block = &doc[start..];
    let block = &block[..block.find("```").expect("the end of the YAML block")];
    let out = run_with_env(
        &repo(),
        &["admission-policy"],
        None,
        &[],
        &["SECCOMP_FIX_CONFIG"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        block == stdout(&out),
        "docs/admission-policy.md shows another policy than `seccomp-fix admission-policy` prints: \
         run scripts/admission-policy-files.sh"
    );
}
