//! The attacker's and the probe's connections: the integration tests' client
//! (`seccomp_test_support::client`), with the TLS configurations built
//! once.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use rustls::ClientConfig;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::client::{plain_get as get, tls_config, tls_connect};
pub use crate::client::{Conn, Proto};

#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub metrics: SocketAddr,
    h1: Arc<ClientConfig>,
    h2: Arc<ClientConfig>,
}

impl Target {
    pub fn new(addr: SocketAddr, metrics: SocketAddr, ca_pem: &str) -> Target {
        Target {
            addr,
            metrics,
            h1: tls_config(ca_pem, None, Proto::H1),
            h2: tls_config(ca_pem, None, Proto::H2),
        }
    }

    fn config(&self, proto: Proto) -> Arc<ClientConfig> {
        match proto {
            Proto::H1 => self.h1.clone(),
            Proto::H2 => self.h2.clone(),
        }
    }

    pub async fn tls(&self, proto: Proto) -> std::io::Result<TlsStream<TcpStream>> {
        tls_connect(self.addr, self.config(proto)).await
    }

    pub async fn conn(&self, proto: Proto) -> Result<Conn, String> {
        Conn::open(self.addr, self.config(proto)).await
    }
}

/// POSTs `body` to /mutate; the status, or an error text.
pub async fn post(conn: &mut Conn, body: impl Into<Body>) -> Result<u16, String> {
    conn.request("POST", "/mutate", body)
        .await
        .map(|r| r.status.as_u16())
}

/// GET `path` on the plain metrics port over a fresh connection, as the kubelet probes.
pub async fn plain_get(addr: SocketAddr, path: &str) -> Result<u16, String> {
    get(addr, path).await.map(|r| r.status.as_u16())
}
