//! The §7 policy file: applied, re-read on change (ConfigMap-style symlink swap), a bad
//! new version rejected while the old one stays, a bad one at start-up fatal.

use std::time::Duration;

use serde_json::{json, Value};

use crate::client::Proto;
use crate::fixtures::{self, apply_response, body, review, Gvk, POD};
use crate::harness::{SecretDir, Setup, Webhook, WEBHOOK};

const ROLLOUT: Gvk = Gvk {
    group: "argoproj.io",
    version: "v1alpha1",
    kind: "Rollout",
    resource: "rollouts",
};

const LOCALHOST_AND_ROLLOUTS: &str = "\
defaultProfile:
  type: Localhost
  localhostProfile: profiles/default.json
customKinds:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    podSpecPointer: /spec/template/spec
";

async fn pod_profile(webhook: &Webhook) -> Value {
    let pod = fixtures::pod();
    let mut conn = webhook.conn(Proto::H1).await;
    let reply = conn
        .post("/mutate", body(&review("p", &POD, "CREATE", None, &pod)))
        .await;
    apply_response(&reply.json(), "p", &pod)["spec"]["securityContext"]["seccompProfile"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_is_applied_reloaded_and_a_bad_change_is_rejected() {
    let setup = Setup::new(WEBHOOK);
    let mut config = SecretDir::with_files(
        &setup.dir.path().join("config"),
        &[("policy.yaml", LOCALHOST_AND_ROLLOUTS)],
    );
    let path = config.root.join("policy.yaml");
    let mut webhook = setup.start(&[&format!("--config={}", path.display())]);

    let localhost = json!({"type": "Localhost", "localhostProfile": "profiles/default.json"});
    assert_eq!(pod_profile(&webhook).await, localhost);
    let rollout = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r"},
                         "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a"}]}}}});
    let mut conn = webhook.conn(Proto::H2).await;
    let reply = conn
        .post(
            "/mutate",
            body(&review("r", &ROLLOUT, "UPDATE", None, &rollout)),
        )
        .await;
    let patched = apply_response(&reply.json(), "r", &rollout);
    assert_eq!(
        patched["spec"]["template"]["spec"]["securityContext"]["seccompProfile"],
        localhost
    );

    // The second policy differs from both the first and the built-in default,
    // so a rejected change that fell back to either would show.
    let second = json!({"type": "Localhost", "localhostProfile": "profiles/second.json"});
    config.update(&[(
        "policy.yaml",
        "defaultProfile: {type: Localhost, localhostProfile: profiles/second.json}\n",
    )]);
    webhook.wait_logs(Duration::from_secs(15), 2, |l| {
        l["message"] == "policy loaded"
    });
    assert_eq!(pod_profile(&webhook).await, second);

    config.update(&[("policy.yaml", "bogusKey: 1\n")]);
    let line = webhook.wait_log(Duration::from_secs(15), |l| {
        l["message"] == "policy change rejected; keeping the current policy"
    });
    assert!(
        line["error"].as_str().unwrap().contains("bogusKey"),
        "{line}"
    );
    assert_eq!(pod_profile(&webhook).await, second);
    let failures = r#"seccomp_webhook_config_reloads_total{result="failure"}"#;
    assert_eq!(webhook.metric(failures).await, 1.0);
}

#[test]
fn a_bad_policy_at_start_up_is_fatal_and_names_the_key() {
    let setup = Setup::new(WEBHOOK);
    let path = setup.file(
        "policy.yaml",
        "defaultProfile:\n  type: RuntimeDefault\nunknownSetting: true\n",
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_seccomp-webhook"))
        .arg(format!("--tls-cert-file={}", setup.secret.cert().display()))
        .arg(format!("--tls-key-file={}", setup.secret.key().display()))
        .arg(format!("--config={path}"))
        .args(["--listen-addr=127.0.0.1:0", "--metrics-addr=127.0.0.1:0"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknownSetting"), "{stderr}");
}
