//! Rule 7 of the decision: what becomes of the legacy annotations once the
//! fields are settled.

use json_patch::{PatchOperation, RemoveOperation};
use serde_json::Map;

use crate::annotations::Level;
use crate::locate::PodSite;
use crate::message::Message;
use crate::names::{step, Matched};
use crate::pod::{Draft, FieldAfter};
use crate::policy::Policy;
use crate::profile::Profile;
use crate::record::Code;
use crate::shape::Shape;
use crate::value::child;

/// Rule 7: removes migrated, matching, contradicting and orphan annotations;
/// reports the ones left in place.
pub(crate) fn settle_annotations(
    shape: &Shape<'_>,
    matched: &Matched<'_, '_>,
    pod_outcome: &FieldAfter,
    container_outcomes: &[FieldAfter],
    removal: Removal<'_>,
    policy: &Policy,
    out: &mut Draft,
) {
    let site = removal.site;
    let annotations_at = site.annotations();
    let mut removed = Vec::new();
    for (index, annotation) in matched.legacy.iter().enumerate() {
        step();
        let container = matched.container_of(index);
        let key_at = child(&annotations_at, &[annotation.key]);
        let value = annotation.value.unwrap_or("");
        let outcome = match &annotation.level {
            Level::Pod => Some(pod_outcome),
            Level::Container(_) => container.and_then(|i| container_outcomes.get(i)),
        };
        let key = &annotation.key;
        match outcome {
            None => {
                out.record(
                    Code::AnnotationRemoved,
                    &key_at,
                    Message::new()
                        .s("removed ")
                        .s(key)
                        .s(": no such container")
                        .done(),
                );
                removed.push(key_at);
            }
            Some(FieldAfter::Migrated(profile)) => {
                if !(policy.keep_annotations && profile.matches_annotation(value)) {
                    let msg = Message::new()
                        .s("removed ")
                        .s(key)
                        .s(": migrated to the field")
                        .done();
                    out.record(Code::AnnotationRemoved, &key_at, msg);
                    removed.push(key_at);
                }
            }
            Some(FieldAfter::Field(profile)) if profile.matches_annotation(value) => {
                if !policy.keep_annotations {
                    out.record(
                        Code::AnnotationRemoved,
                        &key_at,
                        Message::new()
                            .s("removed ")
                            .s(key)
                            .s(": now in the field")
                            .done(),
                    );
                    removed.push(key_at);
                }
            }
            Some(FieldAfter::Field(profile)) => {
                let msg = Message::new().s("removed ").s(key).s("=").s(value);
                let msg = msg
                    .s(": contradicts field ")
                    .profile(profile)
                    .s(", field wins")
                    .done();
                out.record(Code::AnnotationContradictsField, &key_at, msg);
                removed.push(key_at);
            }
            Some(FieldAfter::Absent)
                if Profile::from_annotation(value).is_none() || annotation.value.is_none() =>
            {
                let msg = format!("{key}={value} is not a valid profile: fix it by hand");
                out.record(Code::AnnotationNotMigratable, &key_at, msg);
            }
            Some(FieldAfter::Absent) => {
                let msg = format!("{key} left in place: migrateAnnotations is off");
                out.record(Code::AnnotationIgnored, &key_at, msg);
            }
            Some(FieldAfter::Invalid) => {}
        }
    }
    let emptied = !removed.is_empty() && removed.len() == shape.annotations.map_or(0, Map::len);
    for path in removed {
        out.ops
            .push(PatchOperation::Remove(RemoveOperation { path }));
    }
    // An emptied map goes too: the API server drops it anyway (omitempty), and
    // the fixer removes the `annotations:` line it would leave behind. A pod
    // template's metadata left empty by that goes as well (never an object's own).
    if emptied {
        let path = if removal.template && shape.metadata_keys == 1 {
            site.metadata.clone()
        } else {
            annotations_at
        };
        out.ops
            .push(PatchOperation::Remove(RemoveOperation { path }));
    }
}

/// Where emptied annotations are removed from.
#[derive(Clone, Copy)]
pub(crate) struct Removal<'a> {
    pub(crate) site: &'a PodSite,
    /// The metadata is a pod template's, not the object's own.
    pub(crate) template: bool,
}
