//! The scan: list every resource, owners first, evaluate each object as its
//! page arrives, fold owned objects into their owner, keep only reports and
//! an index of owner UIDs.
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kube::core::DynamicObject;
use seccomp_core::Policy;
use serde_json::Value;

use crate::evaluate::evaluate;
use crate::list::{list_all, ListError, Listing};
use crate::owners::OwnerIndex;
use crate::report::{PodSummary, WorkloadReport};
use crate::resources::{Resource, RESOURCES};

/// What the scan collected.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// One entry per reported object.
    pub objects: Vec<WorkloadReport>,
    /// Live pods against the restricted rule.
    pub pods: PodSummary,
    /// Failed (non-fatal) list requests.
    pub errors: Vec<ListError>,
}

/// Lists and evaluates everything. A fatal error (server unreachable,
/// credentials rejected) stops the scan; other list errors are collected.
pub async fn scan(
    listing: &Listing<'_>,
    policy: &Policy,
    progress: &ProgressBar,
) -> Result<ScanResult, ListError> {
    let mut state = State {
        policy,
        collected: ScanResult::default(),
        owners: OwnerIndex::default(),
    };
    for resource in RESOURCES {
        progress.set_message(format!("listing {}", resource.qualified_name()));
        let result = list_all(listing, resource, |object| {
            progress.inc(1);
            state.add(resource, object);
        })
        .await;
        match result {
            Ok(_) => {}
            Err(error) if error.fatal => return Err(error),
            Err(error) => {
                progress.suspend(|| eprintln!("seccomp-fix: error: {error}"));
                state.collected.errors.push(error);
            }
        }
    }
    Ok(state.collected)
}

/// A progress spinner on stderr; hidden when stderr is not a terminal or when asked.
pub fn progress(enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {msg} ({human_pos} objects, {elapsed})")
    {
        bar.set_style(style);
    }
    if !bar.is_hidden() {
        bar.enable_steady_tick(Duration::from_millis(120));
    }
    bar
}

struct State<'p> {
    policy: &'p Policy,
    collected: ScanResult,
    owners: OwnerIndex,
}

impl State<'_> {
    fn add(&mut self, resource: &Resource, object: DynamicObject) {
        let root = self.owners.root_of(&object.metadata);
        let uid = object.metadata.uid.clone();
        let value = to_value(resource, object);
        if resource.is_pod() {
            self.add_pod(&value, root);
            return;
        }
        let index = match root {
            Some(index) => index,
            None => match evaluate(&value, self.policy) {
                Some(report) => {
                    self.collected.objects.push(report);
                    self.collected.objects.len() - 1
                }
                None => return,
            },
        };
        self.owners.insert(uid.as_deref(), index);
    }

    fn add_pod(&mut self, value: &Value, root: Option<usize>) {
        let Some(report) = evaluate(value, self.policy) else {
            return;
        };
        let now = report.passes_restricted;
        self.count_pod(now, report.passes_restricted_after_fix);
        let target = match root {
            // Folded into its owner: only the verdict on the live pod is kept.
            Some(index) => self.collected.objects.get_mut(index),
            None => {
                self.collected.objects.push(report);
                self.collected.objects.last_mut()
            }
        };
        if let Some(report) = target {
            report.pods.listed += 1;
            report.pods.pass_restricted += usize::from(now);
        }
    }

    fn count_pod(&mut self, now: bool, after: bool) {
        let pods = &mut self.collected.pods;
        pods.listed += 1;
        pods.pass_restricted += usize::from(now);
        pods.pass_restricted_after_fix += usize::from(after);
    }
}

/// The object as JSON with `apiVersion` and `kind` (list items omit them).
fn to_value(resource: &Resource, object: DynamicObject) -> Value {
    let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.insert(
            "apiVersion".to_owned(),
            Value::String(resource.api_version()),
        );
        map.insert("kind".to_owned(), Value::String(resource.kind.to_owned()));
    }
    value
}
