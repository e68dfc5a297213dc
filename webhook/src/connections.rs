//! The open connections of one port: a limit, and timeouts for connections
//! with no request in flight.
//!
//! At the limit a new connection is not refused: the connection idle the
//! longest is closed to make room (an attacker holding idle connections could
//! otherwise lock the API server out). Only when every connection has a
//! request in flight is the new one closed at once. A connection with no
//! request in flight is closed after the idle timeout; before its first
//! request the (shorter) header timeout applies.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use seccomp_webhook::metrics::Metrics;

/// Why a connection was closed by the server (a metric label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Idle the longest when a new connection needed room.
    Evicted,
    /// No request in flight for the idle timeout.
    Idle,
    /// Every connection was busy at the limit.
    Refused,
}

impl Closed {
    pub fn as_str(self) -> &'static str {
        match self {
            Closed::Evicted => "evicted",
            Closed::Idle => "idle",
            Closed::Refused => "refused",
        }
    }
}

#[derive(Debug)]
pub struct Connections {
    /// The port's name in metrics (`admission` or `probe`).
    port: &'static str,
    limit: usize,
    idle_timeout: Duration,
    first_request_timeout: Duration,
    table: Mutex<Table>,
    drained: Notify,
    metrics: Arc<Metrics>,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    open: HashMap<u64, Arc<Shared>>,
}

/// What a connection task and the table share.
#[derive(Debug)]
struct Shared {
    busy: AtomicU32,
    /// When the last request ended (or the connection opened).
    idle_since: Mutex<Instant>,
    /// At least one request started.
    served: AtomicBool,
    close: Notify,
}

impl Shared {
    fn idle_since(&self) -> Instant {
        *self
            .idle_since
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Connections {
    pub fn new(
        port: &'static str,
        limit: usize,
        idle_timeout: Duration,
        first_request_timeout: Duration,
        metrics: Arc<Metrics>,
    ) -> Arc<Connections> {
        Arc::new(Connections {
            port,
            limit: limit.max(1),
            idle_timeout,
            first_request_timeout,
            table: Mutex::new(Table::default()),
            drained: Notify::new(),
            metrics,
        })
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn count(&self) -> usize {
        self.table().open.len()
    }

    /// Registers a new connection, closing the longest-idle one if the limit
    /// is reached. `None`: every open connection is busy; close the new one.
    pub fn admit(self: &Arc<Self>) -> Option<Tracked> {
        let mut table = self.table();
        if table.open.len() >= self.limit {
            let oldest_idle = table
                .open
                .iter()
                .filter(|(_, c)| c.busy.load(Ordering::Acquire) == 0)
                .min_by_key(|(_, c)| c.idle_since())
                .map(|(id, _)| *id);
            let Some(id) = oldest_idle else {
                drop(table);
                self.count_closed(Closed::Refused);
                return None;
            };
            if let Some(evicted) = table.open.remove(&id) {
                evicted.close.notify_one();
                self.count_closed(Closed::Evicted);
            }
        }
        let id = table.next_id;
        table.next_id += 1;
        let shared = Arc::new(Shared {
            busy: AtomicU32::new(0),
            idle_since: Mutex::new(Instant::now()),
            served: AtomicBool::new(false),
            close: Notify::new(),
        });
        table.open.insert(id, shared.clone());
        self.gauge(table.open.len());
        Some(Tracked {
            connections: self.clone(),
            id,
            shared,
        })
    }

    /// Asks every open connection to finish its requests and close.
    pub fn close_all(&self) {
        for connection in self.table().open.values() {
            connection.close.notify_one();
        }
    }

    /// Waits until no connection is open.
    pub async fn drained(&self) {
        loop {
            let notified = self.drained.notified();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }

    fn count_closed(&self, why: Closed) {
        self.metrics.connection_closed(self.port, why.as_str());
    }

    fn gauge(&self, open: usize) {
        self.metrics.open_connections(self.port, open);
    }
}

/// One registered connection; deregistered when dropped.
#[derive(Debug)]
pub struct Tracked {
    connections: Arc<Connections>,
    id: u64,
    shared: Arc<Shared>,
}

impl Tracked {
    /// Marks requests in flight (held by the connection's service).
    pub fn requests(&self) -> RequestCounter {
        RequestCounter(self.shared.clone())
    }

    /// Resolves when the connection should close: asked to (evicted, shutdown)
    /// or idle for too long. Tells which.
    pub async fn until_closing(&self) -> Option<Closed> {
        tokio::select! {
            () = self.shared.close.notified() => None,
            () = self.idle_expired() => {
                self.connections.count_closed(Closed::Idle);
                Some(Closed::Idle)
            }
        }
    }

    async fn idle_expired(&self) {
        let shared = &self.shared;
        loop {
            let timeout = if shared.served.load(Ordering::Acquire) {
                self.connections.idle_timeout
            } else {
                self.connections.first_request_timeout
            };
            let now = Instant::now();
            let deadline = if shared.busy.load(Ordering::Acquire) > 0 {
                // Busy: look again once a request could have been idle that long.
                now + timeout
            } else {
                shared.idle_since() + timeout
            };
            if deadline <= now {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let mut table = self.connections.table();
        table.open.remove(&self.id);
        let open = table.open.len();
        drop(table);
        self.connections.gauge(open);
        if open == 0 {
            self.connections.drained.notify_waiters();
        }
    }
}

/// Starts requests on one connection (held by its service).
#[derive(Debug, Clone)]
pub struct RequestCounter(Arc<Shared>);

impl RequestCounter {
    pub fn start(&self) -> Busy {
        self.0.served.store(true, Ordering::Release);
        self.0.busy.fetch_add(1, Ordering::AcqRel);
        Busy(self.0.clone())
    }
}

/// A request in flight; the connection is idle again once all are dropped.
#[derive(Debug)]
pub struct Busy(Arc<Shared>);

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.busy.fetch_sub(1, Ordering::AcqRel) == 1 {
            *self
                .0
                .idle_since
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn connections(limit: usize) -> Arc<Connections> {
        Connections::new(
            "test",
            limit,
            Duration::from_secs(60),
            Duration::from_secs(5),
            Arc::new(Metrics::new()),
        )
    }

    #[tokio::test]
    async fn the_longest_idle_connection_makes_room() {
        let c = connections(3);
        let a = c.admit().unwrap();
        let b = c.admit().unwrap();
        let d = c.admit().unwrap();
        // b served a request later than a; d is busy.
        std::thread::sleep(Duration::from_millis(2));
        drop(b.requests().start());
        let _busy = d.requests().start();
        let e = c.admit().unwrap();
        assert_eq!(c.count(), 3);
        // a was asked to close (its notification is stored), not b.
        assert_eq!(a.until_closing().await, None);
        let f = c.admit().unwrap();
        assert_eq!(b.until_closing().await, None);
        drop((e, f));
        assert_eq!(c.count(), 1, "only d");
    }

    #[tokio::test]
    async fn a_new_connection_is_refused_only_when_all_are_busy() {
        let c = connections(2);
        let a = c.admit().unwrap();
        let b = c.admit().unwrap();
        let _busy = (a.requests().start(), b.requests().start());
        assert!(c.admit().is_none());
        assert_eq!(c.count(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn idle_connections_time_out_busy_ones_do_not() {
        let c = Connections::new(
            "test",
            10,
            Duration::from_secs(60),
            Duration::from_secs(5),
            Arc::new(Metrics::new()),
        );
        let fresh = c.admit().unwrap();
        let started = Instant::now();
        // Never sent a request: the first-request timeout.
        assert_eq!(fresh.until_closing().await, Some(Closed::Idle));
        assert_eq!(started.elapsed(), Duration::from_secs(5));

        let busy = c.admit().unwrap();
        let request = busy.requests().start();
        let waiting = tokio::spawn(async move {
            let why = busy.until_closing().await;
            (why, Instant::now())
        });
        tokio::time::sleep(Duration::from_secs(300)).await;
        assert!(!waiting.is_finished(), "a busy connection is never idle");
        let released = Instant::now();
        drop(request);
        let (why, at) = waiting.await.unwrap();
        assert_eq!(why, Some(Closed::Idle));
        assert!(
            at - released >= Duration::from_secs(60),
            "{:?}",
            at - released
        );
    }

    #[tokio::test]
    async fn drained_waits_for_the_last_connection() {
        let c = connections(4);
        let a = c.admit().unwrap();
        c.close_all();
        assert_eq!(a.until_closing().await, None);
        let waiter = {
            let c = c.clone();
            tokio::spawn(async move { c.drained().await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(a);
        waiter.await.unwrap();
    }
}
