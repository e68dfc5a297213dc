//! What the fixer's fuzz targets check, and the manifest generator of the
//! structure-aware target. Kept next to the editor so they move with it.
#![forbid(unsafe_code)]

pub mod manifest;

use seccomp_core::{CustomKind, DefaultProfile, DefaultProfileType, Policy, UnconfinedMode};
use seccomp_fixer::pipeline::{process, FileError};

/// A policy from the bits of one byte: harden, keep annotations, no
/// migration, a Localhost default, a custom kind.
pub fn policy_from_byte(bits: u8) -> Policy {
    let mut policy = Policy::default();
    if bits & 1 != 0 {
        policy.unconfined = UnconfinedMode::Harden;
    }
    if bits & 2 != 0 {
        policy.keep_annotations = true;
    }
    if bits & 4 != 0 {
        policy.migrate_annotations = false;
    }
    if bits & 8 != 0 {
        policy.default_profile = DefaultProfile {
            kind: DefaultProfileType::Localhost,
            localhost_profile: Some("profiles/default.json".to_owned()),
        };
    }
    if bits & 16 != 0 {
        policy.custom_kinds.push(CustomKind {
            api_version: "argoproj.io/v1alpha1".to_owned(),
            kind: "Rollout".to_owned(),
            pod_spec_pointer: "/spec/template/spec".to_owned(),
            resource: Some("rollouts".to_owned()),
        });
    }
    policy
}

/// Any text: the fixer never panics (the fuzzer sees an abort), an edit
/// that fails its own verification is never returned, and a fixed text has
/// nothing left to fix. With `SECCOMP_FIX_FUZZ_STRICT` set (long searches,
/// not the smoke run of the test command) an internal error is a failure
/// too: the file is left untouched, but the editor was imprecise.
pub fn check_fix(text: &str, policy: &Policy, json_hint: bool) -> Option<String> {
    let first = process(text, policy, json_hint);
    if let Some(internal) = first.error.as_ref().filter(|e| e.is_internal()) {
        assert!(
            first.new_text.is_none(),
            "an unverified edit was returned: {internal}\n--- input:\n{text}"
        );
        if strict() {
            panic!("internal error: {internal}\n--- input:\n{text}");
        }
        return None;
    }
    let fixed = first.new_text?;
    let again = process(&fixed, policy, json_hint);
    assert!(
        again.new_text.is_none() && !again.error.as_ref().is_some_and(FileError::is_internal),
        "fixing the fixed text changes it again ({:?})\n--- input:\n{text}\n--- fixed:\n{fixed}",
        again.status
    );
    Some(fixed)
}

/// Whether internal errors fail the run (`SECCOMP_FIX_FUZZ_STRICT` set).
fn strict() -> bool {
    std::env::var_os("SECCOMP_FIX_FUZZ_STRICT").is_some()
}

/// A generated manifest: valid YAML (or JSON) that the fixer must read, and
/// whose fix may only add lines, change lines that hold a flow collection or
/// a null value or a hardened `Unconfined` it edits, and drop legacy annotation lines with the
/// `annotations:` and template `metadata:` they empty.
pub fn check_minimal_fix(generated: &manifest::Generated, policy: &Policy) {
    let text = &generated.text;
    let first = process(text, policy, generated.json);
    assert!(
        !matches!(first.error, Some(FileError::Invalid(_))),
        "generated text rejected: {:?}\n--- input:\n{text}",
        first.error
    );
    let Some(fixed) = check_fix(text, policy, generated.json) else {
        return;
    };
    if generated.json {
        let body = fixed.trim_start_matches('\u{feff}');
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(body);
        assert!(parsed.is_ok(), "JSON fixed into non-JSON:\n{fixed}");
    }
    let diff = similar::TextDiff::from_lines(text.as_str(), fixed.as_str());
    let added: Vec<&str> = diff
        .iter_all_changes()
        .filter(|c| c.tag() == similar::ChangeTag::Insert)
        .map(|c| c.value())
        .collect();
    for change in diff.iter_all_changes() {
        if change.tag() != similar::ChangeTag::Delete {
            continue;
        }
        let line = change.value();
        // The last line of a text without a final line break gets one when
        // lines are added after it.
        let gains_break = !line.ends_with('\n')
            && (fixed.contains(&format!("{line}\n")) || fixed.contains(&format!("{line}\r\n")));
        // In JSON, removing the last entry takes the comma before it.
        let loses_comma = line.trim_end().strip_suffix(',').is_some_and(|kept| {
            fixed.contains(&format!("{kept}\n")) || fixed.contains(&format!("{kept}\r\n"))
        });
        // The closing line of a removed JSON map, unless it was rewritten
        // into a longer line (`]` into `], "securityContext": ...`).
        let kept = line.trim_end();
        let closes_removed = kept.trim().chars().all(|c| matches!(c, '}' | ']' | ','))
            && !added.iter().any(|a| {
                a.strip_prefix(kept)
                    .is_some_and(|rest| rest.trim().chars().any(|c| c != ','))
            });
        let allowed = gains_break
            || loses_comma
            || closes_removed
            || line.contains("seccomp.security.alpha.kubernetes.io")
            || line.contains("annotations")
            || line.contains("metadata")
            || line.contains("securityContext")
            || line.contains("seccompProfile")
            || line.contains("Unconfined")
            || line.contains('{')
            || line.contains('[');
        assert!(
            allowed,
            "the fix rewrote a line it had no reason to touch: {line:?}\n--- input:\n{text}\n--- fixed:\n{fixed}"
        );
    }
}
