//! Running `helm template` and splitting its output into objects, each tied
//! to its template file by the `# Source:` comment Helm writes above it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use lossless_yaml::tree;
use lossless_yaml::value::to_value;

/// The release name every rendering uses (Helm's own default).
pub const RELEASE: &str = "release-name";

/// How long one `helm template` may take.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Why a chart could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The helm binary is not there.
    #[error("helm not found ({0})")]
    NoHelm(String),
    /// `helm template` failed; its message.
    #[error("{0}")]
    Failed(String),
    /// The output is not YAML.
    #[error("helm template printed invalid YAML: {0}")]
    Output(String),
}

/// One object of a rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Template file relative to the chart root (`templates/deployment.yaml`).
    pub source: String,
    /// Index among the objects rendered from the same source.
    pub ordinal: usize,
    /// The object.
    pub value: Value,
}

/// A `helm template` runner.
#[derive(Debug, Clone)]
pub struct Helm {
    /// The binary.
    pub program: PathBuf,
}

impl Helm {
    /// Renders `chart` with the chart's values and then `values` files (paths
    /// relative to the chart root).
    pub fn template(&self, chart: &Path, values: &[String]) -> Result<Vec<Rendered>, RenderError> {
        let mut command = Command::new(&self.program);
        command
            .arg("template")
            .arg(RELEASE)
            .arg(".")
            .current_dir(chart)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for file in values {
            command.arg("--values").arg(file);
        }
        let mut child = command
            .spawn()
            .map_err(|e| RenderError::NoHelm(format!("{}: {e}", self.program.display())))?;
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let out = std::thread::spawn(move || read_all(stdout));
        let err = std::thread::spawn(move || read_all(stderr));
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() > TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(RenderError::Failed(format!("waiting for helm: {e}"))),
            }
        };
        let stdout = out.join().unwrap_or_default();
        let stderr = err.join().unwrap_or_default();
        match status {
            None => Err(RenderError::Failed(format!(
                "helm template took longer than {} s",
                TIMEOUT.as_secs()
            ))),
            Some(s) if !s.success() => Err(RenderError::Failed(helm_message(&stderr))),
            Some(_) => split(&stdout),
        }
    }
}

fn read_all(pipe: Option<impl Read>) -> String {
    let mut text = String::new();
    if let Some(mut pipe) = pipe {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    text
}

/// The useful line of Helm's error output (`Error: ...`).
fn helm_message(stderr: &str) -> String {
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("Error:"))
        .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("helm template failed");
    let line = line.strip_prefix("Error: ").unwrap_or(line);
    seccomp_core::clip_line(line.trim().to_owned(), 300)
}

/// Splits `helm template` output at its `---` lines; each part starts with
/// `# Source: <chart>/<path>`.
pub fn split(output: &str) -> Result<Vec<Rendered>, RenderError> {
    let mut objects: Vec<Rendered> = Vec::new();
    for part in parts(output) {
        let source = part
            .lines()
            .find_map(|l| l.strip_prefix("# Source: "))
            .map(|s| {
                s.trim()
                    .split_once('/')
                    .map_or(s, |(_, rest)| rest)
                    .to_owned()
            })
            .unwrap_or_default();
        let docs = tree::parse(part).map_err(|e| RenderError::Output(format!("{source}: {e}")))?;
        for doc in docs {
            let value =
                to_value(&doc).map_err(|e| RenderError::Output(format!("{source}: {e}")))?;
            if value.is_null() {
                continue;
            }
            let ordinal = objects.iter().filter(|o| o.source == source).count();
            objects.push(Rendered {
                source: source.clone(),
                ordinal,
                value,
            });
        }
    }
    Ok(objects)
}

fn parts(output: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    let mut at = 0;
    for line in output.split_inclusive('\n') {
        if line.trim_end() == "---" {
            out.push(&output[from..at]);
            from = at + line.len();
        }
        at += line.len();
    }
    out.push(&output[from..]);
    out.retain(|p| !p.trim().is_empty());
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn output_is_split_by_source() {
        let out = "---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/a.yaml\nkind: B\n---\n# Source: c/charts/sub/templates/x.yaml\nkind: X\nv: |\n  ---\n";
        let objects = split(out).unwrap();
        assert_eq!(objects.len(), 3);
        assert_eq!(objects[0].source, "templates/a.yaml");
        assert_eq!(objects[1].ordinal, 1);
        assert_eq!(objects[2].source, "charts/sub/templates/x.yaml");
        assert_eq!(objects[2].value["v"], "---\n");
    }

    #[test]
    fn helm_errors_keep_the_error_line() {
        assert_eq!(
            helm_message("walk.go:1: noise\nError: found in Chart.yaml, but missing in charts/ directory: common\n"),
            "found in Chart.yaml, but missing in charts/ directory: common"
        );
    }

    #[test]
    fn a_missing_binary_is_reported_as_such() {
        let helm = Helm {
            program: PathBuf::from("/nonexistent/helm"),
        };
        let err = helm.template(Path::new("."), &[]).unwrap_err();
        assert!(matches!(err, RenderError::NoHelm(_)), "{err}");
    }
}
