//! The benchmark baseline (`fix --bench-parse-only`, hidden): read every file
//! and run the same YAML parser over it, in parallel, changing nothing.
//! `bench/cli.sh` compares `fix` against this floor in the same run.

use std::process::ExitCode;

use rayon::prelude::*;
use saphyr_parser::Parser;

use super::walk::Input;

/// Reads and parses every input; prints `files bytes events`.
pub fn parse_only(inputs: &[Input]) -> anyhow::Result<ExitCode> {
    let totals = inputs
        .par_iter()
        .map(|input| {
            let Input::File(path) = input else {
                return (0, 0);
            };
            let Ok(text) = std::fs::read_to_string(path) else {
                return (0, 0);
            };
            let (_, text) = crate::yaml::strip_bom(&text);
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
    Ok(ExitCode::SUCCESS)
}
