//! The shared webhook harness (`seccomp_test_support::webhook`), bound to this
//! package's binary.

pub use seccomp_test_support::dirs::SecretDir;
pub use seccomp_test_support::webhook::{metric_value, Setup, Webhook};

/// The `seccomp-webhook` binary under test.
pub const WEBHOOK: &str = env!("CARGO_BIN_EXE_seccomp-webhook");
