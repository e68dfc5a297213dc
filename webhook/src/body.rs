//! Reading a request body within the body limit, the byte budget and the
//! body-read deadline. A declared `Content-Length` is checked before a byte of
//! the body is read: above the limit it is an immediate 413, and it is leased
//! from the budget in full at once; a body without one is leased as it arrives.

use std::pin::Pin;
use std::sync::Arc;

use axum::body::{Body, HttpBody};
use axum::http::{header, HeaderMap, StatusCode};
use tokio::time::{timeout_at, Instant};

use crate::budget::{Budget, Lease};

/// Why a body was not read; each maps to a status and a metric result.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("request body larger than {0} bytes")]
    TooLarge(usize),
    #[error("request bodies in flight exceed the memory budget; retry")]
    Budget,
    #[error("timed out reading the request body")]
    Timeout,
    #[error("invalid Content-Length header")]
    BadLength,
    #[error("reading the request body: {0}")]
    Read(#[source] axum::Error),
}

impl BodyError {
    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Budget => StatusCode::SERVICE_UNAVAILABLE,
            BodyError::Timeout => StatusCode::REQUEST_TIMEOUT,
            BodyError::BadLength | BodyError::Read(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// The `result` label of the request metric.
    pub fn result(&self) -> &'static str {
        match self {
            BodyError::TooLarge(_) => "too_large",
            BodyError::Budget => "over_budget",
            BodyError::Timeout => "timeout",
            BodyError::BadLength | BodyError::Read(_) => "bad_request",
        }
    }
}

/// A complete body and the lease that accounts for it.
#[derive(Debug)]
pub struct Received {
    pub bytes: Vec<u8>,
    pub lease: Lease,
}

/// Reads `body` whole, or says why not.
pub async fn read(
    headers: &HeaderMap,
    mut body: Body,
    budget: &Arc<Budget>,
    max_bytes: usize,
    deadline: Instant,
) -> Result<Received, BodyError> {
    let declared = declared_length(headers)?;
    if declared.is_some_and(|n| n > max_bytes) {
        return Err(BodyError::TooLarge(max_bytes));
    }
    let expected = declared.unwrap_or(0);
    let mut lease = budget.lease(expected).ok_or(BodyError::Budget)?;
    // With a declared length this is the only allocation (pages are touched as data arrives).
    let mut bytes = Vec::with_capacity(expected);
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx));
        let frame = match timeout_at(deadline, frame).await {
            Err(_) => return Err(BodyError::Timeout),
            Ok(None) => break,
            Ok(Some(frame)) => frame.map_err(BodyError::Read)?,
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        let len = bytes.len() + data.len();
        if len > max_bytes {
            return Err(BodyError::TooLarge(max_bytes));
        }
        if len > bytes.capacity() {
            // No (or a wrong) declared length: lease what the buffer will hold first.
            let capacity = len.max(bytes.capacity() * 2).min(max_bytes);
            if !lease.resize(capacity) {
                return Err(BodyError::Budget);
            }
            bytes.reserve_exact(capacity - bytes.len());
        }
        bytes.extend_from_slice(&data);
    }
    Ok(Received { bytes, lease })
}

fn declared_length(headers: &HeaderMap) -> Result<Option<usize>, BodyError> {
    let Some(value) = headers.get(header::CONTENT_LENGTH) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| BodyError::BadLength)?;
    // Larger than usize: certainly above the limit.
    match text.trim().parse::<u64>() {
        Ok(n) => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
        Err(_) => Err(BodyError::BadLength),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::budget::BudgetShares;
    use axum::http::HeaderValue;
    use std::time::Duration;

    fn budget(total: usize) -> Arc<Budget> {
        Budget::new(BudgetShares {
            total,
            large: total / 2,
            small_bytes: 16,
        })
    }

    fn headers(length: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(l) = length {
            h.insert(header::CONTENT_LENGTH, HeaderValue::from_str(l).unwrap());
        }
        h
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_is_refused_before_reading() {
        // The body itself is short: only the header decided.
        let body = Body::from(vec![b'x'; 10]);
        let b = budget(1 << 20);
        let err = read(&headers(Some("100000")), body, &b, 1000, soon())
            .await
            .unwrap_err();
        assert!(matches!(err, BodyError::TooLarge(1000)), "{err}");
        assert_eq!(err.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let huge = "99999999999999999999999";
        let err = read(&headers(Some(huge)), Body::empty(), &b, 1000, soon())
            .await
            .unwrap_err();
        assert!(matches!(err, BodyError::BadLength | BodyError::TooLarge(_)));
        let err = read(&headers(Some("x")), Body::empty(), &b, 1000, soon())
            .await
            .unwrap_err();
        assert!(matches!(err, BodyError::BadLength));
        assert_eq!(b.used(), 0);
    }

    #[tokio::test]
    async fn a_body_that_does_not_fit_the_budget_is_refused() {
        let b = budget(100);
        let err = read(
            &headers(Some("60")),
            Body::from(vec![b'x'; 60]),
            &b,
            1000,
            soon(),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, BodyError::Budget), "60 > large pool 50");
        // Without a declared length the lease grows until the budget refuses.
        let err = read(&headers(None), Body::from(vec![b'x'; 60]), &b, 1000, soon())
            .await
            .unwrap_err();
        assert!(matches!(err, BodyError::Budget));
        assert_eq!(b.used(), 0, "refused bodies give their bytes back");
        let ok = read(&headers(None), Body::from(vec![b'x'; 40]), &b, 1000, soon())
            .await
            .unwrap();
        assert_eq!(ok.bytes.len(), 40);
        assert_eq!(b.used(), ok.lease.bytes());
    }

    #[tokio::test]
    async fn an_undeclared_body_over_the_limit_is_refused() {
        let err = read(
            &headers(None),
            Body::from(vec![0; 2000]),
            &budget(1 << 20),
            1000,
            soon(),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, BodyError::TooLarge(1000)));
    }
}
