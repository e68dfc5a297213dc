//! Workspace-level integration tests live in `tests/tests/`.
#![forbid(unsafe_code)]
