//! Cluster access: kubeconfig resolution as kubectl does it, and the client.
use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

/// Where the audit connects, for the report header.
#[derive(Debug, Clone)]
pub struct Target {
    /// The configured client settings.
    pub config: Config,
    /// Context name (`in-cluster` for the service-account configuration).
    pub context: String,
    /// Where the settings came from (a file, `KUBECONFIG`, in-cluster).
    pub source: String,
}

/// Errors while resolving cluster access.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The kubeconfig could not be read or did not describe a usable cluster.
    #[error("kubeconfig {source_name}: {error}")]
    Kubeconfig {
        /// File or variable the configuration came from.
        source_name: String,
        /// What went wrong.
        #[source]
        error: kube::config::KubeconfigError,
    },
    /// `--context` without any kubeconfig.
    #[error("--context {0} needs a kubeconfig, but none was found (--kubeconfig, KUBECONFIG, ~/.kube/config)")]
    ContextWithoutKubeconfig(String),
    /// No kubeconfig and not inside a cluster.
    #[error(
        "no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a cluster: {0}"
    )]
    NoConfig(#[source] kube::config::InClusterError),
    /// The client could not be built (TLS settings, credentials).
    #[error("cannot build a Kubernetes client for {server}: {error}")]
    Build {
        /// API server URL.
        server: String,
        /// What went wrong.
        #[source]
        error: kube::Error,
    },
}

/// Resolves the cluster settings: `--kubeconfig`, else `KUBECONFIG` (merged
/// list), else `~/.kube/config`, else in-cluster; `--context` picks a context.
/// Every request is bounded by `timeout`.
pub async fn resolve(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
    timeout: Duration,
) -> Result<Target, ClientError> {
    let found = find_kubeconfig(kubeconfig)?;
    let mut target = match found {
        Some((file, source_name)) => {
            let context_name = context
                .map(str::to_owned)
                .or_else(|| file.current_context.clone())
                .unwrap_or_default();
            let options = KubeConfigOptions {
                context: context.map(str::to_owned),
                ..KubeConfigOptions::default()
            };
            let config = Config::from_custom_kubeconfig(file, &options)
                .await
                .map_err(|error| ClientError::Kubeconfig {
                    source_name: source_name.clone(),
                    error,
                })?;
            Target {
                config,
                context: context_name,
                source: source_name,
            }
        }
        None => {
            if let Some(name) = context {
                return Err(ClientError::ContextWithoutKubeconfig(name.to_owned()));
            }
            let config = Config::incluster().map_err(ClientError::NoConfig)?;
            Target {
                config,
                context: "in-cluster".to_owned(),
                source: "in-cluster service account".to_owned(),
            }
        }
    };
    target.config.connect_timeout = Some(timeout);
    target.config.read_timeout = Some(timeout);
    target.config.write_timeout = Some(timeout);
    target.config.reset_reader_on_write = true;
    Ok(target)
}

/// Builds the client (rustls with ring; no other TLS stack is compiled in).
pub fn build(target: &Target) -> Result<Client, ClientError> {
    // kube's rustls config asks for the process-wide provider; make it ring
    // whatever else the workspace enables. An error only means it is already set.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::try_from(target.config.clone()).map_err(|error| ClientError::Build {
        server: target.config.cluster_url.to_string(),
        error,
    })
}

/// The kubeconfig to use, with a name for messages, or `None` for in-cluster.
fn find_kubeconfig(explicit: Option<&Path>) -> Result<Option<(Kubeconfig, String)>, ClientError> {
    if let Some(path) = explicit {
        let source_name = path.display().to_string();
        let file = Kubeconfig::read_from(path).map_err(|error| ClientError::Kubeconfig {
            source_name: source_name.clone(),
            error,
        })?;
        return Ok(Some((file, source_name)));
    }
    let from_env = Kubeconfig::from_env().map_err(|error| ClientError::Kubeconfig {
        source_name: "KUBECONFIG".to_owned(),
        error,
    })?;
    if let Some(file) = from_env {
        return Ok(Some((file, "KUBECONFIG".to_owned())));
    }
    match default_path() {
        Some(path) if path.is_file() => {
            let source_name = path.display().to_string();
            let file = Kubeconfig::read_from(&path).map_err(|error| ClientError::Kubeconfig {
                source_name: source_name.clone(),
                error,
            })?;
            Ok(Some((file, source_name)))
        }
        _ => Ok(None),
    }
}

/// `~/.kube/config`, as kubectl looks for it.
fn default_path() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".kube").join("config"))
}
