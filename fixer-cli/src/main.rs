//! `seccomp-fix`: the command-line front end of seccomp-defaulter.
//!
//! `main` only parses arguments and dispatches; every subcommand lives in its
//! own module of the library (`lib.rs`) with an `Args` struct and a `run`
//! function returning the exit code.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};
#[cfg(feature = "audit")]
use seccomp_fixer::audit_cmd;
use seccomp_fixer::{admission_policy, fix, krm, patch_cmd};

/// Sets `securityContext.seccompProfile: RuntimeDefault` in Kubernetes manifests
/// and migrates the deprecated seccomp annotations.
#[derive(Debug, Parser)]
#[command(name = "seccomp-fix", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Rewrite manifest files in place with minimal diffs.
    Fix(fix::FixArgs),
    /// Print the RFC 6902 JSON Patch of each object in a manifest.
    Patch(patch_cmd::PatchArgs),
    /// Run as a KRM function (ResourceList on stdin, ResourceList on stdout).
    Krm(krm::KrmArgs),
    /// Read-only seccomp audit of a live cluster (CIS 5.3.3).
    #[cfg(feature = "audit")]
    Audit(audit_cmd::AuditCommand),
    /// Print the policy as a MutatingAdmissionPolicy (Kubernetes 1.36+) with a
    /// companion ValidatingAdmissionPolicy for the warnings.
    AdmissionPolicy(admission_policy::AdmissionPolicyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Fix(args) => fix::run(args),
        Command::Patch(args) => patch_cmd::run(args),
        Command::Krm(args) => krm::run(args),
        #[cfg(feature = "audit")]
        Command::Audit(args) => audit_cmd::run(args),
        Command::AdmissionPolicy(args) => admission_policy::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("seccomp-fix: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
