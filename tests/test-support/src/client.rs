//! A small HTTPS client over tokio-rustls + hyper's connection API, so tests choose
//! the ALPN protocol, present client certificates and see the server certificate.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use hyper::client::conn::{http1, http2};
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::pki::Pair;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    H1,
    H2,
}

pub fn tls_config(ca_pem: &str, client: Option<&Pair>, proto: Proto) -> Arc<ClientConfig> {
    tls_config_with(ca_pem, client, proto, rustls::DEFAULT_VERSIONS)
}

pub fn tls_config_with(
    ca_pem: &str,
    client: Option<&Pair>,
    proto: Proto,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match client {
        Some(pair) => {
            let chain = CertificateDer::pem_slice_iter(pair.cert.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = PrivateKeyDer::from_pem_slice(pair.key.as_bytes()).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = match proto {
        Proto::H1 => vec![b"http/1.1".to_vec()],
        Proto::H2 => vec![b"h2".to_vec()],
    };
    Arc::new(config)
}

/// Opens a TLS connection to `addr` as `localhost`.
pub async fn tls_connect(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("localhost").unwrap();
    TlsConnector::from(config).connect(name, tcp).await
}

enum Sender {
    H1(http1::SendRequest<Body>),
    H2(http2::SendRequest<Body>),
}

/// One keep-alive connection.
pub struct Conn {
    sender: Sender,
    addr: SocketAddr,
    /// DER of the certificate the server presented.
    pub server_cert: Vec<u8>,
    /// The ALPN protocol the server chose.
    pub alpn: Option<Vec<u8>>,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Conn {
    pub async fn open(addr: SocketAddr, config: Arc<ClientConfig>) -> Result<Conn, String> {
        let proto = if config.alpn_protocols == [b"h2".to_vec()] {
            Proto::H2
        } else {
            Proto::H1
        };
        let tls = tls_connect(addr, config).await.map_err(|e| e.to_string())?;
        let session = tls.get_ref().1;
        let server_cert = session.peer_certificates().unwrap()[0].to_vec();
        let alpn = session.alpn_protocol().map(<[u8]>::to_vec);
        let io = TokioIo::new(tls);
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
            addr,
            server_cert,
            alpn,
        })
    }

    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        body: impl Into<Body>,
    ) -> Result<Reply, String> {
        let body = body.into();
        let builder = Request::builder()
            .method(method)
            .header("content-type", "application/json");
        let response = match &mut self.sender {
            Sender::H1(sender) => {
                let req = builder
                    .uri(path)
                    .header("host", format!("localhost:{}", self.addr.port()))
                    .body(body)
                    .unwrap();
                sender.ready().await.map_err(|e| error_chain(&e))?;
                sender.send_request(req).await
            }
            Sender::H2(sender) => {
                let uri = format!("https://localhost:{}{path}", self.addr.port());
                let req = builder.uri(uri).body(body).unwrap();
                sender.ready().await.map_err(|e| error_chain(&e))?;
                sender.send_request(req).await
            }
        }
        .map_err(|e| error_chain(&e))?;
        read_reply(response).await
    }

    pub async fn post(&mut self, path: &str, body: Vec<u8>) -> Reply {
        self.request("POST", path, body).await.unwrap()
    }

    /// Whether the server closed this connection.
    pub fn is_closed(&self) -> bool {
        match &self.sender {
            Sender::H1(sender) => sender.is_closed(),
            Sender::H2(sender) => sender.is_closed(),
        }
    }

    /// Another stream of the same HTTP/2 connection (`None` for HTTP/1.1).
    pub fn stream(&self) -> Option<Conn> {
        match &self.sender {
            Sender::H2(sender) => Some(Conn {
                sender: Sender::H2(sender.clone()),
                addr: self.addr,
                server_cert: self.server_cert.clone(),
                alpn: self.alpn.clone(),
            }),
            Sender::H1(_) => None,
        }
    }

    /// Whether the server closes this connection within `bound`.
    pub async fn closed_within(&self, bound: std::time::Duration) -> bool {
        let start = std::time::Instant::now();
        while start.elapsed() < bound {
            if self.is_closed() {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.is_closed()
    }
}

/// Opens a connection and sends one request; any TLS or HTTP failure is an `Err`.
pub async fn try_request(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
    path: &str,
    body: Vec<u8>,
) -> Result<Reply, String> {
    let mut conn = Conn::open(addr, config).await?;
    conn.request("POST", path, body).await
}

/// A `POST /mutate` over HTTP/1.1 whose body is sent in two halves, to have a request
/// in flight at a chosen moment.
pub struct SlowPost {
    stream: TlsStream<TcpStream>,
    rest: Vec<u8>,
}

impl SlowPost {
    /// Sends the headers and the first half of `body`.
    pub async fn start(addr: SocketAddr, ca_pem: &str, body: &[u8]) -> SlowPost {
        use tokio::io::AsyncWriteExt;
        let mut stream = tls_connect(addr, tls_config(ca_pem, None, Proto::H1))
            .await
            .unwrap();
        let (head, rest) = body.split_at(body.len() / 2);
        let headers = format!(
            "POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(headers.as_bytes()).await.unwrap();
        stream.write_all(head).await.unwrap();
        stream.flush().await.unwrap();
        SlowPost {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest of the body (ignoring a connection the server already closed) and
    /// returns the raw response.
    pub async fn finish(mut self) -> String {
        use tokio::io::AsyncWriteExt;
        let _ = self.stream.write_all(&self.rest).await;
        let _ = self.stream.flush().await;
        self.response().await
    }

    /// Sends the headers of a POST declaring `content_length` and then only `sent`.
    pub async fn declare(
        addr: SocketAddr,
        ca_pem: &str,
        content_length: usize,
        sent: &[u8],
    ) -> SlowPost {
        use tokio::io::AsyncWriteExt;
        let mut stream = tls_connect(addr, tls_config(ca_pem, None, Proto::H1))
            .await
            .unwrap();
        let headers = format!(
            "POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {content_length}\r\n\r\n"
        );
        stream.write_all(headers.as_bytes()).await.unwrap();
        stream.write_all(sent).await.unwrap();
        stream.flush().await.unwrap();
        SlowPost {
            stream,
            rest: Vec::new(),
        }
    }

    /// What the server has sent so far, waiting at most `wait` for a first byte.
    pub async fn answered_within(&mut self, wait: std::time::Duration) -> Option<String> {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0; 4096];
        match tokio::time::timeout(wait, self.stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
            _ => None,
        }
    }

    /// Reads the raw response without sending more.
    pub async fn response(mut self) -> String {
        use tokio::io::AsyncReadExt;
        let mut response = Vec::new();
        let _ = self.stream.read_to_end(&mut response).await;
        String::from_utf8_lossy(&response).into_owned()
    }
}

/// A plain-HTTP GET on the metrics port (a fresh connection each time).
pub async fn plain_get(addr: SocketAddr, path: &str) -> Result<Reply, String> {
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let (mut sender, conn) = http1::handshake::<_, Body>(TokioIo::new(tcp))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let req = Request::get(path)
        .header("host", "localhost")
        .body(Body::empty())
        .unwrap();
    let response = sender.send_request(req).await.map_err(|e| e.to_string())?;
    read_reply(response).await
}

async fn read_reply(response: hyper::Response<hyper::body::Incoming>) -> Result<Reply, String> {
    let status = response.status();
    let bytes = axum::body::to_bytes(Body::new(response.into_body()), usize::MAX)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Reply {
        status,
        body: bytes.to_vec(),
    })
}

/// Whether the server closes `stream` within `bound` (whatever it sends before).
pub async fn closed_within<S>(stream: &mut S, bound: std::time::Duration) -> bool
where
    S: tokio::io::AsyncRead + Unpin,
{
    use tokio::io::AsyncReadExt;
    let read_to_end = async {
        let mut buf = vec![0; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(bound, read_to_end).await.is_ok()
}

/// The SETTINGS_MAX_CONCURRENT_STREAMS the server announces on an HTTP/2
/// connection (read from its first SETTINGS frame); `None` when unlimited.
pub async fn h2_max_concurrent_streams(addr: SocketAddr, ca_pem: &str) -> Option<u32> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tls_connect(addr, tls_config(ca_pem, None, Proto::H2))
        .await
        .unwrap();
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    // An empty SETTINGS frame: length 0, type 4, no flags, stream 0.
    stream
        .write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0])
        .await
        .unwrap();
    stream.flush().await.unwrap();
    loop {
        let mut head = [0u8; 9];
        stream.read_exact(&mut head).await.unwrap();
        let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
        let mut payload = vec![0; len];
        stream.read_exact(&mut payload).await.unwrap();
        let (kind, ack) = (head[3], head[4] & 1 == 1);
        if kind != 4 || ack {
            continue;
        }
        return payload.chunks(6).find_map(|entry| {
            let id = u16::from_be_bytes([entry[0], entry[1]]);
            (id == 3).then(|| u32::from_be_bytes([entry[2], entry[3], entry[4], entry[5]]))
        });
    }
}

/// An error with its sources (`connection error: connection reset`): hyper's
/// own text alone does not say what happened.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
