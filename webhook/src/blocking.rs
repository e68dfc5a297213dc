//! Decisions on the blocking pool that stay bounded by the decision slots:
//! the slot moves into the blocking task and is released when the work ends,
//! not when the request future is dropped (a client that went away would
//! otherwise leave unbounded work running beyond `--max-concurrency`).

use tokio::sync::OwnedSemaphorePermit;
use tokio::task::JoinError;

/// Runs `work` on the blocking pool, holding `slot` until it returns.
pub async fn run_holding<T, F>(slot: OwnedSemaphorePermit, work: F) -> Result<T, JoinError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let out = work();
        drop(slot);
        out
    })
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::sync::Semaphore;

    #[tokio::test]
    async fn abandoned_work_keeps_its_slot_until_it_ends() {
        let slots = Arc::new(Semaphore::new(1));
        let slot = slots.clone().acquire_owned().await.unwrap();
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let work = move || wait.recv().is_ok();
        // The caller gives up (its client went away) while the work runs.
        let abandoned =
            tokio::time::timeout(Duration::from_millis(50), run_holding(slot, work)).await;
        assert!(abandoned.is_err());
        assert_eq!(
            slots.available_permits(),
            0,
            "the running work holds its slot"
        );
        release.send(()).unwrap();
        // Once the work ends, the slot is free.
        let freed = tokio::time::timeout(Duration::from_secs(30), slots.acquire()).await;
        assert!(freed.is_ok());
    }
}
