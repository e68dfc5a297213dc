//! The chart mode's finding codes (beside `FixerCode`: the report owns every code it prints).

use seccomp_core::Severity;

use super::Finding;

/// Codes of findings about charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartCode {
    /// A change the rendering needs cannot be made in the chart's source.
    NotFixable,
    /// No helm binary: the chart was not rendered, so not checked.
    NeedsHelm,
    /// `helm template` failed (missing dependency, required value, …).
    RenderFailed,
}

impl ChartCode {
    /// Every chart code, for SARIF rule lists.
    pub fn all() -> &'static [ChartCode] {
        &[
            ChartCode::NotFixable,
            ChartCode::NeedsHelm,
            ChartCode::RenderFailed,
        ]
    }

    /// The kebab-case identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            ChartCode::NotFixable => "chart-not-fixable",
            ChartCode::NeedsHelm => "chart-needs-helm",
            ChartCode::RenderFailed => "chart-render-failed",
        }
    }

    /// Severity of its findings.
    pub fn severity(self) -> Severity {
        match self {
            ChartCode::NotFixable | ChartCode::RenderFailed => Severity::Error,
            ChartCode::NeedsHelm => Severity::Warning,
        }
    }

    /// One-line description.
    pub fn description(self) -> &'static str {
        match self {
            ChartCode::NotFixable => {
                "A rendered pod needs a change that cannot be made in the chart's values or literal template lines"
            }
            ChartCode::NeedsHelm => "helm was not found: the chart was not rendered, so not checked",
            ChartCode::RenderFailed => {
                "helm template failed (a dependency not vendored, a required value without default)"
            }
        }
    }

    /// A finding of this code.
    pub fn finding(self, message: String, line: usize) -> Finding {
        Finding {
            code: self.as_str(),
            severity: self.severity(),
            pointer: String::new(),
            message,
            line,
            change: false,
        }
    }
}
