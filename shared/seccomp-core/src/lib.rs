//! `seccomp-core`: decides which seccomp fields to set in one Kubernetes object.
//!
//! The core is pure: JSON values in, an RFC 6902 JSON Patch and a list of
//! [`Record`]s out. It never does I/O and never panics on any input; an object
//! it cannot interpret becomes a record, not an error. Both front ends (the
//! admission webhook and the `seccomp-fix` CLI) call [`plan`].
//!
//! ```
//! use seccomp_core::{plan, Policy};
//! let pod = serde_json::json!({
//!     "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
//!     "spec": {"containers": [{"name": "app", "image": "nginx"}]}
//! });
//! let plan = plan(&pod, &Policy::default());
//! let fixed = plan.apply(&pod).unwrap();
//! assert_eq!(fixed["spec"]["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
//! assert!(seccomp_core::plan(&fixed, &Policy::default()).is_noop());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod annotations;
mod containers;
mod error;
mod keyset;
mod limits;
mod locate;
mod message;
mod names;
mod plan;
mod pod;
mod policy;
mod profile;
mod record;
mod relevant;
mod restricted;
pub mod sarif;
mod settle;
mod shape;
mod value;
mod windows;

pub use annotations::{is_legacy_annotation, CONTAINER_ANNOTATION_PREFIX, POD_ANNOTATION};
pub use containers::{effective_profiles, ContainerKind, EffectiveProfile, ProfileSource};
pub use error::CoreError;
pub use limits::{Cap, Exceeded, Limits};
pub use locate::{
    builtin_pod_kind, has_pod, locate, BuiltinPodKind, ObjectSite, PodSite, BUILTIN_POD_KINDS,
};
pub use plan::{plan, Plan};
pub use policy::{CustomKind, DefaultProfile, DefaultProfileType, Policy, UnconfinedMode};
pub use profile::Profile;
pub use record::{clip_line, Code, Record, Severity, MAX_MESSAGE_CHARS};
pub use relevant::{parse_relevant, Pruned, RelevantKeys, RelevantSeed};
pub use restricted::{passes_restricted_seccomp, RESTRICTED_PROFILE_TYPES};
pub use value::escape_token;
pub use windows::{is_windows_per_pod_security, is_windows_per_skip_rule};
