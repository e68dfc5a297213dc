//! A local HTTPS Kubernetes API server for the audit tests: serves the
//! recorded list responses in `cluster/` (filtered by namespace, paginated
//! with `limit`/`continue`), answers 403 for one resource at cluster scope,
//! and logs every request. It runs on its own thread with its own tokio
//! runtime; the `seccomp-fix` binary under test reaches it through a
//! generated kubeconfig whose `certificate-authority-data` is the test CA.
use std::collections::HashMap;
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};
use axum::Router;
use serde_json::{json, Value};

/// The bearer token the server accepts.
pub const TOKEN: &str = "audit-test-token";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Query parameters.
    pub query: HashMap<String, String>,
}

/// The running server; stopped when dropped.
pub struct ApiServer {
    /// Loopback port.
    pub port: u16,
    /// PEM of the CA that signed the server certificate.
    pub ca_pem: String,
    log: Arc<Mutex<Vec<Logged>>>,
    handle: axum_server::Handle<std::net::SocketAddr>,
    thread: Option<JoinHandle<()>>,
}

impl ApiServer {
    /// Starts the server on a free loopback port with the fixture cluster.
    pub fn start() -> ApiServer {
        let (ca_pem, tls) = certificates();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let lists = Arc::new(load_cluster());
        let log = Arc::new(Mutex::new(Vec::new()));
        let handle = axum_server::Handle::new();
        let app = {
            let log = Arc::clone(&log);
            Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap| {
                let response = answer(&lists, &log, &method, &uri, &headers);
                async move { response }
            })
        };
        let server_handle = handle.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(tls));
                axum_server::from_tcp_rustls(listener, config)
                    .unwrap()
                    .handle(server_handle)
                    .serve(app.into_make_service())
                    .await
                    .unwrap();
            });
        });
        ApiServer {
            port,
            ca_pem,
            log,
            handle,
            thread: Some(thread),
        }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Logged> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A CA and a server certificate for `127.0.0.1` and `localhost` signed by it.
fn certificates() -> (String, rustls::ServerConfig) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "seccomp-fix audit test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    (ca_cert.pem(), tls)
}

/// The recorded list responses, by plural resource name.
fn load_cluster() -> HashMap<String, Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/audit/cluster");
    let mut lists = HashMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let plural = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        lists.insert(plural, serde_json::from_str(&text).unwrap());
    }
    lists
}

/// `/api/v1[/namespaces/NS]/PLURAL` or `/apis/GROUP/VERSION[/namespaces/NS]/PLURAL`
/// → (group, namespace, plural).
fn parse_path(path: &str) -> Option<(String, Option<String>, String)> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, rest) = match parts.as_slice() {
        ["api", "v1", rest @ ..] => ("", rest),
        ["apis", group, _version, rest @ ..] => (*group, rest),
        _ => return None,
    };
    match rest {
        [plural] => Some((group.to_owned(), None, (*plural).to_owned())),
        ["namespaces", ns, plural] => Some((
            group.to_owned(),
            Some((*ns).to_owned()),
            (*plural).to_owned(),
        )),
        _ => None,
    }
}

fn answer(
    lists: &HashMap<String, Value>,
    log: &Mutex<Vec<Logged>>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Response<Body> {
    let query: HashMap<String, String> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    log.lock().unwrap().push(Logged {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: query.clone(),
    });
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {TOKEN}"));
    if !authorized {
        return status(401, "Unauthorized", "Unauthorized");
    }
    if method != Method::GET {
        return status(
            405,
            "MethodNotAllowed",
            "the audit test server only serves GET",
        );
    }
    let Some((group, namespace, plural)) = parse_path(uri.path()) else {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        );
    };
    if plural == "statefulsets" && namespace.is_none() {
        return status(
            403,
            "Forbidden",
            "statefulsets.apps is forbidden: User \"auditor\" cannot list resource \"statefulsets\" \
             in API group \"apps\" at the cluster scope",
        );
    }
    let Some(list) = lists.get(&plural) else {
        let empty = json!({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": []});
        return ok(&empty);
    };
    let served_group = list["apiVersion"]
        .as_str()
        .and_then(|a| a.split_once('/'))
        .map_or("", |(g, _)| g);
    if served_group != group {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        );
    }
    let items: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| {
            namespace
                .as_deref()
                .is_none_or(|ns| item["metadata"]["namespace"] == ns)
        })
        .collect();
    let offset: usize = match query.get("continue") {
        None => 0,
        Some(token) => match token.strip_prefix("offset-").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => return status(400, "BadRequest", "invalid continue token"),
        },
    };
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(usize::MAX);
    let end = offset.saturating_add(limit).min(items.len());
    let page: Vec<Value> = items[offset.min(end)..end]
        .iter()
        .map(|v| (*v).clone())
        .collect();
    let mut metadata = json!({"resourceVersion": list["metadata"]["resourceVersion"]});
    if end < items.len() {
        metadata["continue"] = json!(format!("offset-{end}"));
        metadata["remainingItemCount"] = json!(items.len() - end);
    }
    ok(&json!({
        "kind": list["kind"],
        "apiVersion": list["apiVersion"],
        "metadata": metadata,
        "items": page,
    }))
}

fn ok(body: &Value) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn status(code: u16, reason: &str, message: &str) -> Response<Body> {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason, "code": code,
    });
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}
