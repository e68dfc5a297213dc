//! Arbitrary bytes through parse, edit and verify: the first bytes choose
//! JSON Patch operations against the text's value, the rest is the text.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use lossless_yaml_fuzz::check_edit;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(choices) = u.bytes(16.min(u.len())) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(u.take_rest()) else {
        return;
    };
    check_edit(text, choices);
});
