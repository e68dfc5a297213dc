//! Which directories are Helm charts, and which walked files belong to one.
//!
//! A directory holding a `Chart.yaml` with `apiVersion: v2` (or `v1`, old
//! charts) and a `name` is a chart. Its `Chart.yaml`, `values.yaml` and
//! everything under `templates/`, `charts/`, `ci/` and `crds/` belong to it:
//! the chart is fixed as one unit. Other files in the directory (examples,
//! docs) are plain files as anywhere else. A chart vendored in another
//! chart's `charts/` belongs to that chart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lossless_yaml::tree;

/// Folders of a chart whose files belong to it.
const OWNED_DIRS: &[&str] = &["templates", "charts", "ci", "crds"];
/// Top-level files of a chart that belong to it.
const OWNED_FILES: &[&str] = &[
    "Chart.yaml",
    "values.yaml",
    "values.schema.json",
    "Chart.lock",
];

/// Whether `dir` is a chart.
pub fn is_chart(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("Chart.yaml")) else {
        return false;
    };
    let Ok(docs) = tree::parse(lossless_yaml::strip_bom(&text).1) else {
        return false;
    };
    docs.first().is_some_and(|doc| {
        let scalar = |k: &str| doc.root.get(k).and_then(|n| n.scalar());
        matches!(scalar("apiVersion"), Some("v1" | "v2")) && scalar("name").is_some()
    })
}

/// The chart `file` belongs to, if any (the outermost one when charts are
/// vendored inside charts).
pub fn owner(file: &Path) -> Option<PathBuf> {
    let mut root = nearest(file)?;
    // A chart vendored in `charts/` of another chart belongs to that one.
    while let Some(parent) = root.parent() {
        if parent.file_name().is_none_or(|n| n != "charts") {
            break;
        }
        match parent.parent() {
            Some(grand) if is_chart(or_dot(grand)) => root = grand.to_path_buf(),
            _ => break,
        }
    }
    Some(if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root
    })
}

/// The nearest directory above `file` that is a chart owning it.
fn nearest(file: &Path) -> Option<PathBuf> {
    let mut child = file;
    while let Some(dir) = child.parent() {
        let name = child.file_name()?;
        let owned = if child == file {
            OWNED_FILES.iter().any(|f| name == std::ffi::OsStr::new(f))
        } else {
            OWNED_DIRS.iter().any(|f| name == std::ffi::OsStr::new(f))
        };
        if owned && is_chart(or_dot(dir)) {
            return Some(dir.to_path_buf());
        }
        child = dir;
    }
    None
}

fn or_dot(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

/// Groups `files` by the chart they belong to: the charts (root → their
/// files, sorted) and the files that belong to none, in order.
pub fn group(files: Vec<PathBuf>) -> (BTreeMap<PathBuf, Vec<PathBuf>>, Vec<PathBuf>) {
    let mut charts: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut plain = Vec::new();
    let mut known: BTreeMap<PathBuf, Option<PathBuf>> = BTreeMap::new();
    for file in files {
        let parent = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let cached = known.get(&parent).cloned();
        let root = match cached {
            // Files directly in a folder share its answer, except the chart's
            // own top-level files (decided by name).
            Some(root) if !is_top_level_name(&file) => root,
            _ => {
                let root = owner(&file);
                if !is_top_level_name(&file) {
                    known.insert(parent, root.clone());
                }
                root
            }
        };
        match root {
            Some(root) => charts.entry(root).or_default().push(file),
            None => plain.push(file),
        }
    }
    (charts, plain)
}

fn is_top_level_name(file: &Path) -> bool {
    file.file_name()
        .is_some_and(|n| OWNED_FILES.iter().any(|f| n == std::ffi::OsStr::new(f)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::fs;

    fn chart(dir: &Path) {
        fs::create_dir_all(dir.join("templates")).unwrap();
        fs::write(
            dir.join("Chart.yaml"),
            "apiVersion: v2\nname: c\nversion: 0.1.0\n",
        )
        .unwrap();
    }

    #[test]
    fn files_of_a_chart_are_grouped_and_others_are_not() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("c");
        chart(&root);
        let sub = root.join("charts/sub");
        chart(&sub);
        fs::create_dir_all(root.join("examples")).unwrap();
        fs::write(tmp.path().join("not-chart.yaml"), "a: 1").unwrap();
        let files = vec![
            root.join("Chart.yaml"),
            root.join("values.yaml"),
            root.join("templates/deployment.yaml"),
            sub.join("templates/x.yaml"),
            root.join("examples/pod.yaml"),
            tmp.path().join("not-chart.yaml"),
        ];
        let (charts, plain) = group(files);
        assert_eq!(charts.len(), 1);
        assert_eq!(charts[&root].len(), 4);
        assert_eq!(
            plain,
            vec![
                root.join("examples/pod.yaml"),
                tmp.path().join("not-chart.yaml")
            ]
        );
    }

    #[test]
    fn a_chart_yaml_that_is_not_a_chart_is_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("templates")).unwrap();
        fs::write(tmp.path().join("Chart.yaml"), "apiVersion: v9\nname: c\n").unwrap();
        assert!(!is_chart(tmp.path()));
        assert_eq!(owner(&tmp.path().join("templates/a.yaml")), None);
    }
}
