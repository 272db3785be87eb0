//! What every handler can reach.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;

use crate::auth::challenge::ChallengeKeys;
use crate::auth::jwt::TokenKeys;
use crate::metrics::Metrics;
use crate::verify::Verifier;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: PgPool,
    pub tokens: TokenKeys,
    pub challenges: ChallengeKeys,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub verifier: Verifier,
}

/// The handful of settings handlers need at request time.
#[derive(Debug)]
pub struct Settings {
    pub challenge_ttl: Duration,
    pub site_name: String,
    /// How long a started match stays open before it is forfeited.
    pub match_ticket_ttl: Duration,
}
