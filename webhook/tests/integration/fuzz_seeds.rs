//! The seeds of the `admission_review` fuzz target (webhook/fuzz/seeds/) are
//! this suite's fixtures: each is the knob byte `0` (default policy, every
//! kind) and a review body built here. The committed files must equal what
//! the fixtures give; `SECCOMP_WRITE_FUZZ_SEEDS=1` rewrites them after a
//! fixture change (then read the diff).

use std::path::PathBuf;

use rstest::rstest;
use serde_json::Value;

use crate::fixtures::{self, body, review, CRONJOB, DEPLOYMENT, POD};

fn seed(name: &str) -> Vec<u8> {
    let review: Value = match name {
        "pod" => review("seed-pod", &POD, "CREATE", None, &fixtures::pod()),
        "legacy_pod" => review("seed-legacy", &POD, "CREATE", None, &fixtures::legacy_pod()),
        "windows_pod" => review(
            "seed-windows",
            &POD,
            "CREATE",
            None,
            &fixtures::windows_pod(),
        ),
        "pod_update" => review("seed-update", &POD, "UPDATE", None, &fixtures::pod()),
        "pod_ephemeral" => review(
            "seed-ephemeral",
            &POD,
            "UPDATE",
            Some("ephemeralcontainers"),
            &fixtures::pod(),
        ),
        "deployment" => review(
            "seed-deploy",
            &DEPLOYMENT,
            "CREATE",
            None,
            &fixtures::deployment(),
        ),
        "cronjob" => review("seed-cron", &CRONJOB, "CREATE", None, &fixtures::cronjob()),
        other => panic!("no seed {other}"),
    };
    let mut bytes = b"0".to_vec();
    bytes.extend(body(&review));
    bytes
}

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds/admission_review")
        .join(format!("{name}.json"))
}

#[rstest]
#[case("pod")]
#[case("legacy_pod")]
#[case("windows_pod")]
#[case("pod_update")]
#[case("pod_ephemeral")]
#[case("deployment")]
#[case("cronjob")]
fn fuzz_seed_is_the_fixture(#[case] name: &str) {
    let want = seed(name);
    if std::env::var_os("SECCOMP_WRITE_FUZZ_SEEDS").is_some() {
        std::fs::create_dir_all(path(name).parent().unwrap()).unwrap();
        std::fs::write(path(name), &want).unwrap();
    }
    let have =
        std::fs::read(path(name)).unwrap_or_else(|e| panic!("{}: {e}", path(name).display()));
    assert!(
        have == want,
        "{} differs from the fixture:\nfile:    {}\nfixture: {}",
        path(name).display(),
        String::from_utf8_lossy(&have),
        String::from_utf8_lossy(&want)
    );
}

#[test]
fn every_fuzz_seed_is_checked_above() {
    let dir = path("x").parent().unwrap().to_path_buf();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cronjob.json",
            "deployment.json",
            "legacy_pod.json",
            "pod.json",
            "pod_ephemeral.json",
            "pod_update.json",
            "windows_pod.json"
        ]
    );
}
