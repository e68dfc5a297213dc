//! The baseline of `bench/cli.sh`: walk the paths as `seccomp-fix fix`
//! does, read every file and run the same YAML parser (saphyr-parser
//! events) over it, in parallel, changing nothing. `bench/cli.sh` compares
//! `fix` against this floor in the same run. A bench-only program, so the
//! production binary carries no benchmark switch:
//!
//! ```sh
//! cargo run --release -p seccomp-fixer --example parse_baseline -- PATH...
//! ```

use std::path::PathBuf;

use rayon::prelude::*;
use saphyr_parser::Parser;
use seccomp_fixer::fix::walk::{collect, Input};

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let (inputs, _) = collect(&paths, &[], false);
    parse_only(&inputs);
}

/// Reads and parses every input; prints `files bytes events`.
fn parse_only(inputs: &[Input]) {
    let totals = inputs
        .par_iter()
        .map(|input| {
            let Input::File(path) = input else {
                return (0, 0);
            };
            let Ok(text) = std::fs::read_to_string(path) else {
                return (0, 0);
            };
            let (_, text) = lossless_yaml::strip_bom(&text);
            let mut parser = Parser::new_from_str(text);
            let mut events = 0usize;
            while let Some(Ok(_)) = parser.next_event() {
                events += 1;
            }
            (text.len(), events)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!(
        "{} files, {} bytes, {} events",
        inputs.len(),
        totals.0,
        totals.1
    );
}
