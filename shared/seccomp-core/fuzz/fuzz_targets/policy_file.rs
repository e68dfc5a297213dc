//! The policy file (§7), read the way the front ends read it (`yaml_serde`
//! into `Policy::from_deserializer`): any text is refused with an error or
//! gives a valid policy, which survives a round trip and can plan a pod.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seccomp_core::{plan, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let read = |text: &str| Policy::from_deserializer(yaml_serde::Deserializer::from_str(text));
    let Ok(policy) = read(text) else {
        return;
    };
    policy
        .validate()
        .expect("from_deserializer returns only valid policies");
    let written = yaml_serde::to_string(&policy).expect("a policy serialises");
    let again = read(&written).expect("a written policy reads back");
    assert_eq!(again, policy, "round trip through:\n{written}");
    let pod = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "i"}]}
    });
    let planned = plan(&pod, &policy);
    let fixed = planned.apply(&pod).expect("the plan applies");
    assert!(
        plan(&fixed, &policy).is_noop(),
        "a fixed pod needs nothing more"
    );
});
