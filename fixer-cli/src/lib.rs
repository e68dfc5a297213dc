//! The library `seccomp-fix` is made of: one module per subcommand (`fix`,
//! `patch_cmd`, `krm`, `admission_policy`, `audit_cmd` with the `audit`
//! feature), the per-file pipeline they share (`pipeline`, over the
//! `lossless-yaml` editor and the core) and the reports. The binary
//! (`main.rs`) only parses arguments and dispatches; the fuzz targets in
//! `fuzz/` call the pipeline directly.
#![forbid(unsafe_code)]

pub mod admission_policy;
#[cfg(feature = "audit")]
pub mod audit_cmd;
pub mod chart;
pub mod fix;
pub mod krm;
pub mod patch_cmd;
pub mod pipeline;
pub mod policy_args;
pub mod report;
