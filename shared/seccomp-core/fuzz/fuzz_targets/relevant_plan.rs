//! The core's pruned parse and plan (the AdmissionReview object's path until
//! the webhook's envelope gets a target of its own): for any JSON, planning
//! the value `parse_relevant` builds gives the plan of the full value, and
//! a fixed object plans to nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seccomp_core::{parse_relevant, plan, CustomKind, Policy, UnconfinedMode};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, rest)) = data.split_first() else {
        return;
    };
    let Ok(json) = std::str::from_utf8(rest) else {
        return;
    };
    let mut policy = Policy::default();
    if knobs & 1 != 0 {
        policy.unconfined = UnconfinedMode::Harden;
    }
    if knobs & 2 != 0 {
        policy.keep_annotations = true;
    }
    if knobs & 4 != 0 {
        policy.custom_kinds.push(CustomKind {
            api_version: "example.com/v1".to_owned(),
            kind: "Runner".to_owned(),
            pod_spec_pointer: "/spec/pod".to_owned(),
            resource: Some("runners".to_owned()),
        });
    }
    let Ok(full) = serde_json::from_str::<serde_json::Value>(json) else {
        return;
    };
    let pruned = parse_relevant(json, &policy, &[]).expect("JSON serde_json reads is read pruned");
    let planned = plan(&full, &policy);
    // Over a cap the webhook plans nothing (allowed unchanged, with a warning).
    if pruned.exceeded.is_none() {
        let pruned = pruned.value;
        assert_eq!(plan(&pruned, &policy), planned, "pruned: {pruned}");
    }
    if let Ok(fixed) = planned.apply(&full) {
        assert!(plan(&fixed, &policy).is_noop(), "fixed: {fixed}");
    }
});
