//! The library `seccomp-fix` is made of: one module per subcommand (`fix`,
//! `patch_cmd`, `krm`, `admission_policy`, `audit_cmd` with the `audit`
//! feature) over the
//! lossless YAML editor (`yaml`, `edit`, `fix::verify`) and the reports. The
//! binary (`main.rs`) only parses arguments and dispatches; the fuzz targets
//! in `fuzz/` call the editor pipeline directly.
#![forbid(unsafe_code)]

pub mod admission_policy;
#[cfg(feature = "audit")]
pub mod audit_cmd;
pub mod chart;
pub mod edit;
pub mod fix;
pub mod input;
pub mod krm;
pub mod patch_cmd;
pub mod policy_args;
pub mod report;
pub mod yaml;
