//! Property test of the whole fix on generated manifests: the diff holds only
//! inserted lines and removed seccomp-annotation lines, the result equals the
//! core's patched object read by an independent parser (`yaml_serde`), and a
//! second run changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use seccomp_core::{plan, Policy};
use serde::Deserialize;
use serde_json::Value;

use super::process;
use crate::report::FileStatus;

#[derive(Debug, Clone)]
enum Sc {
    Absent,
    Empty,
    FlowEmpty,
    Block,
    Flow,
    HasProfile,
}

#[derive(Debug, Clone)]
struct Container {
    sc: Sc,
    annotation: Option<&'static str>,
    comment: bool,
}

#[derive(Debug, Clone)]
struct Manifest {
    step: usize,
    indented_seq: bool,
    workload: bool,
    crlf: bool,
    final_newline: bool,
    pod_sc: Sc,
    pod_annotation: Option<&'static str>,
    other_annotation: bool,
    containers: Vec<Container>,
    trailing_comment: bool,
    blank_line: bool,
    extra_doc: bool,
}

fn sc() -> impl Strategy<Value = Sc> {
    prop_oneof![
        Just(Sc::Absent),
        Just(Sc::Empty),
        Just(Sc::FlowEmpty),
        Just(Sc::Block),
        Just(Sc::Flow),
        Just(Sc::HasProfile),
    ]
}

fn annotation_value() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        Just(None),
        Just(Some("runtime/default")),
        Just(Some("docker/default")),
        Just(Some("unconfined")),
        Just(Some("localhost/profiles/a.json")),
        Just(Some("localhost/")),
    ]
}

fn container() -> impl Strategy<Value = Container> {
    (sc(), annotation_value(), any::<bool>()).prop_map(|(sc, annotation, comment)| Container {
        sc,
        annotation,
        comment,
    })
}

fn manifest() -> impl Strategy<Value = Manifest> {
    (
        (
            prop_oneof![Just(2usize), Just(4)],
            any::<bool>(),
            any::<bool>(),
        ),
        (any::<bool>(), any::<bool>(), sc()),
        (annotation_value(), any::<bool>(), any::<bool>()),
        prop::collection::vec(container(), 1..4),
        (any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(
                (step, indented_seq, workload),
                (crlf, final_newline, pod_sc),
                (pod_annotation, other_annotation, trailing_comment),
                containers,
                (blank_line, extra_doc),
            )| {
                Manifest {
                    blank_line,
                    extra_doc,
                    step,
                    indented_seq,
                    workload,
                    crlf,
                    final_newline,
                    pod_sc,
                    pod_annotation,
                    other_annotation,
                    containers,
                    trailing_comment,
                }
            },
        )
}

fn sc_lines(sc: &Sc, indent: &str, step: &str, out: &mut Vec<String>) {
    match sc {
        Sc::Absent => {}
        Sc::Empty => out.push(format!("{indent}securityContext:")),
        Sc::FlowEmpty => out.push(format!("{indent}securityContext: {{}}")),
        Sc::Block => {
            out.push(format!("{indent}securityContext:"));
            out.push(format!("{indent}{step}runAsUser: 1000 # uid"));
        }
        Sc::Flow => out.push(format!("{indent}securityContext: {{runAsNonRoot: true}}")),
        Sc::HasProfile => {
            out.push(format!("{indent}securityContext:"));
            out.push(format!("{indent}{step}seccompProfile:"));
            out.push(format!("{indent}{step}{step}type: RuntimeDefault"));
        }
    }
}

/// Renders the manifest; the pod spec and metadata sit at `base`.
fn render(m: &Manifest) -> String {
    let s = " ".repeat(m.step);
    let mut lines = vec!["# generated".to_owned()];
    let base = if m.workload {
        lines.extend([
            "apiVersion: apps/v1".to_owned(),
            "kind: Deployment".to_owned(),
            "metadata:".to_owned(),
            format!("{s}name: gen"),
            "spec:".to_owned(),
            format!("{s}template:"),
        ]);
        s.repeat(2)
    } else {
        lines.extend(["apiVersion: v1".to_owned(), "kind: Pod".to_owned()]);
        String::new()
    };
    let inner = format!("{base}{s}");
    lines.push(format!("{base}metadata:"));
    lines.push(format!("{inner}labels:"));
    lines.push(format!("{inner}{s}app: gen"));
    let mut annotations = Vec::new();
    if m.other_annotation {
        annotations.push(format!("{inner}{s}example.com/keep: \"yes\""));
    }
    if let Some(v) = m.pod_annotation {
        annotations.push(format!(
            "{inner}{s}seccomp.security.alpha.kubernetes.io/pod: {v}"
        ));
    }
    for (i, c) in m.containers.iter().enumerate() {
        if let Some(v) = c.annotation {
            annotations.push(format!(
                "{inner}{s}container.seccomp.security.alpha.kubernetes.io/c{i}: '{v}'"
            ));
        }
    }
    if !annotations.is_empty() {
        lines.push(format!("{inner}annotations:"));
        lines.extend(annotations);
    }
    if m.blank_line {
        lines.push(String::new());
    }
    lines.push(format!("{base}spec:"));
    sc_lines(&m.pod_sc, &inner, &s, &mut lines);
    lines.push(format!("{inner}containers:"));
    let dash = if m.indented_seq {
        format!("{inner}{s}")
    } else {
        inner.clone()
    };
    for (i, c) in m.containers.iter().enumerate() {
        let item = format!("{dash}  ");
        lines.push(format!("{dash}- name: c{i}"));
        lines.push(format!("{item}image: busybox"));
        if c.comment {
            lines.push(format!("{item}# about c{i}"));
        }
        sc_lines(&c.sc, &item, &s, &mut lines);
    }
    if m.trailing_comment {
        lines.push(format!("{inner}# end of the pod spec"));
    }
    if m.extra_doc {
        lines.extend([
            "---".to_owned(),
            "# a Service".to_owned(),
            "apiVersion: v1".to_owned(),
            "kind: Service".to_owned(),
            "metadata:".to_owned(),
            format!("{s}name: svc"),
        ]);
    }
    let nl = if m.crlf { "\r\n" } else { "\n" };
    let mut text = lines.join(nl);
    if m.final_newline {
        text.push_str(nl);
    }
    text
}

/// The line without an inserted flow entry `seccompProfile: {...}` (and
/// its separating comma).
fn strip_flow_profile(line: &str) -> String {
    let Some(start) = line.find("seccompProfile: {") else {
        return line.to_owned();
    };
    let Some(close) = line[start..].find('}') else {
        return line.to_owned();
    };
    let (mut from, to) = (start, start + close + 1);
    if line[..from].ends_with(", ") {
        from -= 2;
    }
    format!("{}{}", &line[..from], &line[to..])
}

fn yaml_serde_docs(text: &str) -> Vec<Value> {
    yaml_serde::Deserializer::from_str(text)
        .map(|d| Value::deserialize(d).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn fix_only_inserts_and_removes_annotations_and_is_idempotent(m in manifest()) {
        let policy = Policy::default();
        let text = render(&m);
        let first = process(&text, &policy, false);
        prop_assert!(
            matches!(first.status, FileStatus::Changed | FileStatus::Unchanged),
            "{:?}\n{text}", first.status
        );
        let fixed = first.new_text.clone().unwrap_or_else(|| text.clone());

        // Only insertions and removed seccomp annotation lines (plus an emptied
        // `annotations:` key). Both sides get LF and a final newline so the
        // last line of a file without one does not count as changed (line
        // endings and the final newline are checked below).
        let old = format!("{}\n", text.replace("\r\n", "\n").trim_end_matches('\n'));
        let new = format!("{}\n", fixed.replace("\r\n", "\n").trim_end_matches('\n'));
        // A flow mapping gets `seccompProfile: {...}` inside its braces: that
        // line is rewritten, with nothing but the new entry added.
        let diff = similar::TextDiff::from_lines(&old, &new);
        let inserted: Vec<String> = diff
            .iter_all_changes()
            .filter(|c| c.tag() == similar::ChangeTag::Insert)
            .map(|c| strip_flow_profile(c.value().trim_end()))
            .collect();
        for change in diff.iter_all_changes() {
            if change.tag() == similar::ChangeTag::Delete {
                let line = change.value().trim_end();
                let allowed = line.contains("seccomp.security.alpha.kubernetes.io/")
                    || line.trim() == "annotations:"
                    || (line.contains('{') && inserted.iter().any(|n| n == line));
                prop_assert!(
                    allowed,
                    "removed line {line:?}\n--- before\n{text}\n--- after\n{fixed}"
                );
            }
        }

        // The result, read by another parser, is the core's patched object.
        let mut originals = yaml_serde_docs(&text);
        let mut fixed_docs = yaml_serde_docs(&fixed);
        prop_assert_eq!(originals.len(), fixed_docs.len());
        let original = originals.remove(0);
        let want = plan(&original, &policy).apply(&original).unwrap();
        prop_assert_eq!(fixed_docs.remove(0), want);
        prop_assert_eq!(fixed_docs, originals, "other documents unchanged");

        // Line endings and the final-newline state are kept.
        prop_assert_eq!(fixed.contains('\r'), m.crlf);
        prop_assert_eq!(fixed.ends_with('\n'), m.final_newline);

        let second = process(&fixed, &policy, false);
        prop_assert_eq!(second.status, FileStatus::Unchanged, "{}", fixed);
    }
}
