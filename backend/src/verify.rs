//! Re-playing submitted matches: a bounded pool of blocking workers running the game's own
//! simulation (`stellar_heads_game::replay`), so CPU-heavy replays never stall the async
//! runtime that answers everyone else.
//!
//! `workers` replays run at once (one per core by default); up to `queue` more wait for a
//! worker, each for at most `max_wait` (half the request timeout): a result either runs
//! within its request or is refused with 503 `busy` and `Retry-After`, never left to the
//! request timeout's plain 503, and the page retries. Past the queue a submission is refused
//! at once, the same way: a burst of results costs latency, never memory without bound.

use std::sync::Arc;
use std::time::{Duration, Instant};

use protocol::record::MatchRecord;
use stellar_heads_game::replay::{ReplayError, ReplayResult, replay};
use tokio::sync::Semaphore;

use crate::metrics::{Metrics, ReplayOutcome};

#[derive(Debug, Clone)]
pub struct Verifier {
    /// Replays running or waiting; a permit is taken before anything else.
    admitted: Arc<Semaphore>,
    /// Replays running.
    running: Arc<Semaphore>,
    /// The longest a replay waits for a worker.
    max_wait: Duration,
    metrics: Arc<Metrics>,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("every match verifier is busy")]
    Busy,
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error("a replay failed: {0}")]
    Crashed(String),
}

/// The default number of workers: one per core.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

impl Verifier {
    pub fn new(workers: usize, queue: usize, max_wait: Duration, metrics: Arc<Metrics>) -> Self {
        let workers = workers.max(1);
        metrics.set_verify_queue_limit(queue);
        Self {
            admitted: Arc::new(Semaphore::new(workers + queue)),
            running: Arc::new(Semaphore::new(workers)),
            max_wait,
            metrics,
        }
    }

    /// Re-plays `record` on a worker thread. Once started, a replay runs to its end even if
    /// the request that asked for it is gone, still holding its worker: the pool's bound
    /// holds whatever clients do.
    pub async fn replay(&self, record: MatchRecord) -> Result<ReplayResult, VerifyError> {
        let Ok(admitted) = self.admitted.clone().try_acquire_owned() else {
            self.metrics.replayed(ReplayOutcome::Busy);
            return Err(VerifyError::Busy);
        };
        let waiting = self.metrics.waiting_for_verifier();
        let Ok(running) =
            tokio::time::timeout(self.max_wait, self.running.clone().acquire_owned()).await
        else {
            self.metrics.replayed(ReplayOutcome::Busy);
            return Err(VerifyError::Busy);
        };
        let running = running.expect("the semaphore is never closed");
        drop(waiting);
        let metrics = self.metrics.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let _permits = (admitted, running);
            let started = Instant::now();
            let outcome = replay(&record);
            metrics.replay_took(started.elapsed().as_secs_f64());
            outcome
        })
        .await;
        match outcome {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(error)) => {
                self.metrics.replayed(ReplayOutcome::Invalid);
                Err(error.into())
            }
            // A panic in the simulation: a bug, never the client's fault.
            Err(error) => Err(VerifyError::Crashed(error.to_string())),
        }
    }
}
