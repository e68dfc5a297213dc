//! Parsing only what the planner reads.
//!
//! Admission requests carry whole objects (`managedFields`, env, volumes,
//! probes…) of which the planner reads a few keys. [`parse_relevant`] builds a
//! `Value` holding just those keys; everything else is skipped by the parser
//! without being allocated. Planning the pruned value gives exactly the plan of
//! the full object (property-tested), so front ends that only need the plan
//! (the webhook) save most of the parse.

use std::cell::{Cell, RefCell};
use std::fmt;

use jsonptr::PointerBuf;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::keyset::KeySet;
use crate::limits::{Cap, Exceeded, Limits};
use crate::policy::Policy;

/// Keys the planner reads somewhere in an object (§2–§4).
const READ_KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "items",
    "metadata",
    "annotations",
    "spec",
    "template",
    "jobTemplate",
    "os",
    "name",
    "nodeSelector",
    "securityContext",
    "seccompProfile",
    "privileged",
    "containers",
    "initContainers",
    "ephemeralContainers",
];

/// Keys whose whole value is kept: maps the planner counts or matches entirely.
const WHOLE_KEYS: &[&str] = &["annotations", "nodeSelector", "seccompProfile"];

/// Estimated heap cost of one built value (the value itself, in its parent's storage).
const VALUE_BYTES: usize = std::mem::size_of::<Value>();
/// Estimated extra cost of one mapping entry (its key and index slots).
const ENTRY_BYTES: usize = std::mem::size_of::<String>() + 2 * std::mem::size_of::<usize>();

/// The keys `plan` reads under a policy, plus extra keys a caller needs:
/// a reusable filter for [`RelevantKeys::seed`], with the [`Limits`] it builds within.
/// Owns its keys, so a server can build it once per policy load.
#[derive(Debug, Clone)]
pub struct RelevantKeys {
    keys: KeySet,
    limits: Limits,
}

impl RelevantKeys {
    /// The planner's keys under `policy` (custom kinds included) and `extra`,
    /// with the default [`Limits`].
    pub fn new(policy: &Policy, extra: &[&str]) -> RelevantKeys {
        // The pointer's tokens, decoded (`~1` is `/`, `~0` is `~`) as `locate` reads them.
        let custom = policy
            .custom_kinds
            .iter()
            .filter_map(|c| PointerBuf::parse(c.pod_spec_pointer.as_str()).ok())
            .flat_map(|p| {
                p.tokens()
                    .map(|t| t.decoded().into_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|t| !t.is_empty());
        let keys = READ_KEYS.iter().chain(extra).map(|k| (*k).to_owned());
        RelevantKeys {
            keys: keys.chain(custom).collect(),
            limits: Limits::DEFAULT,
        }
    }

    /// The same keys, built within `limits`.
    pub fn with_limits(mut self, limits: Limits) -> RelevantKeys {
        self.limits = limits;
        self
    }

    /// The limits the seed builds within.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A serde seed that reads one JSON value keeping only these keys, so a
    /// caller can read an object in the same pass as its envelope.
    pub fn seed(&self) -> RelevantSeed<'_> {
        RelevantSeed(self)
    }
}

/// A value reduced to the relevant keys, and the first cap it went over.
#[derive(Debug, Clone, PartialEq)]
pub struct Pruned {
    /// The pruned value. When `exceeded` is set it is incomplete: name it in
    /// messages, never plan it.
    pub value: Value,
    /// The first [`Limits`] cap the value went over; the rest was skipped unbuilt.
    pub exceeded: Option<Exceeded>,
}

/// Deserializes one value keeping only the relevant keys (see [`RelevantKeys`]).
#[derive(Clone, Copy)]
pub struct RelevantSeed<'k>(&'k RelevantKeys);

impl<'de> DeserializeSeed<'de> for RelevantSeed<'_> {
    type Value = Pruned;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Pruned, D::Error> {
        let tally = Tally {
            limits: self.0.limits,
            bytes: Cell::new(0),
            exceeded: RefCell::new(None),
        };
        let keep = Keep {
            keys: &self.0.keys,
            tally: &tally,
            key: "",
            whole: false,
            placeholders: false,
        };
        let value = keep.deserialize(deserializer)?;
        Ok(Pruned {
            value,
            exceeded: tally.exceeded.into_inner(),
        })
    }
}

/// Parses `json` into a value with only the keys `plan` reads under `policy`,
/// plus `extra` keys the caller needs (e.g. `deletionTimestamp`), within the
/// default [`Limits`]. Only for planning: applying the plan to the pruned value
/// does not give the fixed object.
pub fn parse_relevant(
    json: &str,
    policy: &Policy,
    extra: &[&str],
) -> Result<Pruned, serde_json::Error> {
    let keys = RelevantKeys::new(policy, extra);
    let mut de = serde_json::Deserializer::from_str(json);
    let pruned = keys.seed().deserialize(&mut de)?;
    de.end()?;
    Ok(pruned)
}

/// What one parse has built so far, against its limits.
struct Tally {
    limits: Limits,
    bytes: Cell<usize>,
    exceeded: RefCell<Option<Exceeded>>,
}

impl Tally {
    fn over(&self) -> bool {
        self.exceeded.borrow().is_some()
    }

    /// Counts `bytes` more; false (and the cap noted) once over the limit.
    fn charge(&self, bytes: usize) -> bool {
        let total = self.bytes.get().saturating_add(bytes);
        self.bytes.set(total);
        if total > self.limits.built_bytes {
            self.exceed(Cap::BuiltBytes, self.limits.built_bytes, "");
        }
        !self.over()
    }

    fn exceed(&self, cap: Cap, limit: usize, key: &str) {
        let mut exceeded = self.exceeded.borrow_mut();
        if exceeded.is_none() {
            *exceeded = Some(Exceeded {
                cap,
                limit,
                key: key.to_owned(),
            });
        }
    }
}

#[derive(Clone, Copy)]
struct Keep<'k> {
    keys: &'k KeySet,
    tally: &'k Tally,
    /// The key this value sits under (for naming a cap it goes over).
    key: &'k str,
    /// Inside a key kept whole: keep everything.
    whole: bool,
    /// Directly inside `metadata`: unread keys stay as `null` placeholders, as
    /// the planner counts metadata keys (an emptied template metadata goes).
    placeholders: bool,
}

impl Keep<'_> {
    /// `value` if it fits the byte cap, else `null` (the parse goes on unbuilt).
    fn scalar(self, bytes: usize, value: impl FnOnce() -> Value) -> Value {
        if self.tally.charge(VALUE_BYTES + bytes) {
            value()
        } else {
            Value::Null
        }
    }
}

impl<'de> DeserializeSeed<'de> for Keep<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keep<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(self.scalar(0, || Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(self.scalar(0, || Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(self.scalar(0, || Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(self.scalar(0, || Value::from(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(self.scalar(v.len(), || Value::String(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(self.scalar(v.len(), || Value::String(v)))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(self.scalar(0, || Value::Null))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(self.scalar(0, || Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        let inner = Keep {
            placeholders: false,
            ..self
        };
        if self.tally.charge(VALUE_BYTES) {
            loop {
                if items.len() == self.tally.limits.list_items {
                    if seq.next_element::<IgnoredAny>()?.is_none() {
                        return Ok(Value::Array(items));
                    }
                    self.tally
                        .exceed(Cap::ListItems, self.tally.limits.list_items, self.key);
                    break;
                }
                match seq.next_element_seed(inner)? {
                    Some(item) => items.push(item),
                    None => return Ok(Value::Array(items)),
                }
                if self.tally.over() {
                    break;
                }
            }
        }
        // Over a cap: the rest is read without building anything.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Null)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let limit = self.tally.limits.map_entries;
        let mut within = self.tally.charge(VALUE_BYTES);
        while within {
            let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
                return Ok(Value::Object(out));
            };
            let kept = self.whole || self.keys.contains(key.as_ref());
            if !kept && !self.placeholders {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if out.len() == limit {
                self.tally.exceed(Cap::MapEntries, limit, self.key);
                map.next_value::<IgnoredAny>()?;
                break;
            }
            if !self.tally.charge(ENTRY_BYTES + key.len()) {
                map.next_value::<IgnoredAny>()?;
                break;
            }
            let value = if kept {
                map.next_value_seed(Keep {
                    whole: self.whole || WHOLE_KEYS.contains(&key.as_ref()),
                    placeholders: key.as_ref() == "metadata",
                    key: key.as_ref(),
                    ..self
                })?
            } else {
                map.next_value::<IgnoredAny>()?;
                Value::Null
            };
            out.insert(key.into_owned(), value);
            within = !self.tally.over();
        }
        // Over a cap: the rest is read without building anything; what was
        // built is kept (it still names the object).
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_what_the_planner_reads_and_drops_the_rest() {
        let text = r#"{"apiVersion":"apps/v1","kind":"Deployment",
            "metadata":{"name":"d","managedFields":[{"x":1}],"annotations":{"a":"b"}},
            "spec":{"replicas":3,"template":{"metadata":{"labels":{"x":"y"}},
              "spec":{"volumes":[{"name":"v"}],"securityContext":{"runAsUser":1},
                "containers":[{"name":"c","image":"i","env":[{"name":"E","value":"1"}],
                  "securityContext":{"privileged":true,"seccompProfile":{"type":"Localhost","localhostProfile":"p"}}}]}}}}"#;
        let got = parse_relevant(text, &Policy::default(), &[]).unwrap().value;
        assert_eq!(
            got,
            json!({"apiVersion":"apps/v1","kind":"Deployment",
                "metadata":{"name":"d","managedFields":null,"annotations":{"a":"b"}},
                "spec":{"template":{"metadata":{"labels":null},
                  "spec":{"securityContext":{},
                    "containers":[{"name":"c",
                      "securityContext":{"privileged":true,"seccompProfile":{"type":"Localhost","localhostProfile":"p"}}}]}}}})
        );
    }

    #[test]
    fn extra_and_custom_kind_keys_are_kept() {
        let mut policy = Policy::default();
        policy.custom_kinds.push(crate::policy::CustomKind {
            api_version: "x.io/v1".into(),
            kind: "Thing".into(),
            pod_spec_pointer: "/spec/podTemplate/spec".into(),
            resource: None,
        });
        let text = r#"{"metadata":{"deletionTimestamp":"now"},"spec":{"podTemplate":{"spec":{}}}}"#;
        let got = parse_relevant(text, &policy, &["deletionTimestamp"])
            .unwrap()
            .value;
        assert_eq!(
            got,
            json!({"metadata":{"deletionTimestamp":"now"},"spec":{"podTemplate":{"spec":{}}}})
        );
    }

    #[test]
    fn invalid_json_and_trailing_bytes_are_errors() {
        assert!(parse_relevant("{", &Policy::default(), &[]).is_err());
        assert!(parse_relevant("{} x", &Policy::default(), &[]).is_err());
        assert_eq!(
            parse_relevant("7", &Policy::default(), &[]).unwrap(),
            Pruned {
                value: json!(7),
                exceeded: None
            }
        );
    }

    #[test]
    fn custom_kind_pointer_tokens_are_unescaped() {
        // Regression (issue 10): `~1`/`~0` were kept as written, so the pruned
        // parse dropped the pod spec that `locate` finds under `a/b` and `c~d`.
        let mut policy = Policy::default();
        policy.custom_kinds.push(crate::policy::CustomKind {
            api_version: "x.io/v1".into(),
            kind: "Thing".into(),
            pod_spec_pointer: "/spec/a~1b/c~0d/spec".into(),
            resource: None,
        });
        let full = json!({"apiVersion": "x.io/v1", "kind": "Thing",
            "spec": {"a/b": {"c~d": {"spec": {"containers": [{"name": "c"}]}}}}});
        let pruned = parse_relevant(&full.to_string(), &policy, &[]).unwrap();
        assert_eq!(pruned.value, full);
        let planned = crate::plan(&pruned.value, &policy);
        assert_eq!(planned, crate::plan(&full, &policy));
        assert_eq!(planned.pods, 1);
        assert!(!planned.is_noop());
    }

    fn pruned_with(text: &str, limits: Limits) -> Pruned {
        let keys = RelevantKeys::new(&Policy::default(), &[]).with_limits(limits);
        let mut de = serde_json::Deserializer::from_str(text);
        let pruned = keys.seed().deserialize(&mut de).unwrap();
        de.end().unwrap();
        pruned
    }

    #[test]
    fn a_list_over_its_cap_is_reported_and_not_built() {
        let containers: Vec<Value> = (0..50).map(|i| json!({"name": format!("c{i}")})).collect();
        let text = json!({"kind": "Pod", "spec": {"containers": containers}}).to_string();
        let limits = Limits {
            list_items: 10,
            ..Limits::DEFAULT
        };
        let pruned = pruned_with(&text, limits);
        let exceeded = pruned.exceeded.unwrap();
        assert_eq!((exceeded.cap, exceeded.limit), (Cap::ListItems, 10));
        assert_eq!(exceeded.key, "containers");
        assert_eq!(exceeded.to_string(), "containers has more than 10 items");
        // Nothing of the list is kept; the mappings around it are (partly).
        assert_eq!(pruned.value["spec"]["containers"], Value::Null);
        assert_eq!(pruned.value["kind"], "Pod");
        // At the cap exactly, the list is whole.
        let at_cap: Vec<Value> = (0..10).map(|i| json!({"name": format!("c{i}")})).collect();
        let text = json!({"spec": {"containers": at_cap}}).to_string();
        let pruned = pruned_with(&text, limits);
        assert_eq!(pruned.exceeded, None);
        assert_eq!(
            pruned.value["spec"]["containers"].as_array().unwrap().len(),
            10
        );
    }

    #[test]
    fn a_mapping_over_its_cap_is_reported_and_the_rest_skipped() {
        let annotations: Map<String, Value> =
            (0..100).map(|i| (format!("k{i}"), json!("v"))).collect();
        let text = json!({"metadata": {"annotations": annotations}, "kind": "Pod"}).to_string();
        let pruned = pruned_with(
            &text,
            Limits {
                map_entries: 20,
                ..Limits::DEFAULT
            },
        );
        let exceeded = pruned.exceeded.unwrap();
        assert_eq!(
            (exceeded.cap, exceeded.key.as_str()),
            (Cap::MapEntries, "annotations")
        );
        // Parsing went on to the end without building more: the envelope stays readable.
        assert_eq!(
            pruned.value["metadata"]["annotations"]
                .as_object()
                .unwrap()
                .len(),
            20
        );
        // Metadata placeholders count as entries too.
        let metadata: Map<String, Value> = (0..100).map(|i| (format!("x{i}"), json!(1))).collect();
        let text = json!({"metadata": metadata}).to_string();
        let limits = Limits {
            map_entries: 20,
            ..Limits::DEFAULT
        };
        assert_eq!(pruned_with(&text, limits).exceeded.unwrap().key, "metadata");
    }

    #[test]
    fn built_bytes_are_capped_whatever_the_shape() {
        // Values kept whole (here a nodeSelector of nested lists) count too.
        let nested: Vec<Value> = (0..5_000).map(|_| json!([0, 0, 0])).collect();
        let text = json!({"spec": {"nodeSelector": {"x": nested}}, "kind": "Pod"}).to_string();
        let limits = Limits {
            list_items: usize::MAX,
            built_bytes: 64 * 1024,
            ..Limits::DEFAULT
        };
        let pruned = pruned_with(&text, limits);
        assert_eq!(pruned.exceeded.unwrap().cap, Cap::BuiltBytes);
        // Under no limits it is built whole, and planned like the full value.
        let pruned = pruned_with(&text, Limits::NONE);
        assert_eq!(pruned.exceeded, None);
        assert_eq!(
            pruned.value["spec"]["nodeSelector"]["x"]
                .as_array()
                .unwrap()
                .len(),
            5_000
        );
    }
}
