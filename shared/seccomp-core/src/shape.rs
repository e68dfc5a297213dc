//! Reading a pod for the decision: its spec, containers and annotations,
//! checked for shape first so that a malformed pod is left untouched.

use jsonptr::PointerBuf;
use serde_json::{Map, Value};

use crate::containers::{privileged_context, CONTAINER_LISTS};
use crate::locate::PodSite;
use crate::profile::{FieldState, Profile};
use crate::value::{at, child, child_index, type_name};

/// A pod spec or a container: where its `securityContext` is and what it holds.
pub(crate) struct Slot {
    /// The pod spec or the container.
    pub(crate) at: PointerBuf,
    /// Whether `securityContext` is a mapping (false: missing or null).
    pub(crate) has_context: bool,
    pub(crate) field: FieldState,
}

pub(crate) struct Container<'a> {
    pub(crate) level: Slot,
    pub(crate) name: Option<&'a str>,
    pub(crate) privileged: bool,
}

/// The parts of a pod the decision reads, checked for shape first.
pub(crate) struct Shape<'a> {
    pub(crate) pod: Slot,
    pub(crate) containers: Vec<Container<'a>>,
    pub(crate) annotations: Option<&'a Map<String, Value>>,
    /// How many keys the pod's metadata holds (0 when it is missing).
    pub(crate) metadata_keys: usize,
}

pub(crate) type Malformed = (PointerBuf, String);

/// Reads the pod whose spec (`spec`, found at `site.spec` in `root`) the caller has.
pub(crate) fn read_shape<'a>(
    root: &'a Value,
    spec: &'a Value,
    site: &PodSite,
) -> Result<Shape<'a>, Malformed> {
    if !spec.is_object() {
        return Err((
            site.spec.clone(),
            format!("pod spec is {}", type_name(spec)),
        ));
    }
    let pod = read_level(spec.get("securityContext"), site.spec.clone())?;
    let mut containers = Vec::new();
    for list in CONTAINER_LISTS {
        let items = match spec.get(list) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(items)) => items,
            Some(other) => {
                let list_at = child(&site.spec, &[list]);
                return Err((list_at, format!("{list} is {}", type_name(other))));
            }
        };
        containers.reserve(items.len());
        for (index, item) in items.iter().enumerate() {
            crate::names::step();
            let item_at = child_index(&site.spec, list, index);
            if !item.is_object() {
                return Err((item_at, format!("{list} item is {}", type_name(item))));
            }
            let context = item.get("securityContext");
            let level = read_level(context, item_at)?;
            let name = item.get("name").and_then(Value::as_str);
            containers.push(Container {
                level,
                name,
                privileged: privileged_context(context),
            });
        }
    }
    let metadata = at(root, &site.metadata);
    let annotations = match metadata {
        None | Some(Value::Null) => None,
        Some(Value::Object(meta)) => match meta.get("annotations") {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                let msg = format!("annotations is {}", type_name(other));
                return Err((site.annotations(), msg));
            }
        },
        Some(other) => {
            return Err((
                site.metadata.clone(),
                format!("metadata is {}", type_name(other)),
            ))
        }
    };
    let metadata_keys = metadata.and_then(Value::as_object).map_or(0, Map::len);
    Ok(Shape {
        pod,
        containers,
        annotations,
        metadata_keys,
    })
}

/// A level (pod spec or container) at `level_at` from its `securityContext`.
fn read_level(context: Option<&Value>, level_at: PointerBuf) -> Result<Slot, Malformed> {
    let (has_context, field) = match context {
        None | Some(Value::Null) => (false, FieldState::Absent),
        Some(context @ Value::Object(_)) => {
            (true, Profile::read_field(context.get("seccompProfile")))
        }
        Some(other) => {
            let at = child(&level_at, &["securityContext"]);
            return Err((at, format!("securityContext is {}", type_name(other))));
        }
    };
    Ok(Slot {
        at: level_at,
        has_context,
        field,
    })
}
