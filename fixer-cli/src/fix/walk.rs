//! Which files a run looks at: explicit files as given, directories walked
//! recursively (in parallel) for `.yaml`/`.yml`/`.json`, honouring
//! `.gitignore`/`.ignore` and `--exclude`, never following symlinks.
//! The result is sorted, so output order does not depend on the walk.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};

/// One thing to fix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Input {
    /// `-`: standard input, fixed text to standard output.
    Stdin,
    /// A file (named on the command line or found in a directory).
    File(PathBuf),
    /// A Helm chart, fixed as one unit, with its walked files.
    Chart {
        /// The directory holding `Chart.yaml`.
        root: PathBuf,
        /// Its files that were walked or named.
        files: Vec<PathBuf>,
    },
}

impl Input {
    /// How the input is named in reports.
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "-".to_owned(),
            Input::File(path) | Input::Chart { root: path, .. } => path.display().to_string(),
        }
    }
}

/// A path that could not be walked.
#[derive(Debug, Clone)]
pub struct WalkError {
    /// The path (or the root being walked).
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Whether `path` has a manifest extension.
pub fn is_manifest(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
}

/// Expands the command-line paths into inputs, in a deterministic order.
/// Hidden files and directories are walked only with `hidden` (never `.git`).
pub fn collect(
    paths: &[PathBuf],
    excludes: &[String],
    hidden: bool,
) -> (Vec<Input>, Vec<WalkError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            match walk_dir(path, excludes, hidden) {
                Ok((mut files, errs)) => {
                    files.sort();
                    inputs.extend(files.into_iter().map(Input::File));
                    errors.extend(errs);
                }
                Err(err) => errors.push(err),
            }
        } else {
            // An explicit file is fixed whatever its extension; a missing one
            // is reported when it is read.
            inputs.push(Input::File(path.clone()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|i| i == &Input::Stdin || seen.insert(i.clone()));
    (group_charts(inputs), errors)
}

/// Replaces the files that belong to a Helm chart by one input per chart,
/// at the place of its first file.
fn group_charts(inputs: Vec<Input>) -> Vec<Input> {
    let files: Vec<PathBuf> = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(path) => Some(path.clone()),
            _ => None,
        })
        .collect();
    let (mut charts, _) = crate::chart::detect::group(files);
    if charts.is_empty() {
        return inputs;
    }
    let owner: std::collections::HashMap<PathBuf, PathBuf> = charts
        .iter()
        .flat_map(|(root, files)| files.iter().map(move |f| (f.clone(), root.clone())))
        .collect();
    let mut out = Vec::new();
    for input in inputs {
        match &input {
            Input::File(path) => match owner.get(path) {
                Some(root) => {
                    if let Some(files) = charts.remove(root) {
                        out.push(Input::Chart {
                            root: root.clone(),
                            files,
                        });
                    }
                }
                None => out.push(input),
            },
            _ => out.push(input),
        }
    }
    out
}

fn walk_dir(
    root: &Path,
    excludes: &[String],
    hidden: bool,
) -> Result<(Vec<PathBuf>, Vec<WalkError>), WalkError> {
    let mut overrides = OverrideBuilder::new(root);
    if hidden {
        // Git's own directory is never a place for manifests.
        overrides.add("!.git/").map_err(|e| WalkError {
            path: root.display().to_string(),
            message: e.to_string(),
        })?;
    }
    for glob in excludes {
        overrides.add(&format!("!{glob}")).map_err(|e| WalkError {
            path: glob.clone(),
            message: format!("invalid --exclude glob: {e}"),
        })?;
    }
    let overrides = overrides.build().map_err(|e| WalkError {
        path: root.display().to_string(),
        message: e.to_string(),
    })?;
    let files = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    WalkBuilder::new(root)
        .require_git(false)
        .hidden(!hidden)
        .follow_links(false)
        .overrides(overrides)
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                match entry {
                    Ok(entry) => {
                        let is_file = entry.file_type().is_some_and(|t| t.is_file());
                        if is_file && is_manifest(entry.path()) {
                            // `./x.yaml` is reported as `x.yaml`.
                            let path = entry.into_path();
                            let path = match path.strip_prefix(".") {
                                Ok(rest) => rest.to_path_buf(),
                                Err(_) => path,
                            };
                            if let Ok(mut files) = files.lock() {
                                files.push(path);
                            }
                        }
                    }
                    Err(err) => {
                        if let Ok(mut errors) = errors.lock() {
                            errors.push(WalkError {
                                path: root.display().to_string(),
                                message: err.to_string(),
                            });
                        }
                    }
                }
                WalkState::Continue
            })
        });
    let files = files.into_inner().unwrap_or_default();
    let mut errors = errors.into_inner().unwrap_or_default();
    errors.sort_by(|a, b| a.message.cmp(&b.message));
    Ok((files, errors))
}
