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
    /// Index into the legacy annotations, per container.
    pub(crate) annotation_of: Vec<Option<usize>>,
    /// Index of the first container with that name, per legacy annotation
    /// (`None` for the pod annotation and for names no container has).
    pub(crate) container_of: Vec<Option<usize>>,
}

/// Matches `names` (the containers' names, in plan order) with the container
/// annotations of `legacy`. O(containers + annotations).
pub(crate) fn match_names<'l, 'a>(
    legacy: &'l [Legacy<'a>],
    names: &[Option<&str>],
) -> Matched<'l, 'a> {
    let index = ByName::new(
        legacy
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match l.level {
                Level::Container(name) => Some((name, i)),
                Level::Pod => None,
            }),
    );
    let mut container_of = vec![None; legacy.len()];
    let annotation_of = names
        .iter()
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

/// Name → index; the first entry wins for a repeated name.
enum ByName<'a> {
    Few(Vec<(&'a str, usize)>),
    Many(HashMap<&'a str, usize>),
}

impl<'a> ByName<'a> {
    fn new(entries: impl Iterator<Item = (&'a str, usize)>) -> ByName<'a> {
        let entries: Vec<_> = entries.inspect(|_| step()).collect();
        if entries.len() <= LINEAR_MAX {
            return ByName::Few(entries);
        }
        let mut map = HashMap::with_capacity(entries.len());
        for (name, index) in entries {
            map.entry(name).or_insert(index);
        }
        ByName::Many(map)
    }

    fn get(&self, name: &str) -> Option<usize> {
        step();
        match self {
            ByName::Few(entries) => entries.iter().find(|(n, _)| *n == name).map(|(_, i)| *i),
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
            let m = match_names(&legacy, &names);
            assert_eq!(m.annotation_of, vec![None, Some(1), None, Some(1)]);
            assert_eq!(m.container_of[..3], [None, Some(1), None]);
        }
    }
}
