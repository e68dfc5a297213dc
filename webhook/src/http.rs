//! HTTP routes: `POST /mutate` and the probes on the HTTPS port; `/metrics` and the
//! probes on the plain metrics port.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::time::timeout_at;
use tower_http::catch_panic::CatchPanicLayer;
use tracing::{info, warn};

use crate::admission::{self, Outcome, Verdict};
use crate::metrics::{Metrics, MutationLabels, RequestLabels};
use crate::review;
use crate::state::AppState;

/// Bodies larger than this are decided on the blocking pool, off the async workers.
const INLINE_BODY_BYTES: usize = 256 * 1024;

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
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
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
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        state.metrics.encode(),
    )
        .into_response()
}

async fn mutate(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + state.request_timeout;
    let (status, result, reason) = match timeout_at(deadline, state.permits.acquire()).await {
        Err(_) => failure(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "overloaded: request timed out waiting for a slot",
        ),
        // The semaphore is never closed; answered all the same.
        Ok(Err(_)) => failure(StatusCode::SERVICE_UNAVAILABLE, "error", "no request slot"),
        Ok(Ok(_permit)) => match timeout_at(deadline, Bytes::from_request(request, &())).await {
            Err(_) => failure(
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                "timed out reading the request body",
            ),
            Ok(Err(rejection)) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                let reason = format!("request body larger than {} bytes", state.max_body_bytes);
                failure(StatusCode::PAYLOAD_TOO_LARGE, "too_large", &reason)
            }
            Ok(Err(rejection)) => failure(
                StatusCode::BAD_REQUEST,
                "bad_request",
                &rejection.body_text(),
            ),
            Ok(Ok(body)) => return answer(&state, body, started).await,
        },
    };
    refuse(&state, started, status, result, &reason)
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

/// Decides a complete body and logs one line for it.
async fn answer(state: &Arc<AppState>, body: Bytes, started: Instant) -> Response {
    if let Some(fixed) = &state.fixed_response {
        return json_response(fixed.clone());
    }
    let decided = if body.len() > INLINE_BODY_BYTES {
        let shared = state.clone();
        match tokio::task::spawn_blocking(move || decide(&shared, &body)).await {
            Ok(decided) => decided,
            Err(_) => {
                state.metrics.panics.inc();
                let reason = "internal error";
                return refuse(
                    state,
                    started,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error",
                    reason,
                );
            }
        }
    } else {
        decide(state, &body)
    };
    match decided {
        Err(e) => refuse(
            state,
            started,
            StatusCode::BAD_REQUEST,
            "bad_request",
            &e.to_string(),
        ),
        Ok(Decided {
            request,
            outcome,
            response,
        }) => {
            let elapsed = started.elapsed();
            state.metrics.duration.observe(elapsed.as_secs_f64());
            record(&state.metrics, &request, &outcome);
            let reason = match outcome.verdict {
                Verdict::Skipped(reason) => reason,
                _ => "",
            };
            // Fields are only evaluated when the line is enabled.
            info!(
                uid = %request.uid,
                kind = %request.kind.kind,
                namespace = request.namespace.as_deref().unwrap_or(""),
                name = %request_name(&request),
                operation = %request.operation,
                dry_run = request.dry_run.unwrap_or(false),
                result = outcome.verdict.label(),
                reason,
                ops = outcome.ops,
                warnings = outcome.answer.warnings.len(),
                duration_us = elapsed.as_micros() as u64,
                "admission"
            );
            if matches!(outcome.verdict, Verdict::Uninterpretable) {
                warn!(uid = %request.uid, warnings = ?outcome.answer.warnings, "object left unchanged");
            }
            json_response(Bytes::from(response))
        }
    }
}

struct Decided {
    request: review::Request,
    outcome: Outcome,
    response: Vec<u8>,
}

fn decide(state: &AppState, body: &[u8]) -> Result<Decided, review::ReviewError> {
    let active = state.policy();
    let request = review::parse(body, &active.relevant)?;
    let outcome = admission::admit(&request, &active.policy, state.scope);
    let response = review::respond(&request.uid, &outcome.answer);
    Ok(Decided {
        request,
        outcome,
        response,
    })
}

fn record(metrics: &Metrics, request: &review::Request, outcome: &Outcome) {
    let operation = match request.operation.as_str() {
        op @ ("CREATE" | "UPDATE" | "DELETE" | "CONNECT") => op,
        _ => "other",
    };
    count(
        metrics,
        &outcome.kind_label,
        operation,
        outcome.verdict.label(),
    );
    for action in &outcome.changes {
        metrics
            .mutations
            .get_or_create(&MutationLabels {
                kind: outcome.kind_label.clone(),
                action,
            })
            .inc();
    }
    if outcome.panicked {
        metrics.panics.inc();
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

fn failure(
    status: StatusCode,
    result: &'static str,
    reason: &str,
) -> (StatusCode, &'static str, String) {
    (status, result, reason.to_owned())
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
