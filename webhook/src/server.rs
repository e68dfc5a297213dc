//! The accept loops of both ports: TLS (admission) or plain TCP (metrics and
//! probes), then HTTP/1.1 or HTTP/2 (hyper-util auto), each connection
//! registered in its port's [`Connections`] (limit, idle timeouts), with
//! graceful draining when told to stop.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tracing::{debug, info, warn};

use crate::connections::{Connections, RequestCounter, Tracked, EVICTED_GRACE};
use seccomp_webhook::tls::ServerTls;

#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// Limit for the TLS handshake and for reading request headers.
    pub header_timeout: Duration,
    /// Concurrent HTTP/2 streams per connection.
    pub max_streams: u32,
    /// How long in-flight requests may take to finish once draining starts.
    pub drain_timeout: Duration,
}

/// One port: where it listens, how connections are secured, what serves them.
pub struct Port {
    pub name: &'static str,
    pub listener: TcpListener,
    /// `None`: plain HTTP.
    pub tls: Option<Arc<ServerTls>>,
    pub router: Router,
    pub connections: Arc<Connections>,
    pub options: ServeOptions,
}

/// Serves `port` until `stop` turns true, then stops accepting, lets open
/// connections finish their in-flight requests, and returns.
pub async fn serve(port: Port, mut stop: watch::Receiver<bool>) {
    let builder = Arc::new(http_builder(&port.options));
    let service = TowerToHyperService::new(port.router);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = port.listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Typically EMFILE: back off instead of spinning.
                    warn!(port = port.name, error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        // At the limit an idle connection (the least used) is closed to make room;
        // only when all are busy is this one closed at once.
        let Some(tracked) = port.connections.admit().await else {
            debug!(port = port.name, %peer, "every connection busy: closing the new one");
            continue;
        };
        let tls = port.tls.as_ref().map(|t| TlsAcceptor::from(t.current()));
        let connection = Connection {
            builder: builder.clone(),
            service: service.clone(),
            tracked,
            options: port.options,
        };
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => connection.serve_tls(acceptor, tcp, peer).await,
                None => connection.serve(tcp, peer).await,
            }
        });
    }
    drop(port.listener);
    info!(
        port = port.name,
        connections = port.connections.count(),
        closing = port.connections.closing(),
        "stopped accepting; draining open connections"
    );
    port.connections.close_all();
    let drained = tokio::time::timeout(port.options.drain_timeout, port.connections.drained());
    if drained.await.is_err() {
        warn!(
            port = port.name,
            "drain timeout reached; closing remaining connections"
        );
    }
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    // A closed channel means nobody can stop us: serve on.
    if stop.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn http_builder(options: &ServeOptions) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout)
        .keep_alive(true)
        // Headers and body chunks are read through this buffer: bounded per connection.
        .max_buf_size(64 * 1024);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(options.max_streams)
        .initial_stream_window_size(256 * 1024)
        .initial_connection_window_size(1024 * 1024)
        .keep_alive_interval(Some(Duration::from_secs(30)));
    builder
}

type Service = TowerToHyperService<Router>;

struct Connection {
    builder: Arc<auto::Builder<TokioExecutor>>,
    service: Service,
    tracked: Tracked,
    options: ServeOptions,
}

impl Connection {
    async fn serve_tls(self, acceptor: TlsAcceptor, tcp: TcpStream, peer: std::net::SocketAddr) {
        let handshake = tokio::time::timeout(self.options.header_timeout, acceptor.accept(tcp));
        let tls = tokio::select! {
            done = handshake => match done {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    debug!(%peer, "TLS handshake timed out");
                    return;
                }
            },
            // Evicted (or shut down) during the handshake.
            _ = self.tracked.until_closing() => return,
        };
        self.serve(tls, peer).await;
    }

    async fn serve<I>(self, io: I, peer: std::net::SocketAddr)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let service = Counted {
            inner: self.service,
            requests: self.tracked.requests(),
        };
        let conn = self
            .builder
            .serve_connection(TokioIo::new(io), service)
            .into_owned();
        tokio::pin!(conn);
        let result = tokio::select! {
            result = conn.as_mut() => result,
            why = self.tracked.until_closing() => {
                debug!(%peer, reason = ?why, "closing connection");
                conn.as_mut().graceful_shutdown();
                // Evicted or idle: no request in flight, a short grace for the
                // GOAWAY; shutting down: in-flight requests finish.
                let grace = match why {
                    Some(_) => EVICTED_GRACE,
                    None => self.options.drain_timeout,
                };
                match tokio::time::timeout(grace, conn.as_mut()).await {
                    Ok(result) => result,
                    Err(_) => Ok(()),
                }
            }
        };
        if let Err(e) = result {
            debug!(%peer, error = %e, "connection ended with an error");
        }
    }
}

/// The router, counting each request in flight on its connection.
#[derive(Clone)]
struct Counted {
    inner: Service,
    requests: RequestCounter,
}

impl hyper::service::Service<Request<Incoming>> for Counted {
    type Response = <Service as hyper::service::Service<Request<Incoming>>>::Response;
    type Error = <Service as hyper::service::Service<Request<Incoming>>>::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let busy = self.requests.start();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await;
            drop(busy);
            response
        })
    }
}
