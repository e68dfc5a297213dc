//! The per-pod decision (§4): what to set and what to report; the pod's shape
//! is read by `shape`, the annotations settled by `settle`.

use json_patch::{AddOperation, PatchOperation, ReplaceOperation};
use jsonptr::PointerBuf;
use serde_json::{Map, Value};

use crate::annotations::{legacy, Legacy, Level};
use crate::locate::PodSite;
use crate::names::{match_names, step};
use crate::policy::{Policy, UnconfinedMode};
use crate::profile::{FieldState, Profile};
use crate::record::{Code, Record};
use crate::settle::{settle_annotations, Removal};
use crate::shape::{read_shape, Slot};
use crate::value::{at, child};
use crate::windows::windows_skip_marker;

/// Patch operations and records collected while planning.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub ops: Vec<PatchOperation>,
    pub records: Vec<Record>,
}

impl Collected {
    pub(crate) fn record(&mut self, code: Code, pointer: &PointerBuf, message: impl Into<String>) {
        self.records
            .push(Record::new(code, pointer.as_str(), message));
    }
}

/// The field of a level once the plan is applied.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
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
    out: &mut Collected,
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
    let shape = match read_shape(root, site) {
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
    let names: Vec<Option<&str>> = shape.containers.iter().map(|c| c.name).collect();
    let matched = match_names(&legacy, &names);
    let mut outcomes = Vec::with_capacity(shape.containers.len());
    for (container, annotation) in shape.containers.iter().zip(&matched.annotation_of) {
        step();
        if container.privileged {
            let name = container.name.unwrap_or("?");
            let msg = format!("container {name:?} is privileged: seccomp does not apply to it");
            out.record(Code::PrivilegedContainer, &container.level.at, msg);
        }
        let annotation = annotation.and_then(|i| legacy.get(i));
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
    let template = site.metadata != child(object, &["metadata"]);
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
    let object_annotations = child(object, &["metadata", "annotations"]);
    [object_annotations, site.annotations()]
        .into_iter()
        .find_map(|annotations| {
            let value = at(root, &annotations)?.get(&policy.skip_annotation)?;
            (value.as_str() == Some("true") || value.as_bool() == Some(true))
                .then(|| child(&annotations, &[&policy.skip_annotation]))
        })
}

/// Decides the field of one level (rules 3–6) and emits the set/replace op.
/// `container` is the container's name, `None` for the pod level.
fn decide(
    level: &Slot,
    annotation: Option<&Legacy<'_>>,
    container: Option<&str>,
    policy: &Policy,
    default: &Profile,
    out: &mut Collected,
) -> Outcome {
    // Built only when a record or an operation needs it.
    let field_at = || child(&level.at, &["securityContext", "seccompProfile"]);
    let is_pod = container.is_none();
    let who = Who(container);
    match &level.field {
        FieldState::Valid(Profile::Unconfined) if policy.unconfined == UnconfinedMode::Harden => {
            out.ops.push(PatchOperation::Replace(ReplaceOperation {
                path: field_at(),
                value: default.to_value(),
            }));
            out.record(
                Code::ProfileHardened,
                &field_at(),
                format!("{who}: Unconfined replaced by {default}"),
            );
            Outcome::Field(default.clone())
        }
        FieldState::Valid(profile) => {
            if *profile == Profile::Unconfined {
                let msg =
                    format!("{who} explicitly chose Unconfined: kept, fails the restricted policy");
                out.record(Code::UnconfinedExplicit, &field_at(), msg);
            }
            Outcome::Field(profile.clone())
        }
        FieldState::Invalid(reason) => {
            out.record(
                Code::InvalidProfileField,
                &field_at(),
                format!("{who}: {reason}; left as is"),
            );
            Outcome::Invalid
        }
        FieldState::Absent => {
            let from_annotation = annotation.filter(|_| policy.migrate_annotations);
            if let Some(legacy) = from_annotation {
                let Some(mut profile) = legacy.value.and_then(Profile::from_annotation) else {
                    return Outcome::Absent;
                };
                let mut note = "";
                if profile == Profile::Unconfined && policy.unconfined == UnconfinedMode::Harden {
                    profile = default.clone();
                    note = " (hardened from unconfined)";
                }
                set_field(level, &profile, out);
                let code = if is_pod {
                    Code::PodProfileMigrated
                } else {
                    Code::ContainerProfileMigrated
                };
                out.record(
                    code,
                    &field_at(),
                    format!("{who}: set {profile} from legacy annotation{note}"),
                );
                if profile == Profile::Unconfined {
                    let msg = format!(
                        "{who}: legacy annotation chose Unconfined: kept, fails restricted"
                    );
                    out.record(Code::UnconfinedExplicit, &field_at(), msg);
                }
                Outcome::Migrated(profile)
            } else if is_pod {
                set_field(level, default, out);
                out.record(
                    Code::PodProfileDefaulted,
                    &field_at(),
                    format!("pod: set {default}"),
                );
                Outcome::Field(default.clone())
            } else {
                Outcome::Absent
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

fn set_field(level: &Slot, profile: &Profile, out: &mut Collected) {
    let op = if level.has_context {
        AddOperation {
            path: child(&level.at, &["securityContext", "seccompProfile"]),
            value: profile.to_value(),
        }
    } else {
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
