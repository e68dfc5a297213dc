//! Arbitrary bytes through the fixer's whole pipeline for one file: pre-scan,
//! spanned tree, JSON value, plan, text splices, verification.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seccomp_fixer_fuzz::{check_fix, policy_from_byte};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    check_fix(text, &policy_from_byte(knobs), knobs & 0x80 != 0);
});
