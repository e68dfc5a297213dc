//! Container names matched to their legacy annotations in one pass each, so
//! that planning a pod stays linear in containers + annotations. (A scan of
//! the annotations per container, and of the containers per annotation, made
//! it quadratic: 30k annotated containers took seconds.)

use std::collections::HashMap;

use crate::annotations::{Legacy, Level};

/// Below this many container annotations a linear scan is cheaper than hashing.
const LINEAR_MAX: usize = 8;

/// The legacy annotations, each with the first container it applies to; for
/// each container, its annotation.
pub(crate) struct Matched<'l, 'a> {
    pub(crate) legacy: &'l [Legacy<'a>],
    /// Index into the legacy annotations, per container (empty: none has one).
    annotation_of: Vec<Option<usize>>,
    /// Index of the first container with that name, per legacy annotation
    /// (`None` for the pod annotation and for names no container has; empty:
    /// no container annotation at all).
    container_of: Vec<Option<usize>>,
}

impl Matched<'_, '_> {
    /// The legacy annotation of container `index`.
    pub(crate) fn annotation_of(&self, index: usize) -> Option<usize> {
        self.annotation_of.get(index).copied().flatten()
    }

    /// The first container legacy annotation `index` applies to.
    pub(crate) fn container_of(&self, index: usize) -> Option<usize> {
        self.container_of.get(index).copied().flatten()
    }
}

/// Matches `names` (the containers' names, in plan order) with the container
/// annotations of `legacy`. O(containers + annotations); allocates nothing
/// when there is no container annotation.
pub(crate) fn match_names<'l, 'a, 'n>(
    legacy: &'l [Legacy<'a>],
    names: impl ExactSizeIterator<Item = Option<&'n str>>,
) -> Matched<'l, 'a> {
    let index = ByName::new(legacy);
    if index.is_empty() {
        return Matched {
            legacy,
            annotation_of: Vec::new(),
            container_of: Vec::new(),
        };
    }
    let mut container_of = vec![None; legacy.len()];
    let annotation_of = names
        .enumerate()
        .map(|(container, name)| {
            step();
            let found = name.and_then(|n| index.get(n))?;
            container_of[found].get_or_insert(container);
            Some(found)
        })
        .collect();
    Matched {
        legacy,
        annotation_of,
        container_of,
    }
}

/// Container name → index into the legacy annotations; the first one wins
/// for a repeated name (keys are unique, so it never happens for real).
enum ByName<'l, 'a> {
    /// Few container annotations: scanned (at most `LINEAR_MAX` per lookup).
    Few(&'l [Legacy<'a>], usize),
    Many(HashMap<&'a str, usize>),
}

impl<'l, 'a> ByName<'l, 'a> {
    fn new(legacy: &'l [Legacy<'a>]) -> ByName<'l, 'a> {
        let containers = legacy.iter().filter_map(|l| {
            step();
            match l.level {
                Level::Container(name) => Some(name),
                Level::Pod => None,
            }
        });
        let count = containers.clone().count();
        if count <= LINEAR_MAX {
            return ByName::Few(legacy, count);
        }
        let mut map = HashMap::with_capacity(count);
        for (index, l) in legacy.iter().enumerate() {
            if let Level::Container(name) = l.level {
                map.entry(name).or_insert(index);
            }
        }
        ByName::Many(map)
    }

    fn is_empty(&self) -> bool {
        match self {
            ByName::Few(_, count) => *count == 0,
            ByName::Many(map) => map.is_empty(),
        }
    }

    fn get(&self, name: &str) -> Option<usize> {
        step();
        match self {
            // At most LINEAR_MAX container annotations and one pod annotation.
            ByName::Few(legacy, _) => legacy
                .iter()
                .position(|l| matches!(l.level, Level::Container(n) if n == name)),
            ByName::Many(map) => map.get(name).copied(),
        }
    }
}

/// Counts one unit of per-element work while planning (tests only: the
/// linear-work test asserts on the total).
#[inline]
pub(crate) fn step() {
    #[cfg(test)]
    STEPS.with(|s| s.set(s.get() + 1));
}

#[cfg(test)]
thread_local! {
    static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Steps counted on this thread so far (tests only).
#[cfg(test)]
pub(crate) fn steps() -> u64 {
    STEPS.with(std::cell::Cell::get)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{plan, Policy};
    use serde_json::{json, Map, Value};

    /// A pod with `n` containers, each with a legacy annotation, and `n` other annotations.
    fn annotated_pod(n: usize) -> Value {
        let mut annotations = Map::new();
        let containers: Vec<Value> = (0..n)
            .map(|i| {
                let key = format!("{}c{i}", crate::CONTAINER_ANNOTATION_PREFIX);
                annotations.insert(key, json!("runtime/default"));
                annotations.insert(format!("example.com/other-{i}"), json!("x"));
                json!({"name": format!("c{i}"), "image": "busybox"})
            })
            .collect();
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "p", "annotations": annotations},
               "spec": {"containers": containers}})
    }

    /// Planning steps for one pod: containers, annotations and name lookups.
    fn steps_for(n: usize) -> u64 {
        let pod = annotated_pod(n);
        let before = steps();
        let planned = plan(&pod, &Policy::default());
        // Every container gets its field from its own annotation: the lookups found them.
        let migrated = planned
            .records
            .iter()
            .filter(|r| r.code == crate::Code::ContainerProfileMigrated)
            .count();
        assert_eq!(migrated, n);
        steps() - before
    }

    #[test]
    fn planning_work_is_linear_in_containers_and_annotations() {
        // Regression (issue 10, "Quadratic CPU"): each container scanned every
        // annotation and each annotation every container.
        let n = 2_000;
        let elements = (n + 2 * n) as u64;
        let small = steps_for(n);
        assert!(
            small <= 4 * elements,
            "{small} steps for {elements} elements"
        );
        let large = steps_for(4 * n);
        assert!(
            large <= 4 * small + 64,
            "work grew {large} / {small} for 4× the elements"
        );
    }

    #[test]
    fn first_container_and_first_annotation_win() {
        let extra: Vec<String> = (0..LINEAR_MAX * 2).map(|i| format!("x{i}")).collect();
        for many in [false, true] {
            let mut legacy = vec![
                Legacy {
                    key: "p",
                    level: Level::Pod,
                    value: None,
                },
                Legacy {
                    key: "a",
                    level: Level::Container("a"),
                    value: None,
                },
                Legacy {
                    key: "ghost",
                    level: Level::Container("ghost"),
                    value: None,
                },
            ];
            if many {
                // Enough annotations to switch to the hashed index.
                legacy.extend(extra.iter().map(|name| Legacy {
                    key: name,
                    level: Level::Container(name),
                    value: None,
                }));
            }
            let names = [Some("b"), Some("a"), None, Some("a")];
            let m = match_names(&legacy, names.into_iter());
            let per_container: Vec<_> = (0..4).map(|i| m.annotation_of(i)).collect();
            assert_eq!(per_container, vec![None, Some(1), None, Some(1)]);
            let per_annotation: Vec<_> = (0..3).map(|i| m.container_of(i)).collect();
            assert_eq!(per_annotation, vec![None, Some(1), None]);
        }
    }
}
