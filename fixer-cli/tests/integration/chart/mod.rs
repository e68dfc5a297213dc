//! `seccomp-fix fix` on Helm charts: with the real Helm CLI (`rendered`)
//! and without any.

mod checks;
mod helm;
mod rendered;

use std::fs;

use crate::util::{code, run_in, stdout, temp_tree};

/// Without helm each chart gets one warning, the other files are fixed,
/// plain `fix` exits as they decide and `--check` exits 1.
#[test]
fn without_helm_charts_are_reported_once_and_the_rest_is_fixed() {
    let tmp = temp_tree(&[
        ("app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\n"),
        ("app/values.yaml", "podSecurityContext: {}\n"),
        ("app/templates/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n    - name: a\n      image: a\n"),
        ("app/templates/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n"),
        ("plain/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: a\n"),
    ]);
    let out = run_in(
        tmp.path(),
        &["fix", "--helm", "/nonexistent/helm", "."],
        None,
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = stdout(&out);
    let warnings: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("chart-needs-helm"))
        .collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(
        warnings[0].starts_with("app/Chart.yaml:1: warning chart-needs-helm"),
        "{text}"
    );
    assert!(!text.contains("skipped: Go/Helm template"), "{text}");
    assert!(fs::read_to_string(tmp.path().join("plain/pod.yaml"))
        .unwrap()
        .contains("RuntimeDefault"));
    let out = run_in(
        tmp.path(),
        &["fix", "--check", "--helm", "/nonexistent/helm", "."],
        None,
    );
    assert_eq!(code(&out), 1, "{}", stdout(&out));
}
