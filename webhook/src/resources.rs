//! The resource model: every bound of the server derived from two inputs the
//! chart also holds — the container's memory limit (passed by the chart with
//! the downward API) and the API server's `timeoutSeconds` (passed as
//! `--request-timeout-seconds`) — plus the open-file limit. docs/webhook.md
//! explains the model; its unit tests check that the parts add up.

use std::time::Duration;

use seccomp_core::Limits;

use crate::budget::BudgetShares;

pub const MIB: u64 = 1024 * 1024;

/// Memory limit assumed without `--memory-limit-bytes`: the chart's default.
pub const DEFAULT_MEMORY_LIMIT: u64 = 128 * MIB;
/// The smallest memory limit the model fits in.
pub const MIN_MEMORY_LIMIT: u64 = 64 * MIB;
/// Memory beyond this is not planned for (a pod without a limit gets the
/// node's allocatable memory from the downward API).
pub const MAX_MODEL_MEMORY: u64 = 2048 * MIB;
/// Process, runtime, TLS configuration, metrics and allocator caches, measured
/// under load with headroom (bench/webhook.sh reports 23 MiB at peak throughput).
pub const BASE_BYTES: u64 = 24 * MIB;
/// One open connection (TLS session, HTTP buffers, task); idle ones measure
/// about 11 KiB (bench/webhook-stress.sh).
pub const CONNECTION_BYTES: u64 = 16 * 1024;
/// One decision in progress: the pruned object within [`Limits::DEFAULT`]
/// (1 MiB), the plan and the response.
pub const DECISION_BYTES: u64 = 3 * MIB / 2;
/// Requests up to this size use the budget's reserve.
pub const SMALL_BODY_BYTES: usize = 64 * 1024;
/// The largest body accepted by default (an AdmissionReview of an UPDATE holds
/// the object twice; the API server accepts 3 MiB per object).
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Sockets of the plain metrics/probe port: 64 open connections and their
/// closing allowance of 16.
pub const PROBE_SOCKETS: usize = 80;
/// Connections closed to make room that may still hold their socket, per
/// `limit` open ones (a sixteenth, at least 16 or `limit`): they count
/// against the open-file limit until the socket is gone, and beyond this
/// many a new connection waits for one of them to go (see `connections.rs`).
pub fn closing_allowance(limit: usize) -> usize {
    (limit / 16).max(limit.min(16))
}

/// File descriptors kept for everything but connections (listeners, epoll,
/// inotify, stdio, the blocking pool).
pub const RESERVED_FDS: u64 = 32;

/// `--request-timeout-seconds` without the flag (the API server's default `timeoutSeconds`).
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 10;
/// `--idle-timeout-seconds` without the flag.
pub const DEFAULT_IDLE_TIMEOUT_SECONDS: u64 = 60;
/// The usual soft open-file limit, for [`Inputs::default`].
pub const DEFAULT_OPEN_FILES: u64 = 1024;

/// What the operator (or the chart) gave.
#[derive(Debug, Clone, Copy)]
pub struct Inputs {
    pub memory_limit: u64,
    pub request_timeout: Duration,
    pub idle_timeout: Duration,
    /// `--max-body-bytes`, if given.
    pub max_body_bytes: Option<usize>,
    /// `--max-concurrency`, if given.
    pub max_concurrency: Option<u32>,
    /// `--max-connections`, if given.
    pub max_connections: Option<usize>,
    /// The soft `RLIMIT_NOFILE` in force (after raising it to the hard limit).
    pub open_files: u64,
}

/// The flags' defaults, with [`DEFAULT_OPEN_FILES`] open files.
impl Default for Inputs {
    fn default() -> Self {
        Inputs {
            memory_limit: DEFAULT_MEMORY_LIMIT,
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECONDS),
            idle_timeout: Duration::from_secs(DEFAULT_IDLE_TIMEOUT_SECONDS),
            max_body_bytes: None,
            max_concurrency: None,
            max_connections: None,
            open_files: DEFAULT_OPEN_FILES,
        }
    }
}

/// Every bound the server runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    pub memory_limit: u64,
    pub budget: BudgetShares,
    pub max_body_bytes: usize,
    /// Decisions (parse, plan, respond) in progress at once.
    pub slots: u32,
    /// Concurrent HTTP/2 streams per connection: a quarter of the slots.
    pub streams_per_connection: u32,
    /// Open connections on the admission port; the least-used idle one is closed
    /// to make room for a new one.
    pub connections: usize,
    /// Open connections on the metrics/probe port.
    pub probe_connections: usize,
    /// TLS handshake plus request headers (and the first request after a
    /// handshake): half the request timeout, at most 5 s.
    pub header_timeout: Duration,
    /// Reading one body: half the request timeout, so that a slow body is
    /// given up before the API server gives up on the request.
    pub body_timeout: Duration,
    /// Reading and answering one request: the API server's `timeoutSeconds`.
    pub request_timeout: Duration,
    /// A connection with no request in flight for this long is closed.
    pub idle_timeout: Duration,
    /// Caps on what one object may make the webhook build.
    pub limits: Limits,
}

/// Flags that do not fit the memory limit or each other.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    #[error("--memory-limit-bytes {0} is below the minimum of {MIN_MEMORY_LIMIT} (64 MiB)")]
    MemoryTooSmall(u64),
    #[error("--max-body-bytes {0} does not fit the large-body budget of {1} bytes (a quarter of the memory limit, minus the reserve); raise the memory limit")]
    BodyTooLarge(usize, usize),
    #[error("--max-concurrency {0} needs {1} MiB for decisions, more than the {2} MiB the memory limit leaves for them")]
    TooManySlots(u32, u64, u64),
    #[error("--max-connections {0} needs {1} MiB, more than the {2} MiB the memory limit leaves for connections")]
    TooManyConnections(usize, u64, u64),
    #[error(
        "the open-file limit {0} leaves no room for connections (need more than {RESERVED_FDS})"
    )]
    TooFewFiles(u64),
}

impl Model {
    /// Derives every bound. Memory shares: a quarter for request bodies (of
    /// which a quarter is the reserve for small ones), three sixteenths for
    /// decisions, an eighth for connections, the base, and the rest headroom.
    pub fn derive(inputs: Inputs) -> Result<Model, ModelError> {
        if inputs.memory_limit < MIN_MEMORY_LIMIT {
            return Err(ModelError::MemoryTooSmall(inputs.memory_limit));
        }
        let m = inputs.memory_limit.min(MAX_MODEL_MEMORY);
        let total = to_usize(m / 4);
        let reserve = total / 4;
        let budget = BudgetShares {
            total,
            large: total - reserve,
            small_bytes: SMALL_BODY_BYTES,
        };
        let max_body_bytes = match inputs.max_body_bytes {
            Some(n) if n > budget.large => return Err(ModelError::BodyTooLarge(n, budget.large)),
            Some(n) => n,
            None => DEFAULT_MAX_BODY_BYTES.min(budget.large),
        };

        let decision_share = m * 3 / 16;
        let slots = match inputs.max_concurrency {
            Some(n) if u64::from(n) * DECISION_BYTES > decision_share => {
                return Err(ModelError::TooManySlots(
                    n,
                    u64::from(n) * DECISION_BYTES / MIB,
                    decision_share / MIB,
                ))
            }
            Some(n) => n,
            None => u32::try_from(decision_share / DECISION_BYTES).unwrap_or(u32::MAX),
        };

        let connection_share = m / 8;
        let (fd_connections, probe_connections) = fd_shares(inputs.open_files)?;
        let connections = match inputs.max_connections {
            Some(n) if n as u64 * CONNECTION_BYTES > connection_share => {
                return Err(ModelError::TooManyConnections(
                    n,
                    n as u64 * CONNECTION_BYTES / MIB,
                    connection_share / MIB,
                ))
            }
            Some(n) => n,
            // The share pays for both ports' sockets.
            None => {
                fitting(to_usize(connection_share / CONNECTION_BYTES).saturating_sub(PROBE_SOCKETS))
            }
        }
        .min(fitting(fd_connections));

        let half = (inputs.request_timeout / 2).max(Duration::from_secs(1));
        Ok(Model {
            memory_limit: inputs.memory_limit,
            budget,
            max_body_bytes,
            slots,
            streams_per_connection: (slots / 4).max(1),
            connections,
            probe_connections,
            header_timeout: half.min(Duration::from_secs(5)),
            body_timeout: half,
            request_timeout: inputs.request_timeout,
            idle_timeout: inputs.idle_timeout,
            limits: Limits::DEFAULT,
        })
    }

    #[cfg(test)]
    fn with_memory(mut self, memory_limit: u64) -> Model {
        self.memory_limit = memory_limit;
        self
    }

    /// The memory the model accounts for at its bounds (all but headroom).
    pub fn accounted_bytes(&self) -> u64 {
        BASE_BYTES
            + self.budget.total as u64
            + u64::from(self.slots) * DECISION_BYTES
            + (self.connections
                + closing_allowance(self.connections)
                + self.probe_connections
                + closing_allowance(self.probe_connections)) as u64
                * CONNECTION_BYTES
    }
}

/// File descriptors the open-file limit leaves for the admission port's
/// connections, and the probe port's connection limit; each port's share
/// includes its closing allowance.
fn fd_shares(open_files: u64) -> Result<(usize, usize), ModelError> {
    let usable = to_usize(open_files.saturating_sub(RESERVED_FDS));
    let probe_fds = (usable / 8).clamp(2, PROBE_SOCKETS);
    if usable < probe_fds + 2 {
        return Err(ModelError::TooFewFiles(open_files));
    }
    Ok((usable - probe_fds, fitting(probe_fds)))
}

/// The most connections whose closing allowance still fits in `fds`.
fn fitting(fds: usize) -> usize {
    let mut n = (fds * 16 / 17).max(1);
    while n > 1 && n + closing_allowance(n) > fds {
        n -= 1;
    }
    n
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn inputs(memory_limit: u64) -> Inputs {
        Inputs {
            memory_limit,
            request_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(60),
            max_body_bytes: None,
            max_concurrency: None,
            max_connections: None,
            open_files: 1 << 20,
        }
    }

    #[test]
    fn the_chart_default_fits_with_headroom() {
        let m = Model::derive(inputs(DEFAULT_MEMORY_LIMIT)).unwrap();
        assert_eq!(m.budget.total, 32 * MIB as usize);
        assert_eq!(m.budget.large, 24 * MIB as usize);
        assert_eq!(m.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
        assert_eq!(m.slots, 16);
        assert_eq!(m.streams_per_connection, 4);
        // 1,024 sockets' worth: 888 open and 55 closing to make room on the
        // HTTPS port, 64 and 16 on the probe port.
        assert_eq!(m.connections, 888);
        assert_eq!(m.probe_connections, 64);
        assert_eq!(m.header_timeout, Duration::from_millis(2500));
        assert_eq!(m.body_timeout, Duration::from_millis(2500));
        // Base + bodies + decisions + connections leave a quarter as headroom.
        assert!(
            m.accounted_bytes() <= DEFAULT_MEMORY_LIMIT * 3 / 4 + MIB,
            "{}",
            m.accounted_bytes() / MIB
        );
    }

    #[test]
    fn every_memory_limit_from_the_minimum_up_fits() {
        for mib in [64, 96, 128, 256, 512, 2048] {
            let m = Model::derive(inputs(mib * MIB)).unwrap();
            assert!(
                m.accounted_bytes() < mib * MIB,
                "{mib} MiB: {}",
                m.accounted_bytes()
            );
            assert!(m.max_body_bytes <= m.budget.large);
            assert!(m.slots >= 1 && m.streams_per_connection * 2 <= m.slots.max(2));
            assert!(m.body_timeout < m.request_timeout + Duration::from_secs(1));
        }
        assert_eq!(
            Model::derive(inputs(32 * MIB)),
            Err(ModelError::MemoryTooSmall(32 * MIB))
        );
        // Without a limit the downward API gives the node's memory: not all planned for.
        let huge = Model::derive(inputs(256 * 1024 * MIB)).unwrap();
        assert_eq!(
            huge,
            Model::derive(inputs(MAX_MODEL_MEMORY))
                .unwrap()
                .with_memory(256 * 1024 * MIB)
        );
    }

    #[test]
    fn flags_that_do_not_fit_are_refused_with_the_reason() {
        let mut i = inputs(DEFAULT_MEMORY_LIMIT);
        i.max_body_bytes = Some(64 * MIB as usize);
        let err = Model::derive(i).unwrap_err();
        assert!(err.to_string().contains("--max-body-bytes"), "{err}");
        let mut i = inputs(DEFAULT_MEMORY_LIMIT);
        i.max_concurrency = Some(256);
        assert!(matches!(
            Model::derive(i),
            Err(ModelError::TooManySlots(256, ..))
        ));
        let mut i = inputs(DEFAULT_MEMORY_LIMIT);
        i.max_connections = Some(100_000);
        assert!(matches!(
            Model::derive(i),
            Err(ModelError::TooManyConnections(..))
        ));
        let mut i = inputs(DEFAULT_MEMORY_LIMIT);
        i.max_connections = Some(10);
        i.max_concurrency = Some(2);
        let m = Model::derive(i).unwrap();
        assert_eq!(
            (m.connections, m.slots, m.streams_per_connection),
            (10, 2, 1)
        );
    }

    #[test]
    fn connections_stay_below_the_open_file_limit() {
        let mut i = inputs(DEFAULT_MEMORY_LIMIT);
        i.open_files = 1024;
        let sockets = |m: &Model| {
            m.connections
                + closing_allowance(m.connections)
                + m.probe_connections
                + closing_allowance(m.probe_connections)
        };
        let m = Model::derive(i).unwrap();
        assert!(sockets(&m) + RESERVED_FDS as usize <= 1024, "{m:?}");
        assert_eq!(m.connections, 858);
        i.open_files = 128;
        let m = Model::derive(i).unwrap();
        assert_eq!(m.probe_connections, 6);
        assert_eq!(m.connections, 68);
        assert!(sockets(&m) + RESERVED_FDS as usize <= 128, "{m:?}");
        i.open_files = 20;
        assert_eq!(Model::derive(i), Err(ModelError::TooFewFiles(20)));
    }

    #[test]
    fn timeouts_follow_the_request_timeout() {
        let mut i = inputs(DEFAULT_MEMORY_LIMIT);
        i.request_timeout = Duration::from_secs(30);
        let m = Model::derive(i).unwrap();
        assert_eq!(m.header_timeout, Duration::from_secs(5));
        assert_eq!(m.body_timeout, Duration::from_secs(15));
        i.request_timeout = Duration::from_secs(1);
        let m = Model::derive(i).unwrap();
        assert_eq!(m.body_timeout, Duration::from_secs(1));
    }
}
