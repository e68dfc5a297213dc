//! Reading manifests: only regular files (for every subcommand), and into
//! JSON values for `seccomp-fix patch` with the same YAML reader as the
//! in-place fixer (`lossless_yaml::parse` + `to_value`), so both commands see a
//! file the same way.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

use serde_json::Value;

use lossless_yaml::{tree, value};

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

/// Reads the file at `path` if it is a regular file (a symlink to one is
/// fine). A fifo would block the run until someone writes to it, a device
/// may never end: both are refused before they are opened, and checked
/// again on the opened file.
pub fn read_regular_file(path: &Path) -> io::Result<Vec<u8>> {
    let refuse = |meta: &fs::Metadata| {
        let what = file_type_name(&meta.file_type());
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file ({what}): not read"),
        )
    };
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(refuse(&meta));
    }
    let mut file = File::open(path)?;
    let opened = file.metadata()?;
    if !opened.is_file() {
        return Err(refuse(&opened));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn file_type_name(file_type: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a fifo";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
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
        let bytes = read_regular_file(Path::new(path)).map_err(read_err)?;
        String::from_utf8(bytes)
            .map_err(|_| read_err(io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text")))
    }
}

/// Parses every document of `text` (YAML stream or JSON); empty documents are
/// kept as `Value::Null` so document indexes match the file.
pub fn parse_documents(path: &str, text: &str) -> Result<Vec<Value>, InputError> {
    let (_, text) = lossless_yaml::strip_bom(text);
    let parse_err = |line, column, message| InputError::Parse {
        path: path.to_owned(),
        line,
        column,
        message,
    };
    let docs = tree::parse(text).map_err(|e| parse_err(e.line, e.col, e.message))?;
    docs.iter()
        .map(|doc| value::to_value(doc).map_err(|e| parse_err(e.line, e.col, e.kind.to_string())))
        .collect()
}
