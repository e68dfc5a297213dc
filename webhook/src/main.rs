#![forbid(unsafe_code)]
//! Placeholder
fn main() {}
