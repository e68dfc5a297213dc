//! Start-up, the two listeners, and the shutdown sequence.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use axum::body::Bytes;
use seccomp_core::Policy;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::admission::Scope;
use crate::config::Config;
use crate::reload::Reloader;
use crate::server::ServeOptions;
use crate::state::AppState;
use crate::{devcert, http, logging, server, shutdown, tls};

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
    let (cert_file, key_file, dev_dir) = certificate_files(&config)?;
    let scope = Scope {
        pods_only: config.pods_only,
    };
    let mut state = AppState::new(
        Policy::default(),
        scope,
        config.max_concurrency as usize,
        config.max_body_bytes,
        config.request_timeout(),
    );
    if let Some(path) = &config.bench_fixed_response {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        state.fixed_response = Some(Bytes::from(bytes));
    }
    let state = Arc::new(state);

    let mut reloader = Reloader::new(state.clone(), cert_file, key_file, config.config.clone());
    reloader.reload_policy()?;
    if !reloader.reload_tls() {
        warn!("no usable serving certificate yet: not ready until one appears on disk");
    }
    let client_roots = match &config.client_ca_file {
        Some(path) => {
            let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Some(tls::client_roots(&pem).with_context(|| format!("{}", path.display()))?)
        }
        None => None,
    };
    let tls_config = tls::server_config(state.certs.clone(), client_roots)?;

    let listener = TcpListener::bind(config.listen_addr)
        .await
        .with_context(|| format!("listening on {}", config.listen_addr))?;
    let metrics_listener = TcpListener::bind(config.metrics_addr)
        .await
        .with_context(|| format!("listening on {}", config.metrics_addr))?;
    info!(addr = %listener.local_addr()?, client_auth = config.client_ca_file.is_some(),
          pods_only = config.pods_only, "admission server listening (HTTPS)");
    info!(addr = %metrics_listener.local_addr()?, "metrics server listening (HTTP)");

    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, mut done_rx) = watch::channel(false);
    tokio::spawn(reloader.run());
    tokio::spawn(shutdown::on_signal(
        state.clone(),
        config.shutdown_delay(),
        stop_tx,
    ));
    let metrics_server = axum::serve(metrics_listener, http::metrics_router(state.clone()))
        .with_graceful_shutdown(async move {
            let _ = done_rx.wait_for(|done| *done).await;
        });
    let metrics_task = tokio::spawn(async move { metrics_server.await });

    let options = ServeOptions {
        header_read_timeout: config.header_read_timeout(),
        max_streams: config.max_concurrency,
        drain_timeout: config.request_timeout() + std::time::Duration::from_secs(1),
    };
    server::serve_tls(
        listener,
        tls_config,
        http::admission_router(state),
        options,
        stop_rx,
    )
    .await;
    let _ = done_tx.send(true);
    match metrics_task.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => warn!(error = %e, "metrics server ended with an error"),
        Err(e) => warn!(error = %e, "metrics server task failed"),
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
