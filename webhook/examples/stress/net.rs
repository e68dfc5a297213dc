//! TLS and HTTP client pieces: rustls (ring) trusting the webhook's CA, raw
//! TLS streams for hand-written requests, and hyper keep-alive connections.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use hyper::client::conn::{http1, http2};
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Proto {
    H1,
    H2,
}

#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub metrics: SocketAddr,
    h1: Arc<ClientConfig>,
    h2: Arc<ClientConfig>,
}

impl Target {
    pub fn new(addr: SocketAddr, metrics: SocketAddr, ca_pem: &[u8]) -> Target {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem) {
            roots.add(cert.expect("CA PEM")).expect("CA certificate");
        }
        let config = |alpn: &[u8]| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("TLS versions")
                .with_root_certificates(roots.clone())
                .with_no_client_auth();
            config.alpn_protocols = vec![alpn.to_vec()];
            Arc::new(config)
        };
        Target {
            addr,
            metrics,
            h1: config(b"http/1.1"),
            h2: config(b"h2"),
        }
    }

    pub async fn tls(&self, proto: Proto) -> std::io::Result<TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(self.addr).await?;
        let config = match proto {
            Proto::H1 => self.h1.clone(),
            Proto::H2 => self.h2.clone(),
        };
        let name = ServerName::try_from("localhost").expect("server name");
        TlsConnector::from(config).connect(name, tcp).await
    }

    pub async fn conn(&self, proto: Proto) -> Result<Conn, String> {
        let io = TokioIo::new(self.tls(proto).await.map_err(|e| e.to_string())?);
        let sender = match proto {
            Proto::H1 => {
                let (sender, conn) = http1::handshake(io).await.map_err(|e| e.to_string())?;
                tokio::spawn(conn);
                Sender::H1(sender)
            }
            Proto::H2 => {
                let (sender, conn) = http2::handshake(TokioExecutor::new(), io)
                    .await
                    .map_err(|e| e.to_string())?;
                tokio::spawn(conn);
                Sender::H2(sender)
            }
        };
        Ok(Conn {
            sender,
            port: self.addr.port(),
        })
    }
}

enum Sender {
    H1(http1::SendRequest<Body>),
    H2(http2::SendRequest<Body>),
}

/// One keep-alive connection.
pub struct Conn {
    sender: Sender,
    port: u16,
}

impl Conn {
    /// POSTs `body` to /mutate; the status, or an error text.
    pub async fn post(&mut self, body: Body) -> Result<u16, String> {
        let request = |uri: String| {
            Request::post(uri)
                .header("content-type", "application/json")
                .header("host", "localhost")
                .body(body)
                .expect("request")
        };
        let response = match &mut self.sender {
            Sender::H1(s) => {
                s.ready().await.map_err(|e| e.to_string())?;
                s.send_request(request("/mutate".into())).await
            }
            Sender::H2(s) => {
                s.ready().await.map_err(|e| e.to_string())?;
                let uri = format!("https://localhost:{}/mutate", self.port);
                s.send_request(request(uri)).await
            }
        }
        .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        axum::body::to_bytes(Body::new(response.into_body()), usize::MAX)
            .await
            .map_err(|e| e.to_string())?;
        Ok(status)
    }

    /// Whether the server closed the connection.
    pub fn is_closed(&self) -> bool {
        match &self.sender {
            Sender::H1(s) => s.is_closed(),
            Sender::H2(s) => s.is_closed(),
        }
    }

    /// A second handle on an HTTP/2 connection (another stream).
    pub fn stream(&self) -> Option<Conn> {
        match &self.sender {
            Sender::H2(s) => Some(Conn {
                sender: Sender::H2(s.clone()),
                port: self.port,
            }),
            Sender::H1(_) => None,
        }
    }
}

/// GET `path` on the plain metrics port over a fresh connection, as the kubelet probes.
pub async fn plain_get(addr: SocketAddr, path: &str) -> Result<u16, String> {
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let (mut sender, conn) = http1::handshake::<_, Body>(TokioIo::new(tcp))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let request = Request::get(path)
        .header("host", "localhost")
        .body(Body::empty())
        .expect("request");
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    Ok(response.status().as_u16())
}
