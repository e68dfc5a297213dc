//! HTTP routes: `POST /mutate` and the probes on the HTTPS port; `/metrics` and the
//! probes on the plain metrics port. The routers are plain axum [`Router`]s
//! over an [`AppState`]: the binary serves them over TLS, and tests call them
//! in-process (`tower::ServiceExt::oneshot`).
//!
//! `POST /mutate`: the body is read within the body limit, the byte budget
//! and the body-read deadline ([`crate::body`]) before a decision slot is
//! taken; then [`admission::review_body`] decides it (on the blocking pool
//! above [`INLINE_BODY_BYTES`]), and the response holds its bytes of the
//! budget until it is sent. The content type is not checked: the body decides.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::timeout_at;
use tower_http::catch_panic::CatchPanicLayer;
use tracing::{info, warn};

use crate::admission::{self, Decision, Reviewed, Verdict};
use crate::blocking;
use crate::body;
use crate::budget::Lease;
use crate::metrics::{CapLabels, Metrics, MutationLabels, RequestLabels};
use crate::review;
use crate::state::AppState;

/// Bodies larger than this are decided on the blocking pool, off the async workers.
pub const INLINE_BODY_BYTES: usize = 256 * 1024;

pub fn admission_router(state: Arc<AppState>) -> Router {
    let metrics_state = state.clone();
    let on_panic = move |_: Box<dyn std::any::Any + Send>| {
        metrics_state.metrics.panics.inc();
        text(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    };
    Router::new()
        .route("/mutate", post(mutate))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(CatchPanicLayer::custom(on_panic))
        .with_state(state)
}

pub fn metrics_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
}

async fn healthz() -> Response {
    text(StatusCode::OK, "ok")
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.readiness() {
        Ok(()) => text(StatusCode::OK, "ok"),
        Err(why) => text(StatusCode::SERVICE_UNAVAILABLE, why),
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let held = i64::try_from(state.budget.used()).unwrap_or(i64::MAX);
    state.metrics.body_bytes.set(held);
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        state.metrics.encode(),
    )
        .into_response()
}

async fn mutate(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let started = Instant::now();
    let now = tokio::time::Instant::now();
    let deadline = now + state.model.request_timeout;
    let (parts, body) = request.into_parts();
    // The body is read without a slot: a slow body holds only its bytes of the
    // budget and its connection, never the decision slots.
    let received = body::read(
        &parts.headers,
        body,
        &state.budget,
        state.model.max_body_bytes,
        now + state.model.body_timeout,
    )
    .await;
    let received = match received {
        Ok(received) => received,
        Err(e) => return refuse(&state, started, e.status(), e.result(), &e.to_string()),
    };
    #[cfg(feature = "bench")]
    if let Some(fixed) = &state.fixed_response {
        return json_response(fixed.clone());
    }
    let slot = match timeout_at(deadline, state.slots.clone().acquire_owned()).await {
        Ok(Ok(slot)) => slot,
        Err(_) => {
            let reason = "overloaded: request timed out waiting for a slot";
            return refuse(
                &state,
                started,
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                reason,
            );
        }
        // The semaphore is never closed; answered all the same.
        Ok(Err(_)) => {
            let status = StatusCode::SERVICE_UNAVAILABLE;
            return refuse(&state, started, status, "error", "no request slot");
        }
    };
    answer(&state, received, slot, started).await
}

/// Answers a request that was not decided: counted, timed, logged, explained.
fn refuse(
    state: &AppState,
    started: Instant,
    status: StatusCode,
    result: &'static str,
    reason: &str,
) -> Response {
    state
        .metrics
        .duration
        .observe(started.elapsed().as_secs_f64());
    count(&state.metrics, "unknown", "unknown", result);
    warn!(
        status = status.as_u16(),
        result,
        reason,
        duration_us = micros(started),
        "admission request refused"
    );
    text(status, reason)
}

/// Decides a complete body (holding `slot` until the work ends) and logs one line for it.
async fn answer(
    state: &Arc<AppState>,
    received: body::Received,
    slot: OwnedSemaphorePermit,
    started: Instant,
) -> Response {
    let body::Received { bytes, mut lease } = received;
    let decided = if bytes.len() > INLINE_BODY_BYTES {
        let shared = state.clone();
        // If the client goes away, the work still counts against
        // --max-concurrency until it ends.
        match blocking::run_holding(slot, move || decide(&shared, &bytes)).await {
            Ok(decided) => decided,
            Err(_) => {
                state.metrics.panics.inc();
                let reason = "internal error";
                let status = StatusCode::INTERNAL_SERVER_ERROR;
                return refuse(state, started, status, "error", reason);
            }
        }
    } else {
        let decided = decide(state, &bytes);
        drop((slot, bytes));
        decided
    };
    match decided {
        Err(e) => refuse(
            state,
            started,
            StatusCode::BAD_REQUEST,
            "bad_request",
            &e.to_string(),
        ),
        Ok(Reviewed {
            request,
            decision,
            response,
        }) => {
            // From here on the lease accounts for the response until it is sent.
            if !lease.resize(response.len()) {
                let reason = "responses in flight exceed the memory budget; retry";
                let status = StatusCode::SERVICE_UNAVAILABLE;
                return refuse(state, started, status, "over_budget", reason);
            }
            let elapsed = started.elapsed();
            state.metrics.duration.observe(elapsed.as_secs_f64());
            record(&state.metrics, &request, &decision);
            log_decision(&request, &decision, elapsed);
            json_response(Bytes::from_owner(Leased {
                bytes: response,
                _lease: lease,
            }))
        }
    }
}

/// Response bytes that give their lease back once sent (or dropped).
struct Leased {
    bytes: Vec<u8>,
    _lease: Lease,
}

impl AsRef<[u8]> for Leased {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

fn log_decision(request: &review::Request, decision: &Decision, elapsed: std::time::Duration) {
    let reason = match decision.verdict {
        Verdict::Skipped(reason) => reason,
        _ => "",
    };
    // Fields are only evaluated when the line is enabled.
    info!(
        uid = %clipped(&request.uid),
        kind = %clipped(&request.kind.kind),
        namespace = %clipped(request.namespace.as_deref().unwrap_or("")),
        name = %clipped(&request_name(request)),
        operation = %clipped(&request.operation),
        dry_run = request.dry_run.unwrap_or(false),
        result = decision.verdict.label(),
        reason,
        ops = decision.ops,
        warnings = decision.answer.warnings.len(),
        duration_us = elapsed.as_micros() as u64,
        "admission"
    );
    if matches!(
        decision.verdict,
        Verdict::Uninterpretable | Verdict::OverLimit(_)
    ) {
        warn!(uid = %clipped(&request.uid), warnings = ?decision.answer.warnings, "object left unchanged");
    }
}

fn decide(state: &AppState, body: &[u8]) -> Result<Reviewed, review::ReviewError> {
    let active = state.policy();
    admission::review_body(body, &active.policy, &active.relevant, state.kinds)
}

fn record(metrics: &Metrics, request: &review::Request, decision: &Decision) {
    let operation = match request.operation.as_str() {
        op @ ("CREATE" | "UPDATE" | "DELETE" | "CONNECT") => op,
        _ => "other",
    };
    count(
        metrics,
        &decision.kind_label,
        operation,
        decision.verdict.label(),
    );
    for action in &decision.changes {
        metrics
            .mutations
            .get_or_create(&MutationLabels {
                kind: decision.kind_label.clone(),
                action,
            })
            .inc();
    }
    if decision.panicked {
        metrics.panics.inc();
    }
    if let Verdict::OverLimit(cap) = decision.verdict {
        metrics
            .over_limit
            .get_or_create(&CapLabels { cap: cap.as_str() })
            .inc();
    }
}

fn count(metrics: &Metrics, kind: &str, operation: &str, result: &'static str) {
    let labels = RequestLabels {
        kind: kind.to_owned(),
        operation: operation.to_owned(),
        result,
    };
    metrics.requests.get_or_create(&labels).inc();
}

/// The object's name for logs; on CREATE the request often only has `generateName`.
/// The longest client-given value a log line holds in full: the longest
/// name the API server accepts (253). The API server sends a 36-character
/// uid and validated names, but any client that reaches the port can send
/// megabytes in these fields; the line keeps their start and says how much
/// is left out, so one request cannot write a line of the body's size.
pub const MAX_LOGGED_FIELD_BYTES: usize = 253;

fn clipped(value: &str) -> std::borrow::Cow<'_, str> {
    if value.len() <= MAX_LOGGED_FIELD_BYTES {
        return value.into();
    }
    let mut end = MAX_LOGGED_FIELD_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…(+{} bytes)", &value[..end], value.len() - end).into()
}

fn request_name(request: &review::Request) -> String {
    if let Some(name) = request.name.as_deref().filter(|n| !n.is_empty()) {
        return name.to_owned();
    }
    let meta = request.object.as_ref().and_then(|o| o.get("metadata"));
    let field = |key| meta.and_then(|m| m.get(key)).and_then(|v| v.as_str());
    match (field("name"), field("generateName")) {
        (Some(name), _) => name.to_owned(),
        (None, Some(prefix)) => format!("{prefix}*"),
        (None, None) => String::new(),
    }
}

fn text(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

fn json_response(body: Bytes) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from(body),
    )
        .into_response()
}

fn micros(started: Instant) -> u64 {
    started.elapsed().as_micros() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client sending a megabyte uid or name got a log line of that size
    /// (and the logger's per-thread buffer kept it): such values are cut.
    #[test]
    fn long_client_values_are_clipped_in_log_lines() {
        assert_eq!(clipped("web-1"), "web-1");
        let exact = "n".repeat(MAX_LOGGED_FIELD_BYTES);
        assert_eq!(clipped(&exact), exact.as_str());
        let long = "u".repeat(1 << 20);
        let cut = clipped(&long);
        assert!(cut.starts_with(&long[..MAX_LOGGED_FIELD_BYTES]));
        assert!(cut.ends_with(&format!("…(+{} bytes)", (1 << 20) - MAX_LOGGED_FIELD_BYTES)));
        assert!(cut.len() < MAX_LOGGED_FIELD_BYTES + 32, "{}", cut.len());
        // Cut at a character boundary: 'é' is two bytes, 253 is odd.
        let accents = "é".repeat(200);
        let cut = clipped(&accents);
        assert!(cut.starts_with(&"é".repeat(126)), "{cut}");
        assert!(cut.ends_with("…(+148 bytes)"), "{cut}");
    }
}
