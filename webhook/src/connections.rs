//! The open connections of one port: a limit, and timeouts for connections
//! with no request in flight.
//!
//! At the limit a new connection is not refused: an idle connection is
//! closed to make room (an attacker holding idle connections could otherwise
//! lock the API server out). The one closed has served the fewest requests,
//! and of those the one idle the longest: an attacker opening connections
//! faster than the API server sends reviews does not close the API server's
//! kept-alive connection, which has served more than any of them. Only when
//! every connection has a request in flight is the new one closed at once.
//!
//! A connection closed to make room still holds its socket until its task has
//! run: under a flood of new connections, many can be closing at once. They
//! count against the open-file limit until they are gone, up to the closing
//! allowance (`resources::closing_allowance`). Beyond it the accept loop
//! waits (up to [`CLOSING_WAIT`]) for one of them to be gone before it takes
//! the new connection, and new ones wait in the kernel's backlog meanwhile:
//! the process never runs out of file descriptors (which would stop the
//! probe port from accepting as well), and a flood of connections is slowed
//! to the pace at which closed ones go, not refused. A connection with no
//! request in flight is closed after the idle timeout; before its first
//! request the (shorter) header timeout applies.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use seccomp_webhook::metrics::Metrics;
use seccomp_webhook::resources::closing_allowance;

/// Why a connection was closed by the server (a metric label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Closed to make room for a new connection (fewest requests served, idle the longest).
    Evicted,
    /// No request in flight for the idle timeout.
    Idle,
    /// Every connection was busy at the limit, or too many were still closing.
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

/// How long a new connection waits for a closing one to be gone, past the
/// closing allowance, before it is closed at once: longer than an evicted
/// connection's grace ([`EVICTED_GRACE`]).
pub const CLOSING_WAIT: Duration = Duration::from_secs(1);

/// How long a connection closed to make room (or for being idle) may take
/// to finish closing (an HTTP/2 GOAWAY exchange) before its socket is
/// dropped. It has no request in flight.
pub const EVICTED_GRACE: Duration = Duration::from_millis(50);

#[derive(Debug)]
pub struct Connections {
    /// The port's name in metrics (`admission` or `probe`).
    port: &'static str,
    limit: usize,
    /// Connections closed to make room whose sockets may still be open.
    closing_limit: usize,
    idle_timeout: Duration,
    first_request_timeout: Duration,
    table: Mutex<Table>,
    /// What `Shared::idle_since` counts from.
    epoch: Instant,
    drained: Notify,
    /// Signalled when a connection closed to make room is gone.
    closed_one: Notify,
    metrics: Arc<Metrics>,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    open: HashMap<u64, Arc<Shared>>,
    /// Closed to make room, not yet dropped.
    closing: usize,
}

/// What a connection task and the table share.
#[derive(Debug)]
struct Shared {
    busy: AtomicU32,
    /// When the last request ended (or the connection opened), in
    /// microseconds since the port's epoch: read for every open connection
    /// when one must make room, so without a lock.
    idle_since: AtomicU64,
    /// Requests started on the connection.
    served: AtomicU64,
    /// Closed to make room (counted in `Table::closing` until dropped).
    evicted: AtomicBool,
    close: Notify,
    epoch: Instant,
}

impl Shared {
    fn idle_since(&self) -> Instant {
        self.epoch + Duration::from_micros(self.idle_since.load(Ordering::Acquire))
    }

    fn mark_idle(&self) {
        let micros = u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.idle_since.store(micros, Ordering::Release);
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
            closing_limit: closing_allowance(limit.max(1)),
            idle_timeout,
            first_request_timeout,
            table: Mutex::new(Table::default()),
            epoch: Instant::now(),
            drained: Notify::new(),
            closed_one: Notify::new(),
            metrics,
        })
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Open connections, not counting those closed to make room.
    pub fn count(&self) -> usize {
        self.table().open.len()
    }

    /// Connections closed to make room whose tasks have not ended yet.
    pub fn closing(&self) -> usize {
        self.table().closing
    }

    /// Registers a new connection, closing an idle one if the limit is
    /// reached: the one that served the fewest requests, idle the longest of
    /// those. Past the closing allowance, first waits for a closing one to
    /// be gone (up to [`CLOSING_WAIT`]). `None`: every open connection is
    /// busy, or none finished closing in time; close the new one.
    pub async fn admit(self: &Arc<Self>) -> Option<Tracked> {
        let deadline = Instant::now() + CLOSING_WAIT;
        loop {
            // Created before the attempt: a connection gone in between wakes it.
            let closed_one = self.closed_one.notified();
            match self.try_admit() {
                Attempt::Admitted(tracked) => return Some(tracked),
                Attempt::AllBusy => break,
                Attempt::TooManyClosing => {
                    if tokio::time::timeout_at(deadline, closed_one).await.is_err() {
                        break;
                    }
                }
            }
        }
        self.count_closed(Closed::Refused);
        None
    }

    fn try_admit(self: &Arc<Self>) -> Attempt {
        let mut table = self.table();
        if table.open.len() >= self.limit {
            if table.closing >= self.closing_limit {
                return Attempt::TooManyClosing;
            }
            let least_useful_idle = table
                .open
                .iter()
                .filter(|(_, c)| c.busy.load(Ordering::Acquire) == 0)
                .min_by_key(|(_, c)| {
                    (
                        c.served.load(Ordering::Acquire),
                        c.idle_since.load(Ordering::Acquire),
                    )
                })
                .map(|(id, _)| *id);
            let Some(id) = least_useful_idle else {
                return Attempt::AllBusy;
            };
            if let Some(evicted) = table.open.remove(&id) {
                evicted.evicted.store(true, Ordering::Release);
                table.closing += 1;
                evicted.close.notify_one();
                self.count_closed(Closed::Evicted);
            }
        }
        let id = table.next_id;
        table.next_id += 1;
        let shared = Arc::new(Shared {
            busy: AtomicU32::new(0),
            idle_since: AtomicU64::new(0),
            served: AtomicU64::new(0),
            evicted: AtomicBool::new(false),
            close: Notify::new(),
            epoch: self.epoch,
        });
        shared.mark_idle();
        table.open.insert(id, shared.clone());
        self.gauge(table.open.len());
        Attempt::Admitted(Tracked {
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
            let open = {
                let table = self.table();
                table.open.len() + table.closing
            };
            if open == 0 {
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

enum Attempt {
    Admitted(Tracked),
    AllBusy,
    TooManyClosing,
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

    /// Resolves when the connection should close: closed to make room
    /// (`Evicted`), idle for too long (`Idle`), or asked to by the shutdown
    /// (`None`).
    pub async fn until_closing(&self) -> Option<Closed> {
        tokio::select! {
            () = self.shared.close.notified() => {
                self.shared.evicted.load(Ordering::Acquire).then_some(Closed::Evicted)
            }
            () = self.idle_expired() => {
                self.connections.count_closed(Closed::Idle);
                Some(Closed::Idle)
            }
        }
    }

    async fn idle_expired(&self) {
        let shared = &self.shared;
        loop {
            let timeout = if shared.served.load(Ordering::Acquire) > 0 {
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
        let evicted = self.shared.evicted.load(Ordering::Acquire);
        if evicted {
            table.closing = table.closing.saturating_sub(1);
        } else {
            table.open.remove(&self.id);
        }
        let open = table.open.len();
        let left = open + table.closing;
        drop(table);
        if evicted {
            self.connections.closed_one.notify_waiters();
        }
        self.connections.gauge(open);
        if left == 0 {
            self.connections.drained.notify_waiters();
        }
    }
}

/// Starts requests on one connection (held by its service).
#[derive(Debug, Clone)]
pub struct RequestCounter(Arc<Shared>);

impl RequestCounter {
    pub fn start(&self) -> Busy {
        self.0.served.fetch_add(1, Ordering::AcqRel);
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
            self.0.mark_idle();
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
    async fn of_equally_used_connections_the_longest_idle_makes_room() {
        let c = connections(3);
        let a = c.admit().await.unwrap();
        let b = c.admit().await.unwrap();
        let d = c.admit().await.unwrap();
        // a and b served a request each, b later; d is busy.
        drop(a.requests().start());
        std::thread::sleep(Duration::from_millis(2));
        drop(b.requests().start());
        let _busy = d.requests().start();
        let e = c.admit().await.unwrap();
        assert_eq!(c.count(), 3);
        // a was asked to close (its notification is stored), not b.
        assert_eq!(a.until_closing().await, Some(Closed::Evicted));
        drop(a);
        // e has served nothing yet: it goes before b.
        let f = c.admit().await.unwrap();
        assert_eq!(e.until_closing().await, Some(Closed::Evicted));
        drop(e);
        let g = c.admit().await.unwrap();
        assert_eq!(f.until_closing().await, Some(Closed::Evicted));
        drop((f, g));
        assert_eq!(c.count(), 2, "b and d");
    }

    /// The API server's kept-alive connection, idle for a moment between
    /// reviews, is not closed for an attacker's flood of new connections
    /// that never send a request, however recently they opened.
    #[tokio::test]
    async fn a_connection_that_served_requests_outlives_newer_ones_that_did_not() {
        let c = connections(3);
        let api_server = c.admit().await.unwrap();
        drop(api_server.requests().start());
        drop(api_server.requests().start());
        let once = c.admit().await.unwrap();
        drop(once.requests().start());
        std::thread::sleep(Duration::from_millis(2));
        // Each new idle connection makes room for the next one (once the one
        // before has closed); the two that served requests stay.
        let mut last = c.admit().await.unwrap();
        for _ in 0..4 {
            let next = c.admit().await.unwrap();
            assert_eq!(last.until_closing().await, Some(Closed::Evicted));
            last = next;
        }
        assert_eq!(c.count(), 3);
        let still_open = tokio::time::timeout(Duration::from_millis(50), async {
            tokio::join!(api_server.until_closing(), once.until_closing())
        });
        assert!(
            still_open.await.is_err(),
            "a connection that served requests was closed"
        );
    }

    /// 1,010 idle connections at nofile 1024 stopped both ports from
    /// accepting: connections closed to make room still held their sockets.
    /// Those count until dropped; past the allowance a new one waits for one
    /// of them to be gone, and is closed if none goes in time (the clock is
    /// paused: tokio's time advances only while every task waits).
    #[tokio::test(start_paused = true)]
    async fn connections_still_closing_count_until_they_are_gone() {
        let c = connections(16);
        assert_eq!(closing_allowance(16), 16);
        let mut open = Vec::new();
        for _ in 0..32 {
            open.push(c.admit().await.unwrap());
            // Each idle a little longer than the next: on the paused clock
            // they would all tie, and which of them makes room would be
            // the table's (random) order.
            tokio::time::advance(Duration::from_millis(1)).await;
        }
        assert_eq!((c.count(), c.closing()), (16, 16));
        let waiting = {
            let c = c.clone();
            tokio::spawn(async move { c.admit().await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "admitted past the closing allowance"
        );
        // The evicted one (the first, idle the longest) ends: room again.
        assert_eq!(open[0].until_closing().await, Some(Closed::Evicted));
        drop(open.remove(0));
        let _next = waiting.await.unwrap().expect("admitted once one is gone");
        assert_eq!((c.count(), c.closing()), (16, 16));
        // Nothing else goes: the next is closed after the wait.
        let started = Instant::now();
        assert!(c.admit().await.is_none());
        assert_eq!(started.elapsed(), CLOSING_WAIT);
    }

    #[tokio::test]
    async fn a_new_connection_is_refused_only_when_all_are_busy() {
        let c = connections(2);
        let a = c.admit().await.unwrap();
        let b = c.admit().await.unwrap();
        let _busy = (a.requests().start(), b.requests().start());
        assert!(c.admit().await.is_none());
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
        let fresh = c.admit().await.unwrap();
        let started = Instant::now();
        // Never sent a request: the first-request timeout.
        assert_eq!(fresh.until_closing().await, Some(Closed::Idle));
        assert_eq!(started.elapsed(), Duration::from_secs(5));

        let busy = c.admit().await.unwrap();
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
        let a = c.admit().await.unwrap();
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
