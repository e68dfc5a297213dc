//! KRM `results` entries for the core's records: message, severity,
//! `resourceRef`, `field.path` (kpt notation) and `file`.

use seccomp_core::Record;
use serde_json::{json, Map, Value};

/// `resourceRef` and `file` of an item, from its metadata and the
/// annotations kustomize and kpt put on it.
fn locate_item(item: &Value, out: &mut Map<String, Value>) {
    let meta = |key: &str| item.pointer(&format!("/metadata/{key}")).cloned();
    let mut reference = Map::new();
    for (key, value) in [
        ("apiVersion", item.get("apiVersion").cloned()),
        ("kind", item.get("kind").cloned()),
        ("name", meta("name")),
        ("namespace", meta("namespace")),
    ] {
        if let Some(value) = value {
            reference.insert(key.to_owned(), value);
        }
    }
    out.insert("resourceRef".to_owned(), Value::Object(reference));
    let annotation = |key: &str| {
        item.pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let path = annotation("internal.config.kubernetes.io/path")
        .or_else(|| annotation("config.kubernetes.io/path"));
    if let Some(path) = path {
        let mut file = json!({"path": path});
        let index = annotation("internal.config.kubernetes.io/index")
            .or_else(|| annotation("config.kubernetes.io/index"));
        if let Some(index) = index.and_then(|i| i.parse::<u64>().ok()) {
            file["index"] = json!(index);
        }
        out.insert("file".to_owned(), file);
    }
}

/// A KRM result for a core record.
pub(super) fn result(item: &Value, record: &Record) -> Value {
    let mut out = Map::new();
    out.insert(
        "message".to_owned(),
        json!(format!("{}: {}", record.code, record.message)),
    );
    out.insert("severity".to_owned(), json!(record.severity.as_str()));
    locate_item(item, &mut out);
    out.insert(
        "field".to_owned(),
        json!({"path": field_path(&record.pointer)}),
    );
    Value::Object(out)
}

pub(super) fn error_result(item: &Value, message: &str) -> Value {
    let mut out = Map::new();
    out.insert("message".to_owned(), json!(message));
    out.insert("severity".to_owned(), json!("error"));
    locate_item(item, &mut out);
    Value::Object(out)
}

/// A JSON pointer as a kpt field path: `spec.containers[0].securityContext`.
pub(super) fn field_path(pointer: &str) -> String {
    let Ok(ptr) = jsonptr::Pointer::parse(pointer) else {
        return pointer.to_owned();
    };
    let mut out = String::new();
    for token in ptr.tokens() {
        let token = token.decoded();
        if token.parse::<usize>().is_ok() {
            out.push_str(&format!("[{token}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}
