//! What can stop the audit before it prints a report.

use crate::client::ClientError;
use crate::list::ListError;

/// Why the audit could not produce a report (exit code 2 at the command line).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// No cluster configuration could be used, or the client could not be built.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A list failed in a way no other list can recover from (server
    /// unreachable or silent, credentials rejected).
    #[error(transparent)]
    Fatal(#[from] ListError),
    /// The async runtime could not start.
    #[error("starting the async runtime")]
    Runtime(#[source] std::io::Error),
    /// The report could not be serialised.
    #[error("serialising the {what}")]
    Serialise {
        /// `report` or `SARIF log`.
        what: &'static str,
        /// What went wrong.
        #[source]
        error: serde_json::Error,
    },
    /// The report could not be written to stdout.
    #[error("writing the report to stdout")]
    Write(#[source] std::io::Error),
}

impl AuditError {
    /// `map_err` for a serialisation error of `what`.
    pub(crate) fn serialise(what: &'static str) -> impl FnOnce(serde_json::Error) -> AuditError {
        move |error| AuditError::Serialise { what, error }
    }
}
