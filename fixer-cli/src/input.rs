//! Reading manifests into JSON values: a YAML stream (many documents) or JSON.
//!
//! This is the simple, non-lossless reader used by `seccomp-fix patch`; the
//! in-place fixer has its own span-keeping reader.

use std::io::Read;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

/// A manifest that could not be read or parsed, located as `path:line:col`.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file (or stdin) could not be read.
    #[error("{path}: {source}")]
    Read {
        /// File name as given (`-` for stdin).
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not valid YAML/JSON.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// File name as given (`-` for stdin).
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
}

/// Reads `path` (or stdin for `-`) as text.
pub fn read_text(path: &str) -> Result<String, InputError> {
    let read_err = |source| InputError::Read {
        path: path.to_owned(),
        source,
    };
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(read_err)?;
        Ok(text)
    } else {
        std::fs::read_to_string(Path::new(path)).map_err(read_err)
    }
}

/// Parses every document of `text`; empty documents are kept as `Value::Null`
/// so document indexes match the file.
pub fn parse_documents(path: &str, text: &str) -> Result<Vec<Value>, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.trim_start().chars().next();
    if path.ends_with(".json") || matches!(first, Some('{' | '[')) {
        if let Ok(docs) = parse_json_stream(text) {
            return Ok(docs);
        }
    }
    let mut docs = Vec::new();
    for document in yaml_serde::Deserializer::from_str(text) {
        let value = Value::deserialize(document).map_err(|e| yaml_error(path, &e))?;
        docs.push(value);
    }
    Ok(docs)
}

fn parse_json_stream(text: &str) -> Result<Vec<Value>, serde_json::Error> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect()
}

fn yaml_error(path: &str, err: &yaml_serde::Error) -> InputError {
    let (line, column) = match err.location() {
        Some(loc) => (loc.line(), loc.column()),
        None => (1, 1),
    };
    // Messages from libyaml may repeat the position; keep the first line only.
    let message = err
        .to_string()
        .lines()
        .next()
        .unwrap_or("invalid YAML")
        .to_owned();
    InputError::Parse {
        path: path.to_owned(),
        line: line.max(1),
        column: column.max(1),
        message,
    }
}
