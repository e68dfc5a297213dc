//! Fixing Helm charts at the source (§8, docs/fixer.md "Helm charts").
//!
//! Rendering decides: the chart is rendered with `helm template` (default
//! values, then each `ci/*-values.yaml`), the core plans every rendered
//! object, and each operation of each plan is traced back to the source
//! (`trace`, `edits`): a values key rendered with `toYaml`
//! (`values_edit`), or literal template lines (`template_edit`). The edited
//! chart is rendered again with every value set and must give exactly the
//! planned objects (`verify`), or nothing is written. What cannot be traced
//! is reported as `chart-not-fixable` at the template line.

pub mod detect;
mod edits;
mod gotmpl;
mod outcome;
pub mod render;
mod skeleton;
mod template_edit;
mod trace;
mod values_edit;
mod verify;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use seccomp_core::{plan, Code, Plan, Policy};
use serde_json::Value;

pub use crate::report::ChartCode;
pub use outcome::{Change, ChartFix};
pub use render::Helm;

use edits::{trace_op, NotFixable, SourceEdit};
use outcome::Reports;
use render::{RenderError, Rendered};
use skeleton::Skeleton;
use template_edit::TemplateOp;
use trace::Tracer;
use values_edit::ValuesOp;
use verify::Masks;

/// The values file every chart has.
const VALUES: &str = "values.yaml";

/// A planned object of one rendering.
struct Planned {
    set: usize,
    index: usize,
    plan: Plan,
}

/// Fixes the chart at `root`; `files` are its walked files (each gets a
/// report line).
pub fn fix(root: &Path, files: &[PathBuf], policy: &Policy, helm: &Helm) -> ChartFix {
    let mut reports = Reports::new(root, files);
    let sets = value_sets(root);
    let mut renders = Vec::new();
    for set in &sets {
        match helm.template(root, set) {
            Ok(objects) => renders.push(objects),
            Err(err) => {
                reports.render_failed(&err, set);
                return reports.finish(Vec::new(), matches!(err, RenderError::NoHelm(_)));
            }
        }
    }
    let mut planned = Vec::new();
    let mut seen = BTreeSet::new();
    for (set, objects) in renders.iter().enumerate() {
        for (index, object) in objects.iter().enumerate() {
            let plan = plan(&object.value, policy);
            if plan.is_noop() {
                let first = seen.insert((object.source.clone(), object.ordinal));
                if first && plan.records.iter().any(|r| r.code != Code::NotApplicable) {
                    reports.object(&object.source, object, &plan, 1, false);
                }
            } else {
                planned.push(Planned { set, index, plan });
            }
        }
    }
    if planned.is_empty() {
        return reports.finish(Vec::new(), false);
    }
    match edit_and_verify(root, &sets, &renders, &planned, &mut reports, helm) {
        Ok(changes) => reports.finish(changes, false),
        Err(message) => {
            reports.internal(message);
            reports.finish(Vec::new(), false)
        }
    }
}

/// The value sets to render: the chart's own, then each `ci/*-values.yaml`.
fn value_sets(root: &Path) -> Vec<Vec<String>> {
    let mut sets = vec![Vec::new()];
    if let Ok(entries) = std::fs::read_dir(root.join("ci")) {
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with("-values.yaml"))
            .collect();
        names.sort();
        sets.extend(names.into_iter().map(|n| vec![format!("ci/{n}")]));
    }
    sets
}

/// A template file read once.
struct Template {
    text: String,
    skeleton: Skeleton,
}

/// Traces, edits and verifies; the changes to write.
fn edit_and_verify(
    root: &Path,
    sets: &[Vec<String>],
    renders: &[Vec<Rendered>],
    planned: &[Planned],
    reports: &mut Reports,
    helm: &Helm,
) -> Result<Vec<Change>, String> {
    // Fields that differ between two renders of the unchanged chart.
    let mut masks = Vec::new();
    for (set, first) in sets.iter().zip(renders) {
        let second = helm.template(root, set).map_err(|e| e.to_string())?;
        masks.push(Masks::between(first, &second)?);
    }
    let mut templates: HashMap<String, Option<Template>> = HashMap::new();
    let mut values_ops: BTreeSet<ValuesOp> = BTreeSet::new();
    let mut template_ops: BTreeMap<String, BTreeSet<TemplateOp>> = BTreeMap::new();
    let mut fixable = vec![vec![false; 0]; renders.len()];
    for (set, objects) in renders.iter().enumerate() {
        fixable[set] = vec![false; objects.len()];
    }
    let values_text = std::fs::read_to_string(root.join(VALUES)).unwrap_or_default();
    let mut reported = BTreeSet::new();
    for item in planned {
        let object = &renders[item.set][item.index];
        let count = renders[item.set]
            .iter()
            .filter(|o| o.source == object.source)
            .count();
        let traced = templates
            .entry(object.source.clone())
            .or_insert_with(|| read_template(root, &object.source))
            .as_ref()
            .ok_or_else(|| NotFixable {
                line: 1,
                reason: not_readable(&object.source),
            })
            .and_then(|t| trace_object(t, &object.source, object, count, &item.plan));
        let first = reported.insert((object.source.clone(), object.ordinal));
        match traced {
            Ok(object_edits) => {
                fixable[item.set][item.index] = true;
                let site = object_edits.first().map(|e| match e {
                    SourceEdit::Values(op) => (VALUES.to_owned(), values_line(&values_text, op)),
                    SourceEdit::Template { file, op } => (file.clone(), template_line(op)),
                });
                for edit in object_edits {
                    match edit {
                        SourceEdit::Values(op) => {
                            values_ops.insert(op);
                        }
                        SourceEdit::Template { file, op } => {
                            template_ops.entry(file).or_default().insert(op);
                        }
                    }
                }
                if first {
                    let (file, line) = site.unwrap_or((object.source.clone(), 1));
                    reports.object(&file, object, &item.plan, line, true);
                }
            }
            Err(not_fixable) => {
                if first {
                    reports.not_fixable(object, &item.plan, not_fixable);
                }
            }
        }
    }
    let mut changes = Vec::new();
    if !values_ops.is_empty() {
        let ops: Vec<ValuesOp> = values_ops.into_iter().collect();
        match values_edit::apply(&values_text, &ops) {
            Ok(new) => changes.push(Change::new(root, VALUES, values_text.clone(), new)),
            Err(err) => {
                reports.values_error(err);
                return Ok(Vec::new());
            }
        }
    }
    for (file, ops) in template_ops {
        let Some(Some(template)) = templates.get(&file) else {
            continue;
        };
        let ops: Vec<TemplateOp> = ops.into_iter().collect();
        let new = template_edit::apply(&template.text, &template.skeleton, &ops)
            .map_err(|e| format!("{file}: {e}"))?;
        changes.push(Change::new(root, &file, template.text.clone(), new));
    }
    if changes.is_empty() {
        return Ok(changes);
    }
    // Render the edited chart with every value set and compare.
    let copy = outcome::copy_with(root, &changes).map_err(|e| format!("copying the chart: {e}"))?;
    for (index, (values, before)) in sets.iter().zip(renders).enumerate() {
        let after = helm
            .template(copy.chart(), values)
            .map_err(|e| format!("rendering the edited chart: {e}"))?;
        let expected = expected(before, &plans_of(planned, index), &fixable[index])?;
        verify::check(before, &expected, &after, &masks[index])?;
    }
    Ok(changes)
}

/// The plans of set `set`, by object index.
fn plans_of(planned: &[Planned], set: usize) -> HashMap<usize, &Plan> {
    planned
        .iter()
        .filter(|p| p.set == set)
        .map(|p| (p.index, &p.plan))
        .collect()
}

/// What each object must render as after the edits.
fn expected(
    before: &[Rendered],
    plans: &HashMap<usize, &Plan>,
    fixable: &[bool],
) -> Result<Vec<Value>, String> {
    before
        .iter()
        .enumerate()
        .map(|(i, object)| match plans.get(&i) {
            Some(plan) if fixable.get(i).copied().unwrap_or(false) => {
                plan.apply(&object.value).map_err(|e| e.to_string())
            }
            _ => Ok(object.value.clone()),
        })
        .collect()
}

fn read_template(root: &Path, source: &str) -> Option<Template> {
    if source.starts_with("charts/") || source.is_empty() {
        return None;
    }
    let text = std::fs::read_to_string(root.join(source)).ok()?;
    let skeleton = Skeleton::new(&text);
    Some(Template { text, skeleton })
}

fn not_readable(source: &str) -> String {
    if source.starts_with("charts/") {
        let name = source.split('/').nth(1).unwrap_or("");
        format!("rendered by the dependency chart `{name}`: fix it in that chart")
    } else {
        format!("the template {source} cannot be read")
    }
}

/// The source edits of every operation of one object's plan.
fn trace_object(
    template: &Template,
    source: &str,
    object: &Rendered,
    count: usize,
    plan: &Plan,
) -> Result<Vec<SourceEdit>, NotFixable> {
    let segment = segment_of(template, object, count)?;
    let tracer = Tracer {
        skeleton: &template.skeleton,
        segment,
    };
    let mut out = Vec::new();
    for op in &plan.patch.0 {
        if let Some(edit) = trace_op(&tracer, source, op, &object.value)? {
            out.push(edit);
        }
    }
    Ok(out)
}

/// The template document that rendered `object`: the n-th when the file
/// renders as many objects as it has documents, else the only one of its kind.
fn segment_of(
    template: &Template,
    object: &Rendered,
    count: usize,
) -> Result<std::ops::Range<usize>, NotFixable> {
    let segments = template.skeleton.segments(&template.text);
    if segments.len() == count {
        if let Some(segment) = segments.get(object.ordinal) {
            return Ok(segment.clone());
        }
    }
    let kind = object
        .value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("");
    let of_kind: Vec<&std::ops::Range<usize>> = segments
        .iter()
        .filter(|s| {
            template.skeleton.lines[(*s).clone()].iter().any(|l| {
                matches!(&l.kind, skeleton::LineKind::Key { key, value: skeleton::ValuePart::Literal(v), dash: false, .. }
                    if key == "kind" && v.trim_matches(['"', '\'']) == kind)
            })
        })
        .collect();
    match of_kind.as_slice() {
        [one] => Ok((*one).clone()),
        _ => Err(NotFixable {
            line: 1,
            reason: format!("cannot tell which document of the template renders this {kind}"),
        }),
    }
}

fn values_line(text: &str, op: &ValuesOp) -> usize {
    let path = match op {
        ValuesOp::Add { path, .. } | ValuesOp::Remove { path } | ValuesOp::Replace { path, .. } => {
            path
        }
    };
    values_edit::line_of(text, path)
}

fn template_line(op: &TemplateOp) -> usize {
    match op {
        TemplateOp::Insert { after_line, .. } => after_line + 1,
        TemplateOp::RemoveLines { from, .. } => from + 1,
        TemplateOp::ReplaceValue { line, .. } => line + 1,
    }
}

/// How `seccomp-fix fix` finds helm: `--helm PATH`, else `helm` on `PATH`.
pub fn helm_from(flag: Option<PathBuf>) -> Helm {
    Helm {
        program: flag.unwrap_or_else(|| PathBuf::from("helm")),
    }
}
