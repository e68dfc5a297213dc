//! End to end across both binaries: for every object of `tests/data/agree.yaml`,
//! the in-place fixer (`seccomp-fix fix -`) and the admission webhook (its
//! base64 JSON Patch, decoded and applied as the API server does) must produce
//! the same object. Needs the workspace binaries built (`cargo test --workspace`
//! builds them before running any test).
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

const DATA: &str = include_str!("../data/agree.yaml");

/// `target/<profile>/<name>`, next to this test's own `deps/` directory.
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} missing: run `cargo build --workspace` first",
        path.display()
    );
    path
}

struct Webhook {
    child: Child,
    url: String,
    client: reqwest::blocking::Client,
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_webhook() -> Webhook {
    let mut child = Command::new(binary("seccomp-webhook"))
        .args(["--dev-self-signed", "--listen-addr", "127.0.0.1:0"])
        .args(["--metrics-addr", "127.0.0.1:0", "--log-format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<Value>();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line).unwrap_or(Value::String(line));
                let _ = tx.send(value);
            }
        });
    }
    let (mut ca_file, mut addr) = (None, None);
    while ca_file.is_none() || addr.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("webhook start-up log lines");
        let fields = line.get("fields").unwrap_or(&line);
        if let Some(ca) = fields.get("ca_file").and_then(Value::as_str) {
            ca_file = Some(ca.to_owned());
        }
        if fields["message"] == "admission server listening (HTTPS)" {
            addr = fields["addr"].as_str().map(str::to_owned);
        }
    }
    let ca = std::fs::read(ca_file.unwrap()).unwrap();
    let client = reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    let port = addr.unwrap().rsplit(':').next().unwrap().to_owned();
    Webhook {
        child,
        url: format!("https://localhost:{port}/mutate"),
        client,
    }
}

fn admit(webhook: &Webhook, object: &Value) -> Value {
    let api_version = object["apiVersion"].as_str().unwrap();
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().unwrap();
    let review = json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "e2e-uid",
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": format!("{}s", kind.to_lowercase())},
            "namespace": "default",
            "name": object["metadata"]["name"],
            "operation": "CREATE",
            "userInfo": {"username": "e2e"},
            "object": object,
            "dryRun": false
        }
    });
    let reply: Value = webhook
        .client
        .post(&webhook.url)
        .json(&review)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let response = &reply["response"];
    assert_eq!(response["uid"], "e2e-uid");
    assert_eq!(response["allowed"], true);
    let mut fixed = object.clone();
    if let Some(patch) = response.get("patch").and_then(Value::as_str) {
        assert_eq!(response["patchType"], "JSONPatch");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(patch)
            .unwrap();
        let patch: json_patch::Patch = serde_json::from_slice(&bytes).unwrap();
        json_patch::patch(&mut fixed, &patch).unwrap();
    } else {
        assert!(
            response.get("patchType").is_none(),
            "patchType without patch: {response}"
        );
    }
    fixed
}

fn fix_with_cli(document: &str) -> Value {
    let mut child = Command::new(binary("seccomp-fix"))
        .args(["fix", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(document.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    yaml(&String::from_utf8(out.stdout).unwrap())
}

fn yaml(text: &str) -> Value {
    Value::deserialize(yaml_serde::Deserializer::from_str(text)).unwrap()
}

#[test]
fn fixer_and_webhook_produce_the_same_objects() {
    let webhook = start_webhook();
    let documents: Vec<&str> = DATA.split("\n---\n").collect();
    assert_eq!(documents.len(), 7);
    let mut changed = 0;
    for document in documents {
        let original = yaml(document);
        let name = original["metadata"]["name"].as_str().unwrap().to_owned();
        let by_cli = fix_with_cli(document);
        let by_webhook = admit(&webhook, &original);
        assert_eq!(by_cli, by_webhook, "{name}: the front ends disagree");
        if by_cli != original {
            changed += 1;
        }
    }
    // Everything but the Windows pod and the already-fine Deployment needs a fix.
    assert_eq!(changed, 5);
}
