//! `seccomp-fix audit` against a local HTTPS Kubernetes API server (see
//! `server.rs`) serving a small recorded cluster (`cluster/`):
//!
//! | namespace   | object                                   | expected          |
//! |-------------|------------------------------------------|-------------------|
//! | batch       | CronJob nightly (→ Job → Pod)            | compliant         |
//! | batch       | Job one-off (→ Pod), container Localhost | compliant         |
//! | kube-system | DaemonSet node-agent (→ Pod), privileged | would-change      |
//! | kube-system | Pod kube-apiserver-… (owner: a Node)     | compliant         |
//! | shop        | Deployment web (→ 2 ReplicaSets → 2 Pods)| would-change      |
//! | shop        | Pod debug, container Unconfined          | non-compliant     |
//! | shop        | Pod legacy-cache, legacy annotation      | would-change      |
//! | tools       | Pod toolbox, opt-out, no profile         | skipped           |
//! | win         | Pod iis-0, Windows (owner StatefulSet)   | skipped           |
//!
//! StatefulSets are forbidden (403) at cluster scope, so `-A` exits 2.
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;

use crate::util::{run_with_env, stderr, stdout};

mod server;

use server::{ApiServer, TOKEN};

/// Variables that would let the child find a real cluster.
const ISOLATE: &[&str] = &[
    "KUBECONFIG",
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_SERVICE_PORT",
    "SECCOMP_FIX_CONFIG",
];

struct Env {
    server: ApiServer,
    dir: tempfile::TempDir,
}

impl Env {
    /// The server and a kubeconfig whose current context `test` reaches it
    /// (namespace `namespace` if given); context `unreachable` points at a closed port.
    fn new(namespace: Option<&str>) -> Env {
        let server = ApiServer::start();
        let dir = tempfile::tempdir().unwrap();
        let env = Env { server, dir };
        let ca = base64::engine::general_purpose::STANDARD.encode(&env.server.ca_pem);
        let text = kubeconfig(
            &env.server.url(),
            &format!("certificate-authority-data: {ca}"),
            namespace,
        );
        std::fs::write(env.kubeconfig(), text).unwrap();
        env
    }

    fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// Runs `seccomp-fix audit --kubeconfig … ARGS` with no other way to find a cluster.
    fn audit(&self, args: &[&str]) -> Output {
        let kubeconfig = self.kubeconfig();
        let mut full = vec!["audit", "--kubeconfig", kubeconfig.to_str().unwrap()];
        full.extend_from_slice(args);
        self.run(&full, &[])
    }

    /// Runs `seccomp-fix ARGS` with `HOME` in the temp dir and `set` variables.
    fn run(&self, args: &[&str], set: &[(&str, &str)]) -> Output {
        let home = self.dir.path().to_str().unwrap();
        let mut vars = vec![("HOME", home)];
        vars.extend_from_slice(set);
        run_with_env(self.dir.path(), args, None, &vars, ISOLATE)
    }
}

fn kubeconfig(server: &str, ca_line: &str, namespace: Option<&str>) -> String {
    let ns = namespace
        .map(|n| format!("\n    namespace: {n}"))
        .unwrap_or_default();
    let closed = closed_port();
    format!(
        "apiVersion: v1
kind: Config
current-context: test
clusters:
- name: test
  cluster:
    server: {server}
    {ca_line}
- name: unreachable
  cluster:
    server: https://127.0.0.1:{closed}
contexts:
- name: test
  context:
    cluster: test
    user: auditor{ns}
- name: unreachable
  context:
    cluster: unreachable
    user: auditor
users:
- name: auditor
  user:
    token: {TOKEN}
"
    )
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            stdout(out),
            stderr(out)
        )
    })
}

fn object<'a>(report: &'a Value, kind: &str, name: &str) -> &'a Value {
    report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == kind && o["name"] == name)
        .unwrap_or_else(|| panic!("{kind}/{name} not reported"))
}

fn codes(object: &Value) -> Vec<&str> {
    object["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect()
}

#[test]
fn json_report_of_all_namespaces_folds_owned_objects_and_names_the_forbidden_list() {
    let env = Env::new(None);
    let out = env.audit(&["-A", "--format", "json", "--chunk-size", "3"]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    let report = json_of(&out);

    let reported: Vec<String> = report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{} {}/{}",
                o["namespace"].as_str().unwrap(),
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        reported,
        [
            "batch CronJob/nightly",
            "batch Job/one-off",
            "kube-system DaemonSet/node-agent",
            "kube-system Pod/kube-apiserver-control-plane",
            "shop Deployment/web",
            "shop Pod/debug",
            "shop Pod/legacy-cache",
            "tools Pod/toolbox",
            "win Pod/iis-0",
        ]
    );

    let web = object(&report, "Deployment", "web");
    assert_eq!(web["outcome"], "would-change");
    assert_eq!(web["pods"]["listed"], 2);
    assert_eq!(web["pods"]["passRestricted"], 0);
    assert_eq!(web["passesRestricted"], false);
    assert_eq!(web["passesRestrictedAfterFix"], true);
    assert_eq!(web["containers"][0]["name"], "app");
    assert_eq!(web["containers"][0]["source"], "unset");
    assert!(codes(web).contains(&"pod-profile-defaulted"), "{web}");
    assert_eq!(web["patch"][0]["op"], "add");
    assert_eq!(
        web["patch"][0]["path"],
        "/spec/template/spec/securityContext/seccompProfile"
    );

    let nightly = object(&report, "CronJob", "nightly");
    assert_eq!(nightly["outcome"], "compliant");
    assert_eq!(nightly["pods"]["listed"], 1);
    assert_eq!(nightly["pods"]["passRestricted"], 1);
    assert_eq!(nightly["containers"][0]["profile"], "RuntimeDefault");
    assert_eq!(nightly["containers"][0]["source"], "pod");

    let one_off = object(&report, "Job", "one-off");
    assert_eq!(one_off["outcome"], "compliant");
    assert_eq!(one_off["containers"][0]["source"], "container");
    assert_eq!(
        one_off["containers"][0]["localhostProfile"],
        "profiles/migrate.json"
    );

    let agent = object(&report, "DaemonSet", "node-agent");
    assert_eq!(agent["outcome"], "would-change");
    assert_eq!(agent["containers"][0]["privileged"], true);
    assert!(codes(agent).contains(&"privileged-container"), "{agent}");

    let debug = object(&report, "Pod", "debug");
    assert_eq!(debug["outcome"], "non-compliant");
    assert_eq!(debug["containers"][0]["profile"], "Unconfined");
    assert_eq!(debug["passesRestrictedAfterFix"], false);
    assert!(codes(debug).contains(&"unconfined-explicit"), "{debug}");

    let legacy = object(&report, "Pod", "legacy-cache");
    assert_eq!(legacy["outcome"], "would-change");
    assert_eq!(
        legacy["legacyAnnotations"]["seccomp.security.alpha.kubernetes.io/pod"],
        "runtime/default"
    );
    assert!(codes(legacy).contains(&"annotation-removed"), "{legacy}");

    let iis = object(&report, "Pod", "iis-0");
    assert_eq!(iis["outcome"], "skipped");
    assert!(codes(iis).contains(&"skipped-windows"), "{iis}");

    let toolbox = object(&report, "Pod", "toolbox");
    assert_eq!(toolbox["outcome"], "skipped");
    assert_eq!(toolbox["passesRestricted"], false);
    assert_eq!(toolbox["passesRestrictedAfterFix"], false);
    assert!(codes(toolbox).contains(&"skipped-opt-out"), "{toolbox}");

    let summary = &report["summary"];
    assert_eq!(summary["objects"], 9);
    assert_eq!(summary["outcomes"]["compliant"], 3);
    assert_eq!(summary["outcomes"]["wouldChange"], 3);
    assert_eq!(summary["outcomes"]["nonCompliant"], 1);
    assert_eq!(summary["outcomes"]["skipped"], 2);
    assert_eq!(summary["pods"]["listed"], 10);
    assert_eq!(summary["pods"]["passRestricted"], 5);
    assert_eq!(summary["pods"]["passRestrictedAfterFix"], 8);
    assert_eq!(summary["privilegedContainers"], 1);
    assert_eq!(summary["legacyAnnotations"], 1);
    assert_eq!(summary["errors"], 1);

    let error = &report["errors"][0];
    assert_eq!(error["verb"], "list");
    assert_eq!(error["resource"], "statefulsets.apps");
    assert_eq!(error["status"], 403);
    assert!(
        error["message"].as_str().unwrap().contains("forbidden"),
        "{error}"
    );
    assert_eq!(report["scope"]["context"], "test");
    assert_eq!(report["scope"]["server"], env.server.url());
}

#[test]
fn listing_is_read_only_authenticated_and_paginated() {
    let env = Env::new(None);
    let out = env.audit(&["-A", "--format", "json", "--chunk-size", "4"]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    let requests = env.server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    assert!(
        requests
            .iter()
            .all(|r| r.query.get("limit").map(String::as_str) == Some("4")),
        "{requests:?}"
    );
    let pods: Vec<_> = requests
        .iter()
        .filter(|r| r.path == "/api/v1/pods")
        .collect();
    let tokens: Vec<Option<&str>> = pods
        .iter()
        .map(|r| r.query.get("continue").map(String::as_str))
        .collect();
    assert_eq!(tokens, [None, Some("offset-4"), Some("offset-8")]);
    // Owners are listed before pods, every kind once at cluster scope.
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    let first = |p: &str| paths.iter().position(|x| *x == p).unwrap();
    assert!(first("/apis/batch/v1/cronjobs") < first("/apis/batch/v1/jobs"));
    assert!(first("/apis/apps/v1/deployments") < first("/apis/apps/v1/replicasets"));
    assert!(first("/apis/apps/v1/replicasets") < first("/api/v1/pods"));
    assert!(paths.contains(&"/apis/apps/v1/statefulsets"));
    assert!(paths.contains(&"/api/v1/replicationcontrollers"));
    // The report does not depend on the page size.
    let small_pages = json_of(&env.audit(&["-A", "--format", "json", "--chunk-size", "1"]));
    assert_eq!(small_pages["summary"], json_of(&out)["summary"]);
}

#[test]
fn table_groups_by_namespace_and_summarises() {
    let env = Env::new(None);
    let out = env.audit(&["--all-namespaces", "--chunk-size", "2"]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    let position = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("no `{needle}` in:\n{text}"))
    };
    assert!(position("NAMESPACE batch") < position("NAMESPACE kube-system"));
    assert!(position("NAMESPACE kube-system") < position("NAMESPACE shop"));
    assert!(position("NAMESPACE shop") < position("NAMESPACE tools"));
    assert!(position("NAMESPACE tools") < position("NAMESPACE win"));
    let row = |name: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no row {name} in:\n{text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        row("Deployment/web"),
        "Deployment/web would-change fail (pass after fix) 0/2"
    );
    assert_eq!(row("CronJob/nightly"), "CronJob/nightly compliant pass 1/1");
    assert_eq!(row("Pod/debug"), "Pod/debug non-compliant fail 0/1");
    assert_eq!(row("Pod/iis-0"), "Pod/iis-0 skipped pass 1/1");
    assert_eq!(row("Pod/toolbox"), "Pod/toolbox skipped fail 0/1");
    let opted_out = "      toolbox: unset (Unconfined at runtime";
    assert!(
        text.contains(opted_out),
        "opted-out pods still show their profile:\n{text}"
    );
    assert!(
        !text.contains("      iis: "),
        "Windows pods have no profile to show:\n{text}"
    );
    assert!(
        !text.contains("ReplicaSet/"),
        "ReplicaSets are folded into their Deployment:\n{text}"
    );
    assert!(
        !text.contains("Pod/web-"),
        "pods are folded into their owner:\n{text}"
    );
    assert!(
        !text.contains("Job/nightly-"),
        "Jobs are folded into their CronJob:\n{text}"
    );
    assert!(text.contains(
        "      app: unset (Unconfined at runtime unless the kubelet's --seccomp-default is on)"
    ));
    assert!(text.contains("      agent: unset (Unconfined at runtime unless the kubelet's --seccomp-default is on)  [privileged: seccomp does not apply]"));
    assert!(text.contains("      shell: Unconfined (container level)"));
    assert!(text.contains(
        "      legacy annotation seccomp.security.alpha.kubernetes.io/pod: runtime/default"
    ));
    assert!(text.contains("      change: pod-profile-defaulted: "));
    assert!(
        text.contains("  objects: 9 (compliant 3, would-change 3, non-compliant 1, skipped 2)"),
        "{text}"
    );
    assert!(
        text.contains("  pods: 10 listed, 5 (50.0%) pass the Pod Security Standards restricted seccomp rule, 8 (80.0%) would after seccomp-fix / the webhook"),
        "{text}"
    );
    assert!(text.contains("  privileged containers: 1"));
    assert!(text.contains("  errors: 1"));
    let forbidden = "forbidden: cannot list statefulsets.apps in all namespaces (RBAC denies verb \"list\" on resource \"statefulsets\" in API group \"apps\")";
    assert!(text.contains(forbidden), "{text}");
    assert!(stderr(&out).contains(forbidden), "{}", stderr(&out));
}

#[test]
fn exit_code_is_0_when_compliant_and_1_when_something_would_change() {
    let env = Env::new(None);
    let batch = env.audit(&["-n", "batch", "--format", "json"]);
    assert_eq!(batch.status.code(), Some(0), "stderr: {}", stderr(&batch));
    let report = json_of(&batch);
    assert_eq!(report["scope"]["namespace"], "batch");
    assert_eq!(report["summary"]["objects"], 2);
    assert_eq!(report["summary"]["outcomes"]["compliant"], 2);
    assert!(env
        .server
        .requests()
        .iter()
        .all(|r| r.path.contains("/namespaces/batch/")));

    // Skipped objects (opt-out) do not raise the exit code, even when failing the rule.
    let tools = env.audit(&["-n", "tools"]);
    assert_eq!(tools.status.code(), Some(0), "stderr: {}", stderr(&tools));
    assert!(stdout(&tools).contains("Pod/toolbox"));

    let shop = env.audit(&["--namespace", "shop"]);
    assert_eq!(shop.status.code(), Some(1), "stderr: {}", stderr(&shop));
    assert!(stdout(&shop).contains("NAMESPACE shop"));
    assert!(!stdout(&shop).contains("NAMESPACE batch"));
}

#[test]
fn the_namespace_defaults_to_the_contexts_and_kubeconfig_comes_from_the_environment() {
    let server_env = Env::new(None);
    // A kubeconfig using a CA file beside it (relative path), found through KUBECONFIG.
    std::fs::write(
        server_env.dir.path().join("ca.crt"),
        &server_env.server.ca_pem,
    )
    .unwrap();
    let text = kubeconfig(
        &server_env.server.url(),
        "certificate-authority: ca.crt",
        Some("kube-system"),
    );
    let path = server_env.dir.path().join("by-env.yaml");
    std::fs::write(&path, text).unwrap();
    let out = server_env.run(
        &["audit", "--format", "json"],
        &[("KUBECONFIG", path.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let report = json_of(&out);
    assert_eq!(report["scope"]["namespace"], "kube-system");
    assert_eq!(report["scope"]["configSource"], "KUBECONFIG");
    let namespaces: Vec<&str> = report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["namespace"].as_str().unwrap())
        .collect();
    assert_eq!(namespaces, ["kube-system", "kube-system"]);

    // --kubeconfig wins over KUBECONFIG.
    let kubeconfig = server_env.kubeconfig();
    let out = server_env.run(
        &[
            "audit",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "-n",
            "batch",
        ],
        &[("KUBECONFIG", "/nonexistent/kubeconfig")],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));

    // And ~/.kube/config when nothing else is given.
    let home_config = server_env.dir.path().join(".kube");
    std::fs::create_dir_all(&home_config).unwrap();
    std::fs::copy(server_env.kubeconfig(), home_config.join("config")).unwrap();
    let out = server_env.run(&["audit", "-n", "batch"], &[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(
        stdout(&out).contains("(context test from "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn sarif_has_a_result_per_finding_with_declared_rules() {
    let env = Env::new(None);
    let out = env.audit(&["-n", "shop", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let log = json_of(&out);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = crate::util::sarif_rule_ids(run);
    assert!(rules.contains(&"restricted-seccomp") && rules.contains(&"pod-profile-defaulted"));
    let results = run["results"].as_array().unwrap();
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index], result["ruleId"].as_str().unwrap());
    }
    let located = |rule: &str, name: &str| {
        results.iter().any(|r| {
            r["ruleId"] == rule
                && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == name
        })
    };
    assert!(located("restricted-seccomp", "shop/Deployment/web"));
    assert!(located("pod-profile-defaulted", "shop/Deployment/web"));
    assert!(located("restricted-seccomp", "shop/Pod/debug"));
    assert!(located("unconfined-explicit", "shop/Pod/debug"));
    assert!(located("annotation-removed", "shop/Pod/legacy-cache"));
    assert!(!located("restricted-seccomp", "shop/Pod/legacy-cache"));
}

#[test]
fn an_unreachable_server_fails_fast_with_exit_2() {
    let env = Env::new(None);
    let started = Instant::now();
    let out = env.audit(&["--context", "unreachable", "--timeout", "3s", "-A"]);
    assert_eq!(out.status.code(), Some(2), "stdout: {}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cannot reach the Kubernetes API server https://127.0.0.1:"),
        "{err}"
    );
    assert!(
        stdout(&out).is_empty(),
        "no report on a fatal error: {}",
        stdout(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_server_that_never_answers_is_bounded_by_the_timeout() {
    // Accepts TCP connections (the kernel backlog does) but never speaks TLS.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(
        &path,
        kubeconfig(&url, "insecure-skip-tls-verify: true", None),
    )
    .unwrap();
    let started = Instant::now();
    let out = run_with_env(
        dir.path(),
        &[
            "audit",
            "--kubeconfig",
            path.to_str().unwrap(),
            "--timeout",
            "1s",
            "-A",
        ],
        None,
        &[("HOME", dir.path().to_str().unwrap())],
        ISOLATE,
    );
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "stdout: {}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains(&url), "{err}");
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    drop(silent);
}

#[test]
fn bad_credentials_and_missing_configuration_are_clear_errors() {
    let env = Env::new(None);
    let text = std::fs::read_to_string(env.kubeconfig())
        .unwrap()
        .replace(TOKEN, "wrong");
    std::fs::write(env.kubeconfig(), text).unwrap();
    let out = env.audit(&["-A"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unauthorized"), "{}", stderr(&out));

    let out = env.run(&["audit", "-A"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no kubeconfig found"),
        "{}",
        stderr(&out)
    );

    let out = env.run(&["audit", "--context", "x"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--context x needs a kubeconfig"),
        "{}",
        stderr(&out)
    );

    let out = env.audit(&["--context", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));

    let missing = Path::new("/nonexistent/kubeconfig");
    let out = env.run(&["audit", "--kubeconfig", missing.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/kubeconfig"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn help_documents_every_flag() {
    let env = Env::new(None);
    let out = env.run(&["audit", "--help"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for flag in [
        "--kubeconfig <FILE>",
        "--context <NAME>",
        "-n, --namespace <NAMESPACE>",
        "-A, --all-namespaces",
        "--format <FORMAT>",
        "--config <FILE>",
        "--timeout <DURATION>",
        "--chunk-size <N>",
        "--no-progress",
        "Exit codes:",
    ] {
        assert!(help.contains(flag), "`{flag}` missing from:\n{help}");
    }
    // The policy flags come from the fixer, the rest from the audit crate:
    // still one list, in the documented order (docs/audit.md).
    let at = |flag: &str| help.find(flag).unwrap();
    assert!(at("--format <FORMAT>") < at("--config <FILE>"), "{help}");
    assert!(
        at("--skip-annotation") < at("--timeout <DURATION>"),
        "{help}"
    );
    assert!(at("--no-progress") < at("-h, --help"), "{help}");
    let both = env.run(&["audit", "-n", "a", "-A"], &[]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn the_policy_file_decides_what_would_change() {
    let env = Env::new(None);
    let policy = env.dir.path().join("policy.yaml");
    std::fs::write(&policy, "unconfined: harden\n").unwrap();
    let out = env.audit(&[
        "-n",
        "shop",
        "--format",
        "json",
        "--config",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let report = json_of(&out);
    let debug = object(&report, "Pod", "debug");
    assert_eq!(debug["outcome"], "would-change");
    assert_eq!(debug["passesRestrictedAfterFix"], true);
    assert!(codes(debug).contains(&"profile-hardened"), "{debug}");
    assert_eq!(report["summary"]["pods"]["passRestrictedAfterFix"], 4);

    let before = env.server.requests().len();
    std::fs::write(&policy, "unconfined: allow\n").unwrap();
    let out = env.audit(&["-n", "shop", "--config", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("policy.yaml"), "{}", stderr(&out));
    assert_eq!(
        env.server.requests().len(),
        before,
        "a bad policy stops before any request"
    );
}

#[test]
fn a_server_certificate_from_another_ca_is_refused() {
    let env = Env::new(None);
    let other_key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let other_ca = params.self_signed(&other_key).unwrap().pem();
    let ca = base64::engine::general_purpose::STANDARD.encode(other_ca);
    let text = kubeconfig(
        &env.server.url(),
        &format!("certificate-authority-data: {ca}"),
        None,
    );
    std::fs::write(env.kubeconfig(), text).unwrap();
    let out = env.audit(&["-A", "--timeout", "5s"]);
    assert_eq!(out.status.code(), Some(2), "stdout: {}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cannot reach the Kubernetes API server"),
        "{err}"
    );
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    assert!(
        env.server.requests().is_empty(),
        "no request got through TLS"
    );
}

/// Runs `cmd` under `script` (util-linux) so that stderr is a terminal.
/// Fails, naming it, when `script` is not installed: a skipped test proves nothing.
fn under_a_terminal(cmd: &str, home: &Path) -> Output {
    let out = std::process::Command::new("script")
        .args(["-qec", cmd, "/dev/null"])
        .env("HOME", home)
        .env_remove("KUBECONFIG")
        .output();
    match out {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "this test needs `script` from util-linux to give the audit a terminal: \
             install util-linux (apt-get install util-linux)"
        ),
        Err(e) => panic!("running script: {e}"),
    }
}

#[test]
fn progress_is_drawn_on_a_terminal_only_and_never_on_stdout() {
    let env = Env::new(None);
    let report = env.dir.path().join("report.json");
    let base = format!(
        "{} audit --kubeconfig {} -A --chunk-size 1 --format json",
        crate::util::bin().display(),
        env.kubeconfig().display()
    );
    let tty = under_a_terminal(&format!("{base} > {}", report.display()), env.dir.path());
    assert_eq!(
        tty.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&tty.stdout)
    );
    let terminal = String::from_utf8_lossy(&tty.stdout).into_owned();
    assert!(terminal.contains("listing pods ("), "{terminal}");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["summary"]["objects"], 9);

    let quiet = under_a_terminal(
        &format!("{base} --no-progress > {}", report.display()),
        env.dir.path(),
    );
    assert!(!String::from_utf8_lossy(&quiet.stdout).contains("listing"));
    // Not a terminal: nothing drawn.
    let piped = env.audit(&["-A", "--format", "json"]);
    assert!(!stderr(&piped).contains("listing"), "{}", stderr(&piped));
}
