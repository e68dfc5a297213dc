//! Chart fixes checked with the real Helm CLI: golden diffs of the test
//! charts (tests/data/charts), renderings checked after the fix, unfixable
//! patterns reported at `file:line`, render failures named.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::checks;
use super::helm::{self, Version};
use crate::cases::assert_same_text;
use crate::util::{code, data_dir, run_in, stderr, stdout};

/// A copy of tests/data/charts/`name` in a temporary directory, as `name/`.
fn copy_chart(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &data_dir().join("charts").join(name),
        &tmp.path().join(name),
    );
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn helm_arg(version: Version) -> String {
    helm::helm(version).display().to_string()
}

/// `--values` files of the chart's ci/ folder: one rendering each.
fn value_sets(chart: &Path) -> Vec<Vec<String>> {
    let mut sets = vec![Vec::new()];
    if let Ok(entries) = fs::read_dir(chart.join("ci")) {
        let mut names: Vec<String> = entries
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with("-values.yaml"))
            .collect();
        names.sort();
        sets.extend(names.into_iter().map(|n| vec![format!("ci/{n}")]));
    }
    sets
}

fn render(version: Version, chart: &Path, set: &[String]) -> Vec<Value> {
    let values: Vec<&str> = set.iter().map(String::as_str).collect();
    helm::render(version, chart, &values)
}

/// A fixable test chart: `fix --diff` prints exactly the golden diff
/// (reviewed by reading it), `fix` writes it, every rendering then has
/// RuntimeDefault on every pod and differs from the original only in
/// seccomp fields, and `fix --check` is clean.
fn fixable_chart((name, version): (&str, Version)) {
    let tmp = copy_chart(name);
    let chart = tmp.path().join(name);
    let helm = helm_arg(version);
    let sets = value_sets(&chart);
    let before: Vec<Vec<Value>> = sets.iter().map(|s| render(version, &chart, s)).collect();
    let noise: Vec<Vec<String>> = sets
        .iter()
        .zip(&before)
        .map(|(s, first)| checks::noise(first, &render(version, &chart, s)))
        .collect();
    assert!(
        sets.iter()
            .zip(&before)
            .any(|(_, objects)| !checks::pods_without_seccomp(objects).is_empty()),
        "{name}: the test chart should need a fix"
    );

    let out = run_in(tmp.path(), &["fix", "--diff", "--helm", &helm, name], None);
    assert_eq!(
        code(&out),
        0,
        "{name}: --diff exit code; stderr:\n{}",
        stderr(&out)
    );
    let golden = data_dir().join("charts").join(format!("{name}.diff"));
    let want = fs::read_to_string(&golden).unwrap_or_default();
    assert_same_text(
        want.as_bytes(),
        &out.stdout,
        &format!("{name}: the diff against {}", golden.display()),
    );

    let out = run_in(tmp.path(), &["fix", "--helm", &helm, name], None);
    assert_eq!(code(&out), 0, "{name}: fix; stdout:\n{}", stdout(&out));
    for ((set, old), noise) in sets.iter().zip(&before).zip(&noise) {
        let new = render(version, &chart, set);
        assert_eq!(
            checks::pods_without_seccomp(&new),
            Vec::<String>::new(),
            "{name} {set:?}: pods without RuntimeDefault after the fix"
        );
        assert_eq!(
            checks::non_seccomp_changes(old, &new, noise),
            Vec::<String>::new(),
            "{name} {set:?}: the fix changed more than seccomp fields"
        );
    }
    let out = run_in(tmp.path(), &["fix", "--check", "--helm", &helm, name], None);
    assert_eq!(
        code(&out),
        0,
        "{name}: --check after the fix: {}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("0 objects would be fixed"),
        "{name}: {}",
        stdout(&out)
    );
}

cases! { fixable_chart;
    chart_scaffold_v3_matches_its_golden_diff_and_renders_clean: ("scaffold-v3", Version::V3),
    chart_scaffold_v4_matches_its_golden_diff_and_renders_clean: ("scaffold-v4", Version::V4),
    chart_nested_values_matches_its_golden_diff_and_renders_clean: ("nested-values", Version::V4),
    chart_literal_matches_its_golden_diff_and_renders_clean: ("literal", Version::V4),
    chart_with_ci_matches_its_golden_diff_and_renders_clean: ("with-ci", Version::V4),
    chart_library_dep_matches_its_golden_diff_and_renders_clean: ("library-dep", Version::V4),
    chart_legacy_matches_its_golden_diff_and_renders_clean: ("legacy", Version::V4),
}

/// The acceptance check on a `helm create` scaffold: only values.yaml and
/// the literal test Pod change.
fn scaffold_changes_only_values_and_the_test_pod(name: &str) {
    let diff = fs::read_to_string(data_dir().join("charts").join(format!("{name}.diff"))).unwrap();
    let files: Vec<&str> = diff
        .lines()
        .filter_map(|l| l.strip_prefix("+++ b/"))
        .collect();
    assert_eq!(
        files,
        vec![
            format!("{name}/values.yaml").as_str(),
            format!("{name}/templates/tests/test-connection.yaml").as_str()
        ],
        "{name}"
    );
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changed,
        vec![
            "-podSecurityContext: {}",
            "+podSecurityContext:",
            "+  seccompProfile:",
            "+    type: RuntimeDefault",
            "+  securityContext:",
            "+    seccompProfile:",
            "+      type: RuntimeDefault",
        ],
        "{name}"
    );
}

cases! { scaffold_changes_only_values_and_the_test_pod;
    scaffold_v3_changes_only_values_and_the_test_pod: "scaffold-v3",
    scaffold_v4_changes_only_values_and_the_test_pod: "scaffold-v4",
}

/// Every unfixable pattern is reported at its template line, in text, JSON
/// and SARIF, and nothing is written.
#[test]
fn unfixable_patterns_are_reported_at_their_template_line() {
    let tmp = copy_chart("unfixable");
    let helm = helm_arg(Version::V4);
    let before = fs::read_to_string(tmp.path().join("unfixable/values.yaml")).unwrap();
    let out = run_in(tmp.path(), &["fix", "--helm", &helm, "unfixable"], None);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let text = stdout(&out);
    for (at, why) in [
        (
            "unfixable/templates/omit.yaml:15: error chart-not-fixable",
            "`{{ if .Values.podSecurityContext.enabled }}`",
        ),
        (
            "unfixable/templates/merge.yaml:15: error chart-not-fixable",
            "merge",
        ),
        (
            "unfixable/templates/helper.yaml:7: error chart-not-fixable",
            "helper \"unfixable.podSecurityContext\"",
        ),
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(at))
            .unwrap_or_else(|| panic!("no {at} in:\n{text}"));
        assert!(line.contains(why), "{line}");
    }
    assert_eq!(
        fs::read_to_string(tmp.path().join("unfixable/values.yaml")).unwrap(),
        before
    );

    let out = run_in(
        tmp.path(),
        &[
            "fix",
            "--check",
            "--format",
            "json",
            "--helm",
            &helm,
            "unfixable",
        ],
        None,
    );
    assert_eq!(code(&out), 2);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut found: Vec<(String, u64)> = Vec::new();
    for file in report["files"].as_array().unwrap() {
        for object in file["objects"].as_array().unwrap() {
            for f in object["findings"].as_array().unwrap() {
                if f["code"] == "chart-not-fixable" {
                    found.push((
                        file["path"].as_str().unwrap().to_owned(),
                        f["line"].as_u64().unwrap(),
                    ));
                }
            }
        }
    }
    found.sort();
    assert_eq!(
        found,
        vec![
            ("unfixable/templates/helper.yaml".to_owned(), 7),
            ("unfixable/templates/merge.yaml".to_owned(), 15),
            ("unfixable/templates/omit.yaml".to_owned(), 15),
        ]
    );

    let out = run_in(
        tmp.path(),
        &["fix", "--format", "sarif", "--helm", &helm, "unfixable"],
        None,
    );
    let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let run = &sarif["runs"][0];
    assert!(crate::util::sarif_rule_ids(run).contains(&"chart-not-fixable"));
    let located: Vec<(String, u64)> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "chart-not-fixable")
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                loc["artifactLocation"]["uri"].as_str().unwrap().to_owned(),
                loc["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(located.len(), 3, "{located:?}");
    assert!(located.contains(&("unfixable/templates/omit.yaml".to_owned(), 15)));
}

/// A dependency that is not vendored or a required value without default
/// is named in a finding; the chart is not touched.
fn render_failure_names_what_is_missing((name, missing): (&str, &str)) {
    let helm = helm_arg(Version::V4);
    let tmp = copy_chart(name);
    let out = run_in(tmp.path(), &["fix", "--helm", &helm, name], None);
    assert_eq!(code(&out), 2, "{name}");
    let line = stdout(&out)
        .lines()
        .find(|l| l.contains("chart-render-failed"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("{name}: {}", stdout(&out)));
    assert!(
        line.starts_with(&format!("{name}/Chart.yaml:1: error")),
        "{line}"
    );
    assert!(line.contains(missing), "{line}");
}

cases! { render_failure_names_what_is_missing;
    render_failure_names_a_missing_dependency: ("missing-dep", "missing in charts/ directory: postgresql"),
    render_failure_names_a_required_value: ("required-value", "image.repository is required"),
}

/// The verification's "nothing else may change": a values key shared with
/// an opted-out Pod would change that Pod too, so nothing is written.
#[test]
fn an_edit_that_would_change_another_object_is_not_written() {
    let tmp = copy_chart("shared-key");
    let helm = helm_arg(Version::V4);
    let before = fs::read_to_string(tmp.path().join("shared-key/values.yaml")).unwrap();
    let out = run_in(tmp.path(), &["fix", "--helm", &helm, "shared-key"], None);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "shared-key/Chart.yaml: error: internal error, chart left untouched: the edit would also \
             change templates/debug-pod.yaml (Pod/release-name-debug) at /spec/securityContext/seccompProfile"
        ),
        "{text}"
    );
    assert!(text.contains("0 objects fixed"), "{text}");
    assert_eq!(
        fs::read_to_string(tmp.path().join("shared-key/values.yaml")).unwrap(),
        before
    );
}

/// A helm wrapper that counts its runs.
fn counting_helm(dir: &Path) -> (PathBuf, PathBuf) {
    let count = dir.join("helm-runs");
    let script = dir.join("helm");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> '{}'\nexec '{}' \"$@\"\n",
            count.display(),
            helm::helm(Version::V4).display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    }
    (script, count)
}

fn runs(count: &Path) -> usize {
    fs::read_to_string(count).map_or(0, |t| t.lines().count())
}

/// A chart with nothing to change is rendered once per value set; one with
/// changes twice before editing (to find fields that differ between
/// renders) and once more to verify.
#[test]
fn a_clean_chart_is_rendered_once() {
    let tools = tempfile::tempdir().unwrap();
    let (helm, count) = counting_helm(tools.path());
    let helm = helm.display().to_string();
    let project_chart = Path::new(env!("CARGO_MANIFEST_DIR")).join("../charts/seccomp-defaulter");
    let out = run_in(
        tools.path(),
        &[
            "fix",
            "--check",
            "--helm",
            &helm,
            project_chart.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        code(&out),
        0,
        "the project's own chart is clean: {}",
        stdout(&out)
    );
    assert_eq!(runs(&count), 1);

    let tmp = copy_chart("with-ci");
    fs::remove_file(&count).unwrap();
    let out = run_in(
        tmp.path(),
        &["fix", "--check", "--helm", &helm, "with-ci"],
        None,
    );
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert_eq!(
        runs(&count),
        6,
        "2 value sets × (render, second render, verify)"
    );
}

/// pre-commit passes the changed files: a file inside a chart fixes the
/// chart; `--stdout` prints the chart's diff.
#[test]
fn a_file_named_inside_a_chart_fixes_the_chart() {
    let tmp = copy_chart("scaffold-v4");
    let helm = helm_arg(Version::V4);
    let out = run_in(
        tmp.path(),
        &[
            "fix",
            "--check",
            "--diff",
            "--helm",
            &helm,
            "scaffold-v4/values.yaml",
            "scaffold-v4/templates/deployment.yaml",
        ],
        None,
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let want = fs::read_to_string(data_dir().join("charts/scaffold-v4.diff")).unwrap();
    assert_eq!(stdout(&out), want);
    let out = run_in(
        tmp.path(),
        &[
            "fix",
            "--stdout",
            "--helm",
            &helm,
            "scaffold-v4/values.yaml",
        ],
        None,
    );
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), want);
}
