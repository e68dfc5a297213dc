//! The admission contract, decoded as the API server does.

use serde_json::{json, Value};

use crate::client::Proto;
use crate::fixtures::{self, apply_response, body, review, warnings, CRONJOB, DEPLOYMENT, POD};
use crate::harness::{Setup, Webhook, WEBHOOK};

/// Sends `object` for admission and returns (response review, object after the patch).
async fn admit(
    webhook: &Webhook,
    proto: Proto,
    gvk: &fixtures::Gvk,
    operation: &str,
    sub: Option<&str>,
    object: &Value,
) -> (Value, Value) {
    let uid = format!("uid-{}-{operation}", gvk.kind.to_lowercase());
    let mut conn = webhook.conn(proto).await;
    let reply = conn
        .post("/mutate", body(&review(&uid, gvk, operation, sub, object)))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let response = reply.json();
    let patched = apply_response(&response, &uid, object);
    (response, patched)
}

fn runtime_default() -> Value {
    json!({"seccompProfile": {"type": "RuntimeDefault"}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_create_is_defaulted_with_warning_and_audit_annotation() {
    let webhook = Webhook::start(WEBHOOK, &[]);
    let pod = fixtures::pod();
    let (response, patched) = admit(&webhook, Proto::H1, &POD, "CREATE", None, &pod).await;
    let mut expected = pod.clone();
    expected["spec"]["securityContext"] = runtime_default();
    assert_eq!(patched, expected);

    let w = warnings(&response);
    assert!(!w.is_empty());
    for warning in &w {
        assert!(warning.starts_with("seccomp-defaulter: "), "{warning}");
        assert!(warning.chars().count() <= 120, "{warning}");
    }
    let audit = &response["response"]["auditAnnotations"];
    let summary: Value = serde_json::from_str(audit["seccomp-changes"].as_str().unwrap()).unwrap();
    assert_eq!(summary["operations"], 1);
    assert_eq!(
        summary["changes"][0]["pointer"],
        "/spec/securityContext/seccompProfile"
    );

    // Planning the fixed pod again changes nothing.
    let (again, unchanged) = admit(&webhook, Proto::H1, &POD, "CREATE", None, &patched).await;
    assert_eq!(unchanged, patched);
    assert!(again["response"].get("patchType").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_is_defaulted_on_create_and_update_over_http2() {
    let webhook = Webhook::start(WEBHOOK, &[]);
    let deployment = fixtures::deployment();
    let mut expected = deployment.clone();
    expected["spec"]["template"]["spec"]["securityContext"]["seccompProfile"] =
        json!({"type": "RuntimeDefault"});
    for operation in ["CREATE", "UPDATE"] {
        let (_, patched) = admit(
            &webhook,
            Proto::H2,
            &DEPLOYMENT,
            operation,
            None,
            &deployment,
        )
        .await;
        assert_eq!(patched, expected, "{operation}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cronjob_template_is_defaulted() {
    let webhook = Webhook::start(WEBHOOK, &[]);
    let cronjob = fixtures::cronjob();
    let (_, patched) = admit(&webhook, Proto::H1, &CRONJOB, "CREATE", None, &cronjob).await;
    let mut expected = cronjob.clone();
    expected["spec"]["jobTemplate"]["spec"]["template"]["spec"]["securityContext"] =
        runtime_default();
    assert_eq!(patched, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_annotations_are_migrated_to_fields() {
    let webhook = Webhook::start(WEBHOOK, &[]);
    let pod = fixtures::legacy_pod();
    let (_, patched) = admit(&webhook, Proto::H2, &POD, "CREATE", None, &pod).await;
    let mut expected = pod.clone();
    expected["metadata"]["annotations"] = json!({"team": "payments"});
    expected["spec"]["securityContext"] = runtime_default();
    expected["spec"]["containers"][0]["securityContext"] =
        json!({"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/app.json"}});
    assert_eq!(patched, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_pod_pod_update_and_ephemeral_containers_are_left_alone() {
    let webhook = Webhook::start(WEBHOOK, &[]);
    let windows = fixtures::windows_pod();
    let (_, patched) = admit(&webhook, Proto::H1, &POD, "CREATE", None, &windows).await;
    assert_eq!(patched, windows);

    let pod = fixtures::pod();
    let (response, patched) = admit(&webhook, Proto::H1, &POD, "UPDATE", None, &pod).await;
    assert_eq!(patched, pod);
    assert!(response["response"].get("warnings").is_none());

    let mut with_debug = pod.clone();
    with_debug["spec"]["ephemeralContainers"] = json!([{"name": "debugger", "image": "busybox"}]);
    let sub = Some("ephemeralcontainers");
    let (_, patched) = admit(&webhook, Proto::H2, &POD, "UPDATE", sub, &with_debug).await;
    assert_eq!(patched, with_debug);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_is_answered_the_same_way() {
    let webhook = Webhook::start(WEBHOOK, &[]);
    let pod = fixtures::pod();
    let mut conn = webhook.conn(Proto::H1).await;
    let mut answers = Vec::new();
    for dry_run in [false, true] {
        let mut r = review("same-uid", &POD, "CREATE", None, &pod);
        r["request"]["dryRun"] = json!(dry_run);
        let reply = conn.post("/mutate", body(&r)).await;
        assert_eq!(reply.status, 200);
        answers.push(reply.json());
    }
    assert!(answers[0]["response"]["patch"].is_string());
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_only_mode_leaves_workloads_alone() {
    let webhook = Webhook::start(WEBHOOK, &["--pods-only"]);
    let deployment = fixtures::deployment();
    let (_, patched) = admit(
        &webhook,
        Proto::H1,
        &DEPLOYMENT,
        "CREATE",
        None,
        &deployment,
    )
    .await;
    assert_eq!(patched, deployment);
    let pod = fixtures::pod();
    let (_, patched) = admit(&webhook, Proto::H1, &POD, "CREATE", None, &pod).await;
    assert_ne!(patched, pod);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uninterpretable_object_is_allowed_with_a_warning_and_logged() {
    let mut webhook = Webhook::start(WEBHOOK, &[]);
    let broken = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                        "metadata": {"name": "broken"}, "spec": {"template": "oops"}});
    let (response, patched) =
        admit(&webhook, Proto::H1, &DEPLOYMENT, "CREATE", None, &broken).await;
    assert_eq!(patched, broken);
    let w = warnings(&response);
    assert!(
        w.iter().any(|w| w.starts_with("seccomp-defaulter: ")),
        "{w:?}"
    );
    let line = webhook.wait_log(std::time::Duration::from_secs(5), |l| {
        l["message"] == "admission" && l["name"] == "broken"
    });
    assert_eq!(line["result"], "uninterpretable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_log_line_per_request() {
    let mut webhook = Webhook::start(WEBHOOK, &[]);
    let pod = fixtures::pod();
    admit(&webhook, Proto::H1, &POD, "CREATE", None, &pod).await;
    let line = webhook.wait_log(std::time::Duration::from_secs(5), |l| {
        l["message"] == "admission"
    });
    assert_eq!(line["uid"], "uid-pod-CREATE");
    assert_eq!(line["kind"], "Pod");
    assert_eq!(line["namespace"], "team-a");
    assert_eq!(line["name"], "web-0");
    assert_eq!(line["operation"], "CREATE");
    assert_eq!(line["result"], "mutated");
    assert_eq!(line["ops"], 1);
    assert!(line["duration_us"].as_u64().is_some(), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_come_from_the_environment_too() {
    let setup = Setup::new(WEBHOOK);
    let deployment = fixtures::deployment();
    for (pods_only, mutated) in [("true", false), ("false", true)] {
        let webhook = setup.start_env(&[
            ("SECCOMP_WEBHOOK_PODS_ONLY", pods_only),
            ("SECCOMP_WEBHOOK_MAX_BODY_BYTES", "3000"),
        ]);
        let (_, patched) = admit(
            &webhook,
            Proto::H1,
            &DEPLOYMENT,
            "CREATE",
            None,
            &deployment,
        )
        .await;
        assert_eq!(
            patched != deployment,
            mutated,
            "SECCOMP_WEBHOOK_PODS_ONLY={pods_only}"
        );
        let mut big = fixtures::pod();
        big["metadata"]["annotations"] = json!({"filler": "x".repeat(3000)});
        let mut conn = webhook.conn(Proto::H1).await;
        let reply = conn
            .post("/mutate", body(&review("big", &POD, "CREATE", None, &big)))
            .await;
        assert_eq!(reply.status, 413);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_log_lines_escape_what_the_client_chose() {
    // Issue 10 "Log injection": newlines and escape characters in `uid` and
    // `metadata.name` forged log lines in the text format.
    let mut webhook = Webhook::start(WEBHOOK, &["--log-format=text"]);
    let mut pod = fixtures::pod();
    pod["metadata"]["name"] = json!("web\r\n2026-01-01T00:00:00Z  INFO forged: name");
    let uid = "u\n2026-01-01T00:00:00Z ERROR forged: uid \u{1b}[2J";
    let mut conn = webhook.conn(Proto::H1).await;
    let reply = conn
        .post("/mutate", body(&review(uid, &POD, "CREATE", None, &pod)))
        .await;
    assert_eq!(reply.status, 200);
    let line = webhook.wait_log(std::time::Duration::from_secs(5), |l| {
        l.as_str().is_some_and(|t| t.contains(": admission uid="))
    });
    let line = line.as_str().unwrap().to_owned();
    assert!(
        line.contains(r"uid=u\n2026-01-01T00:00:00Z ERROR forged: uid \u{1b}[2J"),
        "{line}"
    );
    for logged in webhook.logs() {
        let text = logged.as_str().unwrap_or_default();
        assert!(
            !text.contains("forged") || text == line,
            "forged line: {text:?}"
        );
        assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
    }
}
