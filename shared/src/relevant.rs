//! Parsing only what the planner reads.
//!
//! Admission requests carry whole objects (`managedFields`, env, volumes,
//! probes…) of which the planner reads a few keys. [`parse_relevant`] builds a
//! `Value` holding just those keys; everything else is skipped by the parser
//! without being allocated. Planning the pruned value gives exactly the plan of
//! the full object (property-tested), so front ends that only need the plan
//! (the webhook) save most of the parse.

use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

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

/// The keys `plan` reads under a policy, plus extra keys a caller needs:
/// a reusable filter for [`RelevantKeys::seed`].
/// Owns its keys, so a server can build it once per policy load.
#[derive(Debug, Clone)]
pub struct RelevantKeys {
    keys: HashSet<String>,
}

impl RelevantKeys {
    /// The planner's keys under `policy` (custom kinds included) and `extra`.
    pub fn new(policy: &Policy, extra: &[&str]) -> RelevantKeys {
        let custom = policy
            .custom_kinds
            .iter()
            .flat_map(|c| c.pod_spec_pointer.split('/'))
            .filter(|t| !t.is_empty());
        let keys = READ_KEYS.iter().chain(extra).copied().chain(custom);
        RelevantKeys {
            keys: keys.map(str::to_owned).collect(),
        }
    }

    /// A serde seed that reads one JSON value keeping only these keys, so a
    /// caller can read an object in the same pass as its envelope.
    pub fn seed(&self) -> RelevantSeed<'_> {
        RelevantSeed(Keep {
            keys: &self.keys,
            whole: false,
            placeholders: false,
        })
    }
}

/// Deserializes one value keeping only the relevant keys (see [`RelevantKeys`]).
#[derive(Clone, Copy)]
pub struct RelevantSeed<'k>(Keep<'k>);

impl<'de> DeserializeSeed<'de> for RelevantSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.0.deserialize(deserializer)
    }
}

/// Parses `json` into a value with only the keys `plan` reads under `policy`,
/// plus `extra` keys the caller needs (e.g. `deletionTimestamp`). Only for
/// planning: applying the plan to the pruned value does not give the fixed object.
pub fn parse_relevant(
    json: &str,
    policy: &Policy,
    extra: &[&str],
) -> Result<Value, serde_json::Error> {
    let keys = RelevantKeys::new(policy, extra);
    let mut de = serde_json::Deserializer::from_str(json);
    let value = keys.seed().deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

#[derive(Clone, Copy)]
struct Keep<'k> {
    keys: &'k HashSet<String>,
    /// Inside a key kept whole: keep everything.
    whole: bool,
    /// Directly inside `metadata`: unread keys stay as `null` placeholders, as
    /// the planner counts metadata keys (an emptied template metadata goes).
    placeholders: bool,
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
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        let inner = Keep {
            placeholders: false,
            ..self
        };
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if self.whole || self.keys.contains(key.as_ref()) {
                let whole = self.whole || WHOLE_KEYS.contains(&key.as_ref());
                let placeholders = key.as_ref() == "metadata";
                let value = map.next_value_seed(Keep {
                    whole,
                    placeholders,
                    ..self
                })?;
                out.insert(key.into_owned(), value);
            } else {
                map.next_value::<IgnoredAny>()?;
                if self.placeholders {
                    out.insert(key.into_owned(), Value::Null);
                }
            }
        }
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
        let got = parse_relevant(text, &Policy::default(), &[]).unwrap();
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
        let got = parse_relevant(text, &policy, &["deletionTimestamp"]).unwrap();
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
            json!(7)
        );
    }
}
