//! What every handler can reach.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;

use crate::auth::challenge::ChallengeKeys;
use crate::auth::jwt::TokenKeys;
use crate::metrics::Metrics;
use crate::ranking::TopCache;
use crate::verify::Verifier;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: PgPool,
    /// For anonymous public reads (leaderboard, stats, records): its own few connections
    /// and a statement timeout, so that readers can never take the connections writes need.
    pub reads: PgPool,
    /// The read replica, when configured: the leaderboard and players' stats read from it.
    pub replica: Option<PgPool>,
    /// The last database check of the health endpoints.
    pub health: Arc<crate::routes::health::DatabaseProbe>,
    /// The top of the leaderboard, in memory.
    pub top: Arc<TopCache>,
    pub tokens: TokenKeys,
    pub challenges: ChallengeKeys,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub verifier: Verifier,
}

impl AppState {
    /// Where the leaderboard and players' stats are read: the replica if there is one (a few
    /// seconds of lag are fine there), else the public-read pool on the primary.
    pub fn ranking_reads(&self) -> &PgPool {
        self.replica.as_ref().unwrap_or(&self.reads)
    }

    /// Every pool, named as in the metrics' `pool` label.
    pub fn pools(&self) -> Vec<(&'static str, PgPool)> {
        let mut pools = vec![("writes", self.db.clone()), ("reads", self.reads.clone())];
        pools.extend(self.replica.clone().map(|replica| ("replica", replica)));
        pools
    }
}

/// The handful of settings handlers need at request time.
#[derive(Debug)]
pub struct Settings {
    pub challenge_ttl: Duration,
    pub site_name: String,
    /// How long a started match stays open before it is forfeited.
    pub match_ticket_ttl: Duration,
}
