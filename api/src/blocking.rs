//! Heavy computations (analysis, what-if) run on tokio's blocking pool, so the async workers keep
//! answering other requests while one pathway is analysed. Each computation gets an
//! [`engine::budget::Budget`] whose stop flag is raised when the request stops waiting for it
//! (its time limit passed, or its client went away and the request's future was dropped): the
//! engine checks the flag as it works, so abandoned work stops instead of keeping a core busy
//! and delaying shutdown.

use engine::budget::Budget;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Raises the stop flag when dropped: on completion (harmless) or when the awaiting future is
/// dropped part-way (the point).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs `work` on the blocking pool with a budget that stops when the caller stops waiting.
pub async fn compute<T: Send + 'static>(
    work: impl FnOnce(&Budget) -> T + Send + 'static,
) -> Result<T, crate::Error> {
    let stop = Arc::new(AtomicBool::new(false));
    let _stop_on_drop = StopOnDrop(stop.clone());
    tokio::task::spawn_blocking(move || work(&Budget::with_stop(stop)))
        .await
        .map_err(|e| crate::Error::Internal(anyhow::anyhow!("a computation failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn work_stops_when_its_request_stops_waiting() {
        let (done, finished) = std::sync::mpsc::channel();
        let endless = compute(move |budget| {
            let mut units = 0u64;
            while budget.charge(1).is_ok() {
                units += 1;
            }
            let _ = done.send(units);
        });
        // The request gives up (as the time limit does); the work must notice and end.
        assert!(
            tokio::time::timeout(Duration::from_millis(50), endless)
                .await
                .is_err()
        );
        let units =
            tokio::task::spawn_blocking(move || finished.recv_timeout(Duration::from_secs(30)))
                .await
                .unwrap();
        assert!(units.is_ok(), "the abandoned computation kept running");
        assert_eq!(compute(|_| 7).await.unwrap(), 7);
    }
}
