//! What the lossless-yaml fuzz target checks: an edit the editor accepts
//! reads back, after re-parsing, as exactly the patched value, and every
//! other document of the text as it was.
#![forbid(unsafe_code)]

use arbitrary::{Result, Unstructured};
use json_patch::{AddOperation, Patch, PatchOperation, RemoveOperation, ReplaceOperation};
use jsonptr::PointerBuf;
use lossless_yaml::{
    apply_splices, detect_layout, edit, parse_with, scan, strip_bom, to_value_with, verify,
    Expected, Limits,
};
use serde_json::{Map, Value};

/// Any text, and operations drawn from `choices` against one of its
/// documents: reading, editing, splicing and verifying never panic, and an
/// empty patch changes nothing. With `LOSSLESS_YAML_FUZZ_STRICT` set (the
/// strict search), an edit the editor accepts must also verify: the
/// patched document reads as the patched value, the others as before.
pub fn check_edit(text: &str, choices: &[u8]) {
    let mut u = Unstructured::new(choices);
    let (_, body) = strip_bom(text);
    let _ = scan(body, &["kind"]);
    let limits = Limits::default();
    let Ok(docs) = parse_with(body, &limits) else {
        return;
    };
    if docs.is_empty() {
        return;
    }
    let json_hint = u.arbitrary::<bool>().unwrap_or(false);
    let layout = detect_layout(body, &docs, json_hint);
    let index = u.choose_index(docs.len()).unwrap_or(0);
    let root = &docs[index].root;
    let empty = edit(body, root, &Patch(Vec::new()), layout);
    if let Ok(splices) = &empty {
        assert!(
            splices.is_empty(),
            "an empty patch made splices: {splices:?}"
        );
    }
    let mut expected = Vec::with_capacity(docs.len());
    for doc in &docs {
        match to_value_with(doc, &limits) {
            Ok(value) => expected.push(Expected::Value(value)),
            Err(err) if err.is_limit() => return,
            Err(_) => expected.push(Expected::Unreadable),
        }
    }
    let Expected::Value(value) = &expected[index] else {
        return;
    };
    let Ok(patch) = choose_patch(&mut u, value) else {
        return;
    };
    let mut patched = value.clone();
    if json_patch::patch(&mut patched, &patch).is_err() {
        return;
    }
    let Ok(splices) = edit(body, root, &patch, layout) else {
        return;
    };
    // Splices of two operations on the same bytes (a value replaced, then
    // a key inside it) overlap: a refusal, not a wrong edit.
    let Ok(edited) = apply_splices(body, splices) else {
        return;
    };
    expected[index] = Expected::Value(patched);
    // Verification itself must not fail on any text (it did not panic to
    // get here). That an accepted edit verifies is what the strict search
    // checks: open findings of that kind are listed in docs/fuzzing.md.
    let verified = verify(&docs, &edited, &expected, &limits);
    if let (Err(err), true) = (verified, strict()) {
        panic!(
            "an accepted edit does not verify: {err}\n--- patch:\n{}\n--- input:\n{body}\n--- edited:\n{edited}",
            serde_json::to_string(&patch).unwrap_or_default()
        );
    }
}

/// Whether accepted edits that do not verify are crashes
/// (`LOSSLESS_YAML_FUZZ_STRICT` set).
fn strict() -> bool {
    std::env::var_os("LOSSLESS_YAML_FUZZ_STRICT").is_some()
}

/// One to three operations against paths of `value`: `replace` or
/// `remove` of an existing node, `add` of a new key or an appended item.
pub fn choose_patch(u: &mut Unstructured<'_>, value: &Value) -> Result<Patch> {
    let count = u.int_in_range(1..=3)?;
    let mut ops = Vec::with_capacity(count);
    for _ in 0..count {
        let (tokens, node) = choose_path(u, value)?;
        let path = PointerBuf::from_tokens(tokens.iter().map(String::as_str));
        let op = match (u.choose_index(3)?, node) {
            (0, _) if !tokens.is_empty() => PatchOperation::Replace(ReplaceOperation {
                path,
                value: small_value(u, 0)?,
            }),
            (1, _) if !tokens.is_empty() => PatchOperation::Remove(RemoveOperation { path }),
            (_, Value::Object(_)) => {
                let mut tokens = tokens;
                tokens.push(key(u)?);
                PatchOperation::Add(AddOperation {
                    path: PointerBuf::from_tokens(tokens.iter().map(String::as_str)),
                    value: small_value(u, 0)?,
                })
            }
            (_, Value::Array(_)) => {
                let mut tokens = tokens;
                tokens.push("-".to_owned());
                PatchOperation::Add(AddOperation {
                    path: PointerBuf::from_tokens(tokens.iter().map(String::as_str)),
                    value: small_value(u, 0)?,
                })
            }
            _ => continue,
        };
        ops.push(op);
    }
    Ok(Patch(ops))
}

/// A path into `value`, descending while the bytes say so.
fn choose_path<'v>(u: &mut Unstructured<'_>, value: &'v Value) -> Result<(Vec<String>, &'v Value)> {
    let mut tokens = Vec::new();
    let mut node = value;
    while u.ratio(3, 4)? {
        node = match node {
            Value::Object(map) if !map.is_empty() => {
                let at = u.choose_index(map.len())?;
                let Some((k, v)) = map.iter().nth(at) else {
                    break;
                };
                tokens.push(k.clone());
                v
            }
            Value::Array(items) if !items.is_empty() => {
                let at = u.choose_index(items.len())?;
                tokens.push(at.to_string());
                &items[at]
            }
            _ => break,
        };
    }
    Ok((tokens, node))
}

/// Keys and strings that need quoting, look like other scalars, or hold
/// pointer syntax.
const TRICKY: &[&str] = &[
    "a",
    "type",
    "",
    "x y",
    "a: b",
    "#c",
    "'",
    "\"",
    "yes",
    "null",
    "1.0",
    "-",
    "~/",
    "multi\nline",
    " lead",
    "é",
    "{a}",
    "[1]",
    "- x",
    "&a",
    "*a",
    "!t",
    "%",
    "@",
    "`",
];

fn key(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(3, 4)? {
        Ok((*u.choose(TRICKY)?).to_owned())
    } else {
        Ok(u.arbitrary::<String>()?.chars().take(12).collect())
    }
}

/// A scalar, or a collection of at most two entries nested at most twice.
fn small_value(u: &mut Unstructured<'_>, depth: usize) -> Result<Value> {
    let choices = if depth < 2 { 7 } else { 5 };
    Ok(match u.choose_index(choices)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.arbitrary::<i32>()?),
        3 => Value::String((*u.choose(TRICKY)?).to_owned()),
        4 => Value::String(u.arbitrary::<String>()?.chars().take(16).collect()),
        5 => {
            let mut map = Map::new();
            for _ in 0..u.int_in_range(0..=2)? {
                map.insert(key(u)?, small_value(u, depth + 1)?);
            }
            Value::Object(map)
        }
        _ => {
            let mut items = Vec::new();
            for _ in 0..u.int_in_range(0..=2)? {
                items.push(small_value(u, depth + 1)?);
            }
            Value::Array(items)
        }
    })
}
