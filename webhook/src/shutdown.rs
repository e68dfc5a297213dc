//! Termination signals and the drain sequence's first steps.

use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;
use tracing::{info, warn};

use seccomp_webhook::state::AppState;

/// Waits for SIGTERM or SIGINT, fails readiness at once, keeps serving for `delay`
/// (endpoints and load balancers take a moment to notice), then tells the servers
/// to stop accepting by sending `true` on `stop`.
pub async fn on_signal(state: Arc<AppState>, delay: Duration, stop: watch::Sender<bool>) {
    let name = wait_for_signal().await;
    state.begin_shutdown();
    info!(
        signal = name,
        delay_seconds = delay.as_secs(),
        "shutting down: readiness now fails"
    );
    tokio::time::sleep(delay).await;
    let _ = stop.send(true);
}

async fn wait_for_signal() -> &'static str {
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            warn!(error = %e, "cannot listen for SIGTERM; only SIGINT stops the server");
            let _ = tokio::signal::ctrl_c().await;
            return "SIGINT";
        }
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    }
}
