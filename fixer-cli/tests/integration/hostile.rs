//! Hostile and odd input (issue 10, fixer half): the fixer never aborts and
//! never hangs; every limit is a per-file `path:line:col: message` error
//! that leaves the file byte for byte untouched while the other files go on;
//! valid YAML that used to end in an internal error is fixed; error findings
//! fail the run; `krm` refuses invalid input the KRM way. One test per
//! finding, named after it.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{bin, code, run_in, stderr, stdout, temp_tree};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: busybox\n";

/// Stdout and stderr together (reports go to either, by mode).
fn all_output(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

/// A billion-laughs document: nine levels of nine aliases.
fn alias_bomb(kind: &str) -> String {
    let mut text = format!("apiVersion: v1\nkind: {kind}\nmetadata:\n  name: lol\ndata:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let mut prev = 'a';
    for name in 'b'..='i' {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        text.push_str(&format!("  {name}: &{name} [{refs}]\n"));
        prev = name;
    }
    text
}

/// A pod whose spec holds block sequences nested `levels` deep.
fn deep_pod(levels: usize) -> String {
    format!("{POD}  x:\n    {}1\n", "- ".repeat(levels))
}

/// Runs `seccomp-fix` in `dir`, killing it if it has not finished after
/// 60 s (a hang is the bug some of these tests are about).
fn run_guarded(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn seccomp-fix");
    let started = Instant::now();
    while child.try_wait().expect("poll").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().expect("kill");
            let out = child.wait_with_output().expect("wait");
            panic!(
                "seccomp-fix {args:?} still running after 60 s (killed)\n{}",
                all_output(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn alias_bomb_beside_a_fixable_pod_is_a_file_error_in_every_mode() {
    for kind in ["ConfigMap", "List"] {
        let bomb = format!("{POD}---\n{}", alias_bomb(kind));
        let dir = temp_tree(&[("bomb.yaml", &bomb)]);
        let modes: [&[&str]; 5] = [
            &["fix", "bomb.yaml"],
            &["fix", "--check", "bomb.yaml"],
            &["fix", "--diff", "bomb.yaml"],
            &["fix", "--stdout", "bomb.yaml"],
            &["patch", "bomb.yaml"],
        ];
        for args in modes {
            let out = run_in(dir.path(), args, None);
            let text = all_output(&out);
            assert_eq!(out.status.code(), Some(2), "{kind} {args:?}: {text}");
            assert!(
                text.contains("bomb.yaml:") && text.contains(": aliases expand to more than"),
                "{kind} {args:?}: {text}"
            );
            assert_eq!(
                fs::read_to_string(dir.path().join("bomb.yaml")).unwrap(),
                bomb
            );
        }
        let out = run_in(dir.path(), &["fix", "-"], Some(bomb.as_bytes()));
        assert_eq!(out.status.code(), Some(2), "stdin: {}", all_output(&out));
        assert!(stderr(&out).contains("-:"), "{}", stderr(&out));
        assert_eq!(stdout(&out), bomb, "stdin comes back unchanged");
    }
}

#[test]
fn block_sequences_nested_10k_deep_are_a_file_error_not_a_stack_overflow() {
    let deep = deep_pod(10_000);
    let dir = temp_tree(&[("deep.yaml", &deep)]);
    for args in [&["fix", "deep.yaml"][..], &["patch", "deep.yaml"]] {
        let out = run_in(dir.path(), args, None);
        let text = all_output(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(
            text.contains("deep.yaml:10:") && text.contains("nesting deeper than 256 levels"),
            "{args:?}: {text}"
        );
    }
    assert_eq!(
        fs::read_to_string(dir.path().join("deep.yaml")).unwrap(),
        deep
    );
}

#[test]
fn directory_walk_with_two_3000_level_files_still_fixes_and_reports_the_valid_one() {
    let deep = deep_pod(3_000);
    let dir = temp_tree(&[
        ("a-deep.yaml", &deep),
        ("b-deep.yaml", &deep),
        ("c-pod.yaml", POD),
    ]);
    let out = run_in(dir.path(), &["fix", "."], None);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{report}{}", stderr(&out));
    for name in ["a-deep.yaml", "b-deep.yaml"] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with(&format!("{name}:10:")) && l.contains("nesting deeper")),
            "{name}: {report}"
        );
        assert_eq!(fs::read_to_string(dir.path().join(name)).unwrap(), deep);
    }
    assert!(report.contains("c-pod.yaml: fixed 1 object"), "{report}");
    assert!(
        fs::read_to_string(dir.path().join("c-pod.yaml"))
            .unwrap()
            .contains("type: RuntimeDefault"),
        "the valid file is fixed"
    );
    assert!(report.contains("2 errors (3 files scanned)"), "{report}");
}

#[test]
fn nesting_just_inside_the_limit_is_fixed_on_a_worker_thread() {
    // Root mapping, `spec`, then 250 sequences: 252 levels of the 256.
    let deep = deep_pod(250);
    let dir = temp_tree(&[("a.yaml", &deep), ("b.yaml", POD)]);
    let out = run_in(dir.path(), &["fix", "."], None);
    assert_eq!(code(&out), 0, "{}", all_output(&out));
    let fixed = fs::read_to_string(dir.path().join("a.yaml")).unwrap();
    assert!(
        fixed.contains("seccompProfile:\n      type: RuntimeDefault"),
        "{fixed}"
    );
}

#[test]
fn fifo_named_on_the_command_line_is_refused_not_waited_on() {
    let dir = temp_tree(&[("pod.yaml", POD)]);
    mkfifo(&dir.path().join("pipe.yaml"));
    let out = run_guarded(dir.path(), &["fix", "pipe.yaml", "pod.yaml"]);
    let report = stdout(&out);
    assert_eq!(code(&out), 2, "{report}");
    assert!(
        report.contains("pipe.yaml: error: cannot read: not a regular file (a fifo)"),
        "{report}"
    );
    assert!(report.contains("pod.yaml: fixed 1 object"), "{report}");
    let out = run_guarded(dir.path(), &["patch", "pipe.yaml"]);
    assert_eq!(code(&out), 2, "{}", all_output(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn fifo_in_a_walked_directory_is_skipped() {
    let dir = temp_tree(&[("pod.yaml", POD)]);
    mkfifo(&dir.path().join("pipe.yaml"));
    let out = run_guarded(dir.path(), &["fix", "--check", "."]);
    let report = stdout(&out);
    assert_eq!(code(&out), 1, "{report}");
    assert!(!report.contains("pipe.yaml"), "{report}");
    assert!(report.contains("(1 file scanned)"), "{report}");
}

#[test]
fn tab_indented_json_gets_new_lines_instead_of_a_rewritten_line() {
    let json = "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Pod\",\n\t\"spec\": {\n\t\t\"containers\": [\n\t\t\t{\"name\": \"a\"}\n\t\t]\n\t}\n}\n";
    let dir = temp_tree(&[("pod.json", json)]);
    let out = run_in(dir.path(), &["fix", "--diff", "pod.json"], None);
    assert_eq!(code(&out), 0, "{}", all_output(&out));
    let diff = stdout(&out);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with(['+', '-']) && !l.starts_with("+++") && !l.starts_with("---"))
        .collect();
    assert!(changed.iter().all(|l| l.starts_with("+\t\t")), "{diff}");
    assert_eq!(changed.len(), 5, "{diff}");
}

#[test]
fn keep_chomped_block_scalar_ending_a_pod_spec_is_fixed_and_keeps_its_value() {
    let keep = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    args: |+\n      hello\n\n";
    for text in [keep.to_owned(), format!("{keep}---\nkind: ConfigMap\n")] {
        let out = run_in(Path::new("."), &["fix", "-"], Some(text.as_bytes()));
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let fixed = stdout(&out);
        let docs: Vec<serde_json::Value> = yaml_serde::Deserializer::from_str(&fixed)
            .map(|d| serde::Deserialize::deserialize(d).unwrap())
            .collect();
        assert_eq!(
            docs[0]["spec"]["containers"][0]["args"], "hello\n\n",
            "{fixed}"
        );
        assert_eq!(
            docs[0]["spec"]["securityContext"]["seccompProfile"]["type"], "RuntimeDefault",
            "{fixed}"
        );
    }
}

#[test]
fn tagged_map_security_context_with_block_content_is_fixed() {
    let text = "apiVersion: v1\nkind: Pod\nspec:\n  securityContext: !!map\n    runAsUser: 1\n  containers:\n  - name: a\n";
    let out = run_in(Path::new("."), &["fix", "-"], Some(text.as_bytes()));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "apiVersion: v1\nkind: Pod\nspec:\n  securityContext: !!map\n    runAsUser: 1\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: a\n"
    );
}

/// A Pod whose legacy pod annotation has `value`.
fn annotated(value: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    seccomp.security.alpha.kubernetes.io/pod: {value}\nspec:\n  containers:\n  - name: a\n")
}

/// An error-severity finding fails the run (exit 2) and is counted as one
/// error of the file.
fn error_finding_fails_the_run((name, text, code_name): (&str, String, &str)) {
    let dir = temp_tree(&[(name, &text)]);
    let out = run_in(dir.path(), &["fix", "--check", name], None);
    let report = stdout(&out);
    assert_eq!(code(&out), 2, "{name}: {report}");
    assert!(
        report.contains(&format!("error {code_name}")),
        "{name}: {report}"
    );
    assert!(
        report.contains(", 1 error (1 file scanned)"),
        "{name}: {report}"
    );
}

cases! { error_finding_fails_the_run;
    error_finding_localhost_without_a_profile: (
        "localhost-empty.yaml",
        annotated("localhost/"),
        "annotation-not-migratable",
    ),
    error_finding_localhost_dotdot: (
        "dotdot.yaml",
        annotated("localhost/../x"),
        "annotation-not-migratable",
    ),
    error_finding_localhost_absolute: (
        "absolute.yaml",
        annotated("localhost//abs"),
        "annotation-not-migratable",
    ),
    error_finding_wrong_case: (
        "case.yaml",
        annotated("Runtime/Default"),
        "annotation-not-migratable",
    ),
    error_finding_a_number: ("number.yaml", annotated("123"), "annotation-not-migratable"),
    error_finding_malformed_object: (
        "malformed.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers: 5\n".to_owned(),
        "malformed-object",
    ),
}

#[test]
fn pod_in_a_list_nested_beyond_the_limit_gets_a_finding() {
    let mut text = String::from("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n");
    for _ in 0..20 {
        let inner: String = text.lines().map(|l| format!("  {l}\n")).collect();
        text = format!("apiVersion: v1\nkind: List\nitems:\n-\n{inner}");
    }
    let dir = temp_tree(&[("nested.yaml", &text)]);
    let out = run_in(dir.path(), &["fix", "--check", "nested.yaml"], None);
    let report = stdout(&out);
    assert_eq!(code(&out), 2, "{report}");
    assert!(report.contains("error list-too-deep"), "{report}");
}

#[test]
fn krm_refuses_items_that_are_not_a_list_with_an_error_result() {
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: 5\n";
    let out = run_in(Path::new("."), &["krm"], Some(input.as_bytes()));
    assert_eq!(code(&out), 1, "{}", all_output(&out));
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list["kind"], "ResourceList");
    assert_eq!(list["results"][0]["severity"], "error", "{list}");
    assert!(
        stderr(&out).contains("items is not a list"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn krm_refuses_input_that_does_not_parse_with_an_error_result() {
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [\n";
    let out = run_in(Path::new("."), &["krm"], Some(input.as_bytes()));
    assert_eq!(code(&out), 1, "{}", all_output(&out));
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list["results"][0]["severity"], "error", "{list}");
    assert!(list.get("items").is_none(), "no items passed on: {list}");
    // Not a ResourceList and not YAML: the legacy plugin stream refuses it.
    let out = run_in(Path::new("."), &["krm"], Some(b"{{{".as_slice()));
    assert_eq!(code(&out), 2, "{}", all_output(&out));
    assert!(stdout(&out).is_empty());
}
