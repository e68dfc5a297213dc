//! Start-up, the two listeners, and the shutdown sequence.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use seccomp_core::Policy;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{error, info, warn};

use seccomp_webhook::admission::MutatedKinds;
use seccomp_webhook::config::Config;
use seccomp_webhook::resources::Model;
use seccomp_webhook::state::AppState;
use seccomp_webhook::{router, tls};

use crate::connections::Connections;
use crate::reload::Reloader;
use crate::server::{Port, ServeOptions};
use crate::{devcert, logging, nofile, server, shutdown};

pub fn run(config: Config) -> anyhow::Result<()> {
    logging::init(config.log_format, &config.log_level)?;
    // Another provider may already be installed by a library; ring is used explicitly anyway.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(serve(config));
    if let Err(e) = &result {
        error!(error = format!("{e:#}"), "fatal");
    }
    result
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let files = nofile::raise();
    let model = Model::derive(config.model_inputs(files.now))?;
    let (cert_file, key_file, dev_dir) = certificate_files(&config)?;
    let kinds = MutatedKinds {
        pods_only: config.pods_only,
    };
    #[cfg_attr(not(feature = "bench"), allow(unused_mut))]
    let mut state = AppState::new(Policy::default(), kinds, model);
    #[cfg(feature = "bench")]
    if let Some(path) = &config.bench_fixed_response {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        state.fixed_response = Some(axum::body::Bytes::from(bytes));
    }
    let state = Arc::new(state);
    let server_tls = Arc::new(tls::ServerTls::new(state.certs.clone())?);

    let mut reloader = Reloader::new(state.clone(), cert_file, key_file, config.config.clone());
    if let Some(path) = &config.client_ca_file {
        reloader = reloader.with_client_ca(path.clone(), server_tls.clone());
    }
    reloader.reload_policy()?;
    reloader.reload_client_ca()?;
    if !reloader.reload_tls() {
        warn!("no usable serving certificate yet: not ready until one appears on disk");
    }

    let listener = TcpListener::bind(config.listen_addr)
        .await
        .with_context(|| format!("listening on {}", config.listen_addr))?;
    let metrics_listener = TcpListener::bind(config.metrics_addr)
        .await
        .with_context(|| format!("listening on {}", config.metrics_addr))?;
    info!(
        memory_limit_bytes = model.memory_limit,
        body_budget_bytes = model.budget.total,
        max_body_bytes = model.max_body_bytes,
        slots = model.slots,
        streams_per_connection = model.streams_per_connection,
        max_connections = model.connections,
        open_files = files.now,
        open_files_before = files.before,
        accounted_bytes = model.accounted_bytes(),
        "resource model"
    );
    info!(addr = %listener.local_addr()?, client_auth = config.client_ca_file.is_some(),
          pods_only = config.pods_only, "admission server listening (HTTPS)");
    info!(addr = %metrics_listener.local_addr()?, "metrics server listening (HTTP)");

    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, done_rx) = watch::channel(false);
    tokio::spawn(reloader.run());
    tokio::spawn(shutdown::on_signal(
        state.clone(),
        config.shutdown_delay(),
        stop_tx,
    ));
    let options = ServeOptions {
        header_timeout: model.header_timeout,
        max_streams: model.streams_per_connection,
        drain_timeout: model.request_timeout + Duration::from_secs(1),
    };
    let connections = |name, limit| {
        let first_request = model.header_timeout;
        Connections::new(
            name,
            limit,
            model.idle_timeout,
            first_request,
            state.metrics.clone(),
        )
    };
    let probe = Port {
        name: "probe",
        listener: metrics_listener,
        tls: None,
        router: router::metrics_router(state.clone()),
        connections: connections("probe", model.probe_connections),
        options: ServeOptions {
            drain_timeout: Duration::from_secs(1),
            ..options
        },
    };
    let admission = Port {
        name: "admission",
        listener,
        tls: Some(server_tls),
        router: router::admission_router(state.clone()),
        connections: connections("admission", model.connections),
        options,
    };
    // The probe port stops only after the admission port has drained.
    let probe_task = tokio::spawn(server::serve(probe, done_rx));
    server::serve(admission, stop_rx).await;
    let _ = done_tx.send(true);
    if let Err(e) = probe_task.await {
        warn!(error = %e, "metrics server task failed");
    }
    if let Some(dir) = dev_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    info!("shut down cleanly");
    Ok(())
}

/// Certificate and key paths, plus the temporary directory of a dev certificate.
fn certificate_files(config: &Config) -> anyhow::Result<(PathBuf, PathBuf, Option<PathBuf>)> {
    if config.dev_self_signed {
        let dir = std::env::temp_dir().join(format!("seccomp-webhook-dev-{}", std::process::id()));
        let dev = devcert::generate(&dir)?;
        let ca = dev.ca_file.display().to_string();
        info!(ca_file = %ca, "dev self-signed certificate for localhost; trust it with: curl --cacert {ca} ...");
        return Ok((dev.cert_file, dev.key_file, Some(dir)));
    }
    match (&config.tls_cert_file, &config.tls_key_file) {
        (Some(cert), Some(key)) => Ok((cert.clone(), key.clone(), None)),
        _ => {
            anyhow::bail!("--tls-cert-file and --tls-key-file are required (or --dev-self-signed)")
        }
    }
}
