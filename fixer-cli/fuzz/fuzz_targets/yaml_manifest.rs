//! Structure-aware: Kubernetes manifests generated in many YAML and JSON
//! layouts (see `manifest.rs`), which must all be fixed with a minimal diff.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use seccomp_fixer_fuzz::{check_minimal_fix, manifest, policy_from_byte};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(knobs) = u.arbitrary::<u8>() else {
        return;
    };
    let Ok(generated) = manifest::generate(&mut u) else {
        return;
    };
    check_minimal_fix(&generated, &policy_from_byte(knobs));
});
