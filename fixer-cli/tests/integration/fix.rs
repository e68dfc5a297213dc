//! `seccomp-fix fix`: golden files and command-line behaviour.

use std::fs;
use std::path::Path;

use crate::cases::assert_same_text;
use crate::util::{code, data_dir, run_in, stderr, stdout, temp_tree};

/// Extra arguments and expected exit code of golden cases that differ from
/// the default (no flags, exit 0).
fn golden_case(name: &str) -> (&'static [&'static str], i32) {
    match name {
        "harden" => (&["--harden-unconfined"], 0),
        "anchors" | "invalid" => (&[], 2),
        _ => (&[], 0),
    }
}

/// A golden case: `NAME.in.EXT` in tests/data/golden is fixed through stdin
/// and must give `NAME.out.EXT` byte for byte; without an `.out` file the
/// input must come back unchanged (templates, values files, invalid YAML).
/// The output fixed again must not change (idempotence).
fn golden(file: &str) {
    let dir = data_dir().join("golden");
    let input = dir.join(file);
    let (name, ext) = file.split_once(".in.").unwrap();
    let (args, want_code) = golden_case(name);
    let original = fs::read(&input).unwrap();
    let expected_path = dir.join(format!("{name}.out.{ext}"));
    let expected = fs::read(&expected_path).unwrap_or_else(|_| original.clone());
    let mut argv = vec!["fix"];
    argv.extend_from_slice(args);
    argv.push("-");
    let out = run_in(&dir, &argv, Some(&original));
    assert_eq!(
        code(&out),
        want_code,
        "{file}: exit code; stderr:\n{}",
        stderr(&out)
    );
    assert_same_text(
        &expected,
        &out.stdout,
        &format!("{file} against {}", expected_path.display()),
    );
    if want_code == 0 {
        let again = run_in(&dir, &argv, Some(&expected));
        assert_eq!(code(&again), 0, "{file}: second run");
        assert_same_text(&expected, &again.stdout, &format!("{file}: second run"));
        assert!(
            stderr(&again).contains("0 objects fixed"),
            "{file}: {}",
            stderr(&again)
        );
    }
}

cases! { golden => GOLDEN_INPUTS: &str;
    golden_anchors: "anchors.in.yaml",
    golden_bom: "bom.in.yaml",
    golden_comments: "comments.in.yaml",
    golden_crlf: "crlf.in.yaml",
    golden_cronjob: "cronjob.in.yaml",
    golden_empty_values: "empty-values.in.yaml",
    golden_flow_mapping: "flow-mapping.in.yaml",
    golden_harden: "harden.in.yaml",
    golden_indent_4: "indent-4.in.yaml",
    golden_invalid: "invalid.in.yaml",
    golden_keep_chomp: "keep-chomp.in.yaml",
    golden_legacy_extensions: "legacy-extensions.in.yaml",
    golden_legacy_json: "legacy.in.json",
    golden_list: "list.in.yaml",
    golden_multi_doc: "multi-doc.in.yaml",
    golden_no_final_newline: "no-final-newline.in.yaml",
    golden_one_line_json: "one-line.in.json",
    golden_pod_json: "pod.in.json",
    golden_seq_flush: "seq-flush.in.yaml",
    golden_seq_indented: "seq-indented.in.yaml",
    golden_tab_indented_json: "tab-indented.in.json",
    golden_tagged_map: "tagged-map.in.yaml",
    golden_template: "template.in.yaml",
    golden_values: "values.in.yaml",
}

/// Every `NAME.in.EXT` in tests/data/golden has its test above, and every
/// test its file.
#[test]
fn every_golden_file_has_a_test() {
    let mut on_disk: Vec<String> = fs::read_dir(data_dir().join("golden"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.contains(".in."))
        .collect();
    on_disk.sort();
    let mut listed: Vec<&str> = GOLDEN_INPUTS.to_vec();
    listed.sort_unstable();
    assert_eq!(on_disk, listed);
}

#[test]
fn golden_reports_name_what_was_left_alone() {
    let dir = data_dir().join("golden");
    let input = fs::read(dir.join("anchors.in.yaml")).unwrap();
    let out = run_in(&dir, &["fix", "-"], Some(&input));
    let err = stderr(&out);
    assert!(
        err.contains("-:2: error unsafe-yaml: Deployment/anchored"),
        "{err}"
    );
    assert!(err.contains("anchor (&)"), "{err}");
    assert!(err.contains("merge key (<<)"), "{err}");
    let input = fs::read(dir.join("invalid.in.yaml")).unwrap();
    let out = run_in(&dir, &["fix", "-"], Some(&input));
    assert!(stderr(&out).starts_with("-:7:3: "), "{}", stderr(&out));
    let input = fs::read(dir.join("template.in.yaml")).unwrap();
    let out = run_in(&dir, &["fix", "-"], Some(&input));
    assert!(
        stderr(&out).contains("skipped: Go/Helm template"),
        "{}",
        stderr(&out)
    );
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: busybox\n";
const FIXED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: busybox\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n";
const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n";
const BROKEN: &str = "apiVersion: v1\nkind: Pod\nspec: [\n";

fn read(dir: &Path, rel: &str) -> String {
    fs::read_to_string(dir.join(rel)).unwrap()
}

#[test]
fn fixes_in_place_and_then_has_nothing_to_do() {
    let dir = temp_tree(&[
        ("a/pod.yaml", POD),
        ("a/svc.yml", SERVICE),
        ("notes.txt", POD),
    ]);
    let out = run_in(dir.path(), &["fix", "."], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(dir.path(), "a/pod.yaml"), FIXED_POD);
    assert_eq!(read(dir.path(), "a/svc.yml"), SERVICE);
    assert_eq!(
        read(dir.path(), "notes.txt"),
        POD,
        "only .yaml/.yml/.json are walked"
    );
    assert!(
        stdout(&out).contains("1 object fixed in 1 file"),
        "{}",
        stdout(&out)
    );
    let check = run_in(dir.path(), &["fix", "--check", "."], None);
    assert_eq!(code(&check), 0, "{}", stdout(&check));
}

#[test]
fn check_exits_1_and_writes_nothing() {
    let dir = temp_tree(&[("pod.yaml", POD), ("svc.yaml", SERVICE)]);
    let out = run_in(dir.path(), &["fix", "--check", "."], None);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert_eq!(read(dir.path(), "pod.yaml"), POD);
    assert!(
        stdout(&out).contains("pod.yaml: would fix 1 object"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn diff_prints_only_added_lines_and_writes_nothing() {
    let dir = temp_tree(&[("pod.yaml", POD)]);
    let out = run_in(dir.path(), &["fix", "--diff", "pod.yaml"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(dir.path(), "pod.yaml"), POD);
    let diff = stdout(&out);
    assert!(
        diff.starts_with("--- a/pod.yaml\n+++ b/pod.yaml\n@@"),
        "{diff}"
    );
    let changed: Vec<&str> = diff
        .lines()
        .skip(2)
        .filter(|l| l.starts_with(['+', '-']))
        .collect();
    assert_eq!(
        changed,
        [
            "+  securityContext:",
            "+    seccompProfile:",
            "+      type: RuntimeDefault"
        ]
    );
    assert!(
        stderr(&out).contains("would fix 1 object"),
        "report goes to stderr"
    );
}

#[test]
fn stdin_is_fixed_to_stdout() {
    let dir = temp_tree(&[]);
    let out = run_in(dir.path(), &["fix", "-"], Some(POD.as_bytes()));
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), FIXED_POD);
    let out = run_in(dir.path(), &["fix", "--check", "-"], Some(POD.as_bytes()));
    assert_eq!(code(&out), 1, "--check on stdin still reports the change");
}

#[test]
fn stdout_flag_prints_instead_of_writing() {
    let dir = temp_tree(&[("pod.yaml", POD)]);
    let out = run_in(dir.path(), &["fix", "--stdout", "pod.yaml"], None);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), FIXED_POD);
    assert_eq!(read(dir.path(), "pod.yaml"), POD);
}

#[test]
fn gitignore_ignore_and_exclude_are_respected() {
    let dir = temp_tree(&[
        (".gitignore", "generated/\n"),
        ("sub/.ignore", "skip-me.yaml\n"),
        ("generated/pod.yaml", POD),
        ("sub/skip-me.yaml", POD),
        ("vendor/pod.yaml", POD),
        ("keep/pod.yaml", POD),
    ]);
    let out = run_in(dir.path(), &["fix", "--exclude", "vendor/**", "."], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(dir.path(), "keep/pod.yaml"), FIXED_POD);
    assert_eq!(read(dir.path(), "generated/pod.yaml"), POD);
    assert_eq!(read(dir.path(), "sub/skip-me.yaml"), POD);
    assert_eq!(read(dir.path(), "vendor/pod.yaml"), POD);
}

#[test]
fn hidden_directories_are_walked_only_with_hidden_and_git_never() {
    let dir = temp_tree(&[
        (".deploy/pod.yaml", POD),
        (".git/pod.yaml", POD),
        ("pod.yaml", POD),
    ]);
    let out = run_in(dir.path(), &["fix", "."], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(dir.path(), "pod.yaml"), FIXED_POD);
    assert_eq!(read(dir.path(), ".deploy/pod.yaml"), POD);
    let out = run_in(dir.path(), &["fix", "--hidden", "."], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(dir.path(), ".deploy/pod.yaml"), FIXED_POD);
    assert_eq!(read(dir.path(), ".git/pod.yaml"), POD);
}

#[test]
fn invalid_and_unreadable_files_are_untouched_and_neighbours_fixed() {
    let dir = temp_tree(&[("a.yaml", POD), ("b-broken.yaml", BROKEN), ("c.yaml", POD)]);
    fs::write(
        dir.path().join("d-latin1.yaml"),
        b"kind: Pod\nname: caf\xe9\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["fix", ".", "missing.yaml"], None);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let report = stdout(&out);
    assert_eq!(read(dir.path(), "b-broken.yaml"), BROKEN, "byte-identical");
    assert_eq!(
        fs::read(dir.path().join("d-latin1.yaml")).unwrap(),
        b"kind: Pod\nname: caf\xe9\n"
    );
    assert_eq!(read(dir.path(), "a.yaml"), FIXED_POD);
    assert_eq!(read(dir.path(), "c.yaml"), FIXED_POD);
    assert!(
        report.lines().any(|l| l.starts_with("b-broken.yaml:4:1: ")),
        "path:line:col in {report}"
    );
    assert!(
        report.contains("d-latin1.yaml: error: not UTF-8"),
        "{report}"
    );
    assert!(
        report.contains("missing.yaml: error: cannot read"),
        "{report}"
    );
    assert!(report.contains("3 errors"), "{report}");
}

#[test]
fn output_order_is_deterministic() {
    let files: Vec<(String, &str)> = (0..40)
        .map(|i| (format!("d{}/p{i:02}.yaml", i % 7), POD))
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), *c)).collect();
    let dir = temp_tree(&refs);
    let first = stdout(&run_in(dir.path(), &["fix", "--diff", "."], None));
    let second = stdout(&run_in(dir.path(), &["fix", "--diff", "."], None));
    assert_eq!(first, second);
    let headers: Vec<&str> = first.lines().filter(|l| l.starts_with("--- ")).collect();
    let mut sorted = headers.clone();
    sorted.sort();
    assert_eq!(headers.len(), 40);
    assert_eq!(headers, sorted);
}

#[cfg(unix)]
#[test]
fn writes_keep_permissions_and_skip_unchanged_files() {
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, SystemTime};
    let dir = temp_tree(&[("pod.yaml", POD), ("svc.yaml", SERVICE)]);
    let pod = dir.path().join("pod.yaml");
    fs::set_permissions(&pod, fs::Permissions::from_mode(0o640)).unwrap();
    let old = SystemTime::now() - Duration::from_secs(3600);
    let svc = fs::File::options()
        .write(true)
        .open(dir.path().join("svc.yaml"))
        .unwrap();
    svc.set_modified(old).unwrap();
    drop(svc);
    let out = run_in(dir.path(), &["fix", "."], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        fs::metadata(&pod).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert_eq!(read(dir.path(), "pod.yaml"), FIXED_POD);
    let mtime = fs::metadata(dir.path().join("svc.yaml"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(mtime, old, "an unchanged file is not rewritten");
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "no temp file left: {names:?}");
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed_out_of_the_tree() {
    let outside = temp_tree(&[("pod.yaml", POD)]);
    let dir = temp_tree(&[("inside.yaml", POD)]);
    std::os::unix::fs::symlink(
        outside.path().join("pod.yaml"),
        dir.path().join("link.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linkdir")).unwrap();
    let out = run_in(dir.path(), &["fix", "."], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read(dir.path(), "inside.yaml"), FIXED_POD);
    assert_eq!(read(outside.path(), "pod.yaml"), POD);
    assert!(fs::symlink_metadata(dir.path().join("link.yaml"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn json_and_sarif_reports() {
    let dir = temp_tree(&[("pod.yaml", POD), ("bad.yaml", BROKEN)]);
    let out = run_in(
        dir.path(),
        &["fix", "--check", "--format", "json", "."],
        None,
    );
    assert_eq!(code(&out), 2);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["filesChanged"], 1);
    let files = report["files"].as_array().unwrap();
    let pod = files.iter().find(|f| f["path"] == "pod.yaml").unwrap();
    assert_eq!(pod["status"], "changed");
    assert_eq!(
        pod["objects"][0]["findings"][0]["code"],
        "pod-profile-defaulted"
    );
    let bad = files.iter().find(|f| f["path"] == "bad.yaml").unwrap();
    assert_eq!(bad["status"], "error");

    let out = run_in(
        dir.path(),
        &["fix", "--check", "--format", "sarif", "."],
        None,
    );
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = crate::util::sarif_rule_ids(run);
    assert!(rules.contains(&"pod-profile-defaulted") && rules.contains(&"yaml-syntax-error"));
    let results = run["results"].as_array().unwrap();
    let defaulted = results
        .iter()
        .find(|r| r["ruleId"] == "pod-profile-defaulted")
        .unwrap();
    let location = &defaulted["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "pod.yaml");
    assert_eq!(location["region"]["startLine"], 5);
    let syntax = results
        .iter()
        .find(|r| r["ruleId"] == "yaml-syntax-error")
        .unwrap();
    assert_eq!(syntax["level"], "error");
}

#[test]
fn policy_flags_and_file_apply() {
    let dir = temp_tree(&[
        ("pod.yaml", POD),
        (
            "policy.yaml",
            "defaultProfile: {type: Localhost, localhostProfile: profiles/x.json}\n",
        ),
    ]);
    let out = run_in(
        dir.path(),
        &["fix", "--stdout", "--config", "policy.yaml", "pod.yaml"],
        None,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with("      type: Localhost\n      localhostProfile: profiles/x.json\n"),
        "{}",
        stdout(&out)
    );
    let out = run_in(
        dir.path(),
        &[
            "fix",
            "--stdout",
            "--default-profile",
            "localhost/p.json",
            "pod.yaml",
        ],
        None,
    );
    assert!(
        stdout(&out).contains("localhostProfile: p.json"),
        "{}",
        stdout(&out)
    );
    let out = run_in(
        dir.path(),
        &["fix", "--default-profile", "bogus", "pod.yaml"],
        None,
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--default-profile \"bogus\""),
        "the bad flag is named: {}",
        stderr(&out)
    );
    let bad = temp_tree(&[("p.yaml", "nope: 1\n"), ("pod.yaml", POD)]);
    let out = run_in(bad.path(), &["fix", "--config", "p.yaml", "pod.yaml"], None);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("nope"),
        "unknown key named: {}",
        stderr(&out)
    );
    assert_eq!(read(bad.path(), "pod.yaml"), POD);
}
