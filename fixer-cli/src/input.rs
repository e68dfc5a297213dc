//! Reading manifests into JSON values for `seccomp-fix patch`, with the same
//! YAML reader as the in-place fixer (`yaml::tree` + `yaml::value`), so both
//! commands see a file the same way.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::yaml::{tree, value};

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

/// Parses every document of `text` (YAML stream or JSON); empty documents are
/// kept as `Value::Null` so document indexes match the file.
pub fn parse_documents(path: &str, text: &str) -> Result<Vec<Value>, InputError> {
    let (_, text) = crate::yaml::strip_bom(text);
    let parse_err = |line, column, message| InputError::Parse {
        path: path.to_owned(),
        line,
        column,
        message,
    };
    let docs = tree::parse(text).map_err(|e| parse_err(e.line, e.col, e.message))?;
    docs.iter()
        .map(|doc| value::to_value(doc).map_err(|e| parse_err(doc.root.line, 1, e.to_string())))
        .collect()
}
