//! `seccomp-fix krm`: the ResourceList protocol, and the real clients when
//! they are installed (`kpt fn eval --exec`, `kubectl kustomize
//! --enable-alpha-plugins` through the legacy exec-plugin protocol).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{bin, code, run_in, stderr, stdout, temp_tree};

const DEPLOYMENT: &str = "# the web app\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n      annotations:\n        seccomp.security.alpha.kubernetes.io/pod: runtime/default\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";

/// The real client `name` (`kpt`, `kubectl`): `$SECCOMP_TEST_<NAME>` when set
/// (scripts/test.sh points it at the v1.37 kubectl of the tools cache), else
/// `name` on `PATH`. A missing client fails the test, naming it: a KRM test
/// that cannot run its client must not pass.
fn tool(name: &str) -> PathBuf {
    let var = format!("SECCOMP_TEST_{}", name.to_uppercase());
    let path = std::env::var_os(&var).map_or_else(|| PathBuf::from(name), PathBuf::from);
    // `--client`: kubectl must not dial whatever cluster KUBECONFIG names.
    let args: &[&str] = if name == "kubectl" {
        &["version", "--client"]
    } else {
        &["version"]
    };
    match Command::new(&path).args(args).output() {
        Ok(_) => path,
        Err(error) => panic!(
            "{name} not found ({}: {error}): the KRM tests need the real client; \
             install it, or set {var} (./scripts/test.sh finds or builds it)",
            path.display()
        ),
    }
}

fn yaml_docs(text: &str) -> Vec<serde_json::Value> {
    use serde::Deserialize;
    yaml_serde::Deserializer::from_str(text)
        .map(|d| serde_json::Value::deserialize(d).unwrap())
        .collect()
}

#[test]
fn resource_list_items_are_fixed_with_results() {
    let items: String = DEPLOYMENT.lines().map(|l| format!("  {l}\n")).collect();
    let list = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {}",
        items.trim_start()
    );
    let dir = temp_tree(&[]);
    let out = run_in(dir.path(), &["krm"], Some(list.as_bytes()));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("- # the web app\n  apiVersion: apps/v1\n"),
        "comments kept: {text}"
    );
    let value = &yaml_docs(&text)[0];
    let item = &value["items"][0];
    assert_eq!(
        item["spec"]["template"]["spec"]["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    assert!(item["spec"]["template"]["metadata"]
        .get("annotations")
        .is_none());
    let results = value["results"].as_array().unwrap();
    let codes: Vec<&str> = results
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert!(
        codes.iter().any(|m| m.starts_with("pod-profile-migrated:")),
        "{codes:?}"
    );
    assert!(
        codes.iter().any(|m| m.starts_with("annotation-removed:")),
        "{codes:?}"
    );
    assert_eq!(results[0]["resourceRef"]["kind"], "Deployment");

    let out = run_in(dir.path(), &["krm"], Some(b"kind: [\n"));
    assert_ne!(code(&out), 0, "invalid input is an error");
}

#[test]
fn kpt_fn_eval_exec_fixes_a_package() {
    let kpt = tool("kpt");
    let dir = temp_tree(&[("pkg/deploy.yaml", DEPLOYMENT)]);
    let exec = format!("{} krm", bin().display());
    let results = dir.path().join("results");
    let out = Command::new(&kpt)
        .args(["fn", "eval", "pkg", "--exec", &exec, "--results-dir"])
        .arg(&results)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kpt: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fixed = fs::read_to_string(dir.path().join("pkg/deploy.yaml")).unwrap();
    assert!(fixed.starts_with("# the web app\n"), "{fixed}");
    assert!(
        fixed.contains("    matchLabels: {app: web}\n"),
        "flow style kept: {fixed}"
    );
    assert!(
        fixed.contains(
            "      securityContext:\n        seccompProfile:\n          type: RuntimeDefault\n"
        ),
        "{fixed}"
    );
    assert!(!fixed.contains("seccomp.security.alpha"), "{fixed}");
    let report = fs::read_to_string(results.join("results.yaml")).unwrap();
    assert!(report.contains("pod-profile-migrated"), "{report}");
}

fn write_plugin(config_home: &Path) {
    let dir = config_home.join("kustomize/plugin/seccomp-defaulter.io/v1/seccomppolicy");
    fs::create_dir_all(&dir).unwrap();
    let plugin = dir.join("SeccompPolicy");
    fs::write(
        &plugin,
        format!("#!/bin/sh\nexec '{}' krm \"$@\"\n", bin().display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&plugin, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn kubectl_kustomize_runs_the_legacy_exec_plugin() {
    let kubectl = tool("kubectl");
    let dir = temp_tree(&[
        ("app/deploy.yaml", DEPLOYMENT),
        (
            "app/seccomp.yaml",
            "apiVersion: seccomp-defaulter.io/v1\nkind: SeccompPolicy\nmetadata:\n  name: seccomp\nspec:\n  defaultProfile: {type: Localhost, localhostProfile: profiles/web.json}\n",
        ),
        ("app/kustomization.yaml", "resources:\n- deploy.yaml\ntransformers:\n- seccomp.yaml\n"),
    ]);
    write_plugin(&dir.path().join("config"));
    let out = Command::new(&kubectl)
        .args(["kustomize", "--enable-alpha-plugins", "app"])
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = String::from_utf8(out.stdout).unwrap();
    let docs = yaml_docs(&built);
    let pod = &docs[0]["spec"]["template"];
    // The annotation is migrated (RuntimeDefault), not the policy default.
    assert_eq!(
        pod["spec"]["securityContext"]["seccompProfile"]["type"], "RuntimeDefault",
        "{built}"
    );
    assert!(pod["metadata"].get("annotations").is_none(), "{built}");

    // Without a legacy annotation the plugin config's policy applies.
    let plain = DEPLOYMENT.replace(
        "      annotations:\n        seccomp.security.alpha.kubernetes.io/pod: runtime/default\n",
        "",
    );
    fs::write(dir.path().join("app/deploy.yaml"), plain).unwrap();
    let out = Command::new(&kubectl)
        .args(["kustomize", "--enable-alpha-plugins", "app"])
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = yaml_docs(&String::from_utf8(out.stdout).unwrap());
    let profile = &docs[0]["spec"]["template"]["spec"]["securityContext"]["seccompProfile"];
    assert_eq!(profile["localhostProfile"], "profiles/web.json");
}
