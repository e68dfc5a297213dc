//! The one integration-test binary of `seccomp-fixer` (ripgrep style): each
//! subcommand has a module here, sharing the helpers in `util`.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod cases;

mod admission_policy;
#[cfg(feature = "audit")]
mod audit;
mod chart;
mod fix;
mod front_ends_agree;
mod hostile;
mod krm;
mod patch;
mod util;
