//! The per-pod decision (§4): what to set and what to report; the pod's shape
//! is read by `shape`, the annotations settled by `settle`.

use json_patch::{AddOperation, PatchOperation, ReplaceOperation};
use jsonptr::PointerBuf;
use serde_json::{Map, Value};

use crate::annotations::{legacy, Legacy, Level};
use crate::locate::PodSite;
use crate::message::Message;
use crate::names::{match_names, step};
use crate::policy::{Policy, UnconfinedMode};
use crate::profile::{FieldState, Profile};
use crate::record::{Code, Record};
use crate::settle::{settle_annotations, Removal};
use crate::shape::{read_shape, Slot};
use crate::value::{at, child, child_text};
use crate::windows::windows_skip_marker;

/// The plan being drafted: patch operations and records collected so far.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    pub ops: Vec<PatchOperation>,
    pub records: Vec<Record>,
}

impl Draft {
    pub(crate) fn record(&mut self, code: Code, pointer: &PointerBuf, message: impl Into<String>) {
        self.records
            .push(Record::new(code, pointer.as_str(), message));
    }

    /// A record at a pointer that is only needed as text.
    pub(crate) fn record_text(&mut self, code: Code, pointer: String, message: String) {
        self.records.push(Record::new(code, pointer, message));
    }
}

/// The field of a level once the plan is applied.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldAfter {
    Field(Profile),
    /// Set from the level's legacy annotation (possibly hardened).
    Migrated(Profile),
    Absent,
    /// A present but invalid field: left alone, annotations beside it too.
    Invalid,
}

/// Plans one pod; `object` points at the object that holds it.
pub(crate) fn plan_pod(
    root: &Value,
    object: &PointerBuf,
    site: &PodSite,
    policy: &Policy,
    out: &mut Draft,
) {
    let spec = match at(root, &site.spec) {
        None | Some(Value::Null) => {
            out.record(
                Code::NoPodSpec,
                &site.spec,
                "no pod spec here: nothing to default",
            );
            return;
        }
        Some(spec) => spec,
    };
    if let Some(pointer) = windows_skip_marker(spec, &site.spec) {
        out.record(
            Code::SkippedWindows,
            &pointer,
            "Windows pod: seccomp fields are not allowed",
        );
        return;
    }
    if let Some(pointer) = opt_out_marker(root, object, site, policy) {
        out.record(
            Code::SkippedOptOut,
            &pointer,
            "opted out by annotation: left unchanged",
        );
        return;
    }
    let shape = match read_shape(root, spec, site) {
        Ok(shape) => shape,
        Err((pointer, message)) => {
            out.record(
                Code::MalformedObject,
                &pointer,
                format!("{message}: pod left unchanged"),
            );
            return;
        }
    };
    let legacy = shape.annotations.map(legacy).unwrap_or_default();
    let default = policy.profile_or_runtime_default();

    let pod_annotation = legacy.iter().find(|l| l.level == Level::Pod);
    let pod_outcome = decide(&shape.pod, pod_annotation, None, policy, &default, out);
    let matched = match_names(&legacy, shape.containers.iter().map(|c| c.name));
    let mut outcomes = Vec::with_capacity(shape.containers.len());
    for (index, container) in shape.containers.iter().enumerate() {
        step();
        if container.privileged {
            let name = container.name.unwrap_or("?");
            let msg = Message::new().who(Some(name));
            let msg = msg.s(" is privileged: seccomp does not apply to it").done();
            out.record(Code::PrivilegedContainer, &container.level.at, msg);
        }
        let annotation = matched.annotation_of(index).and_then(|i| legacy.get(i));
        let name = Some(container.name.unwrap_or("?"));
        outcomes.push(decide(
            &container.level,
            annotation,
            name,
            policy,
            &default,
            out,
        ));
    }
    // The pod's metadata is not the object's own `<object>/metadata`.
    let own_metadata = site.metadata.as_str().strip_prefix(object.as_str()) == Some("/metadata");
    let template = !own_metadata;
    let removal = Removal { site, template };
    settle_annotations(
        &shape,
        &matched,
        &pod_outcome,
        &outcomes,
        removal,
        policy,
        out,
    );
}

fn opt_out_marker(
    root: &Value,
    object: &PointerBuf,
    site: &PodSite,
    policy: &Policy,
) -> Option<PointerBuf> {
    let skip = policy.skip_annotation.as_str();
    let opted_out = |metadata: Option<&Value>| {
        let value = metadata?.get("annotations")?.get(skip)?;
        Some(value.as_str() == Some("true") || value.as_bool() == Some(true))
    };
    // Pointers are only built for the annotation found.
    if opted_out(at(root, object).and_then(|o| o.get("metadata"))) == Some(true) {
        return Some(child(object, &["metadata", "annotations", skip]));
    }
    // A Pod's metadata is the object's own: looked at already.
    let own = site.metadata.as_str().strip_prefix(object.as_str()) == Some("/metadata");
    if !own && opted_out(at(root, &site.metadata)) == Some(true) {
        return Some(child(&site.metadata, &["annotations", skip]));
    }
    None
}

/// Decides the field of one level (rules 3–6) and emits the set/replace op.
/// `container` is the container's name, `None` for the pod level.
fn decide(
    level: &Slot,
    annotation: Option<&Legacy<'_>>,
    container: Option<&str>,
    policy: &Policy,
    default: &Profile,
    out: &mut Draft,
) -> FieldAfter {
    // Built only when a record or an operation needs it, and then once.
    let field_at = || child(&level.at, &["securityContext", "seccompProfile"]);
    let is_pod = container.is_none();
    let who = Who(container);
    match &level.field {
        FieldState::Valid(Profile::Unconfined) if policy.unconfined == UnconfinedMode::Harden => {
            let at = field_at();
            out.record(
                Code::ProfileHardened,
                &at,
                format!("{who}: Unconfined replaced by {default}"),
            );
            out.ops.push(PatchOperation::Replace(ReplaceOperation {
                path: at,
                value: default.to_value(),
            }));
            FieldAfter::Field(default.clone())
        }
        FieldState::Valid(profile) => {
            if *profile == Profile::Unconfined {
                let msg =
                    format!("{who} explicitly chose Unconfined: kept, fails the restricted policy");
                out.record(Code::UnconfinedExplicit, &field_at(), msg);
            }
            FieldAfter::Field(profile.clone())
        }
        FieldState::Invalid(reason) => {
            out.record(
                Code::InvalidProfileField,
                &field_at(),
                format!("{who}: {reason}; left as is"),
            );
            FieldAfter::Invalid
        }
        FieldState::Absent => {
            let from_annotation = annotation.filter(|_| policy.migrate_annotations);
            if let Some(legacy) = from_annotation {
                let Some(mut profile) = legacy.value.and_then(Profile::from_annotation) else {
                    return FieldAfter::Absent;
                };
                let mut note = "";
                if profile == Profile::Unconfined && policy.unconfined == UnconfinedMode::Harden {
                    profile = default.clone();
                    note = " (hardened from unconfined)";
                }
                let code = if is_pod {
                    Code::PodProfileMigrated
                } else {
                    Code::ContainerProfileMigrated
                };
                let msg = Message::new().who(container).s(": set ").profile(&profile);
                let msg = msg.s(" from legacy annotation").s(note).done();
                let unconfined = (profile == Profile::Unconfined).then(|| {
                    let msg = Message::new().who(container);
                    let msg = msg.s(": legacy annotation chose Unconfined: kept, fails restricted");
                    (Code::UnconfinedExplicit, msg.done())
                });
                set_field(level, &profile, [Some((code, msg)), unconfined], out);
                FieldAfter::Migrated(profile)
            } else if is_pod {
                let msg = Message::new().s("pod: set ").profile(default).done();
                set_field(
                    level,
                    default,
                    [Some((Code::PodProfileDefaulted, msg)), None],
                    out,
                );
                FieldAfter::Field(default.clone())
            } else {
                FieldAfter::Absent
            }
        }
    }
}

/// Names a level in messages, formatted only when a record is made.
struct Who<'a>(Option<&'a str>);

impl std::fmt::Display for Who<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("pod"),
            Some(name) => write!(f, "container {name:?}"),
        }
    }
}

/// Adds `profile` as the level's `securityContext.seccompProfile` (or the
/// whole `securityContext` when the level has none), with `records` about it.
fn set_field(
    level: &Slot,
    profile: &Profile,
    records: [Option<(Code, String)>; 2],
    out: &mut Draft,
) {
    let field = ["securityContext", "seccompProfile"];
    let op = if level.has_context {
        let path = child(&level.at, &field);
        for (code, message) in records.into_iter().flatten() {
            out.record(code, &path, message);
        }
        AddOperation {
            path,
            value: profile.to_value(),
        }
    } else {
        // The field's pointer is only text here: the operation adds its parent.
        let text = child_text(&level.at, &field);
        match records {
            [Some((code, message)), Some(second)] => {
                out.record_text(code, text.clone(), message);
                out.record_text(second.0, text, second.1);
            }
            [Some((code, message)), None] | [None, Some((code, message))] => {
                out.record_text(code, text, message);
            }
            [None, None] => {}
        }
        AddOperation {
            path: child(&level.at, &["securityContext"]),
            value: Value::Object(Map::from_iter([(
                "seccompProfile".to_owned(),
                profile.to_value(),
            )])),
        }
    };
    out.ops.push(PatchOperation::Add(op));
}
