//! Prometheus metrics (`/metrics`, on its own listener): requests and latencies by route and
//! status, business events, the verification backlog, the database pools and whether the
//! database answers. The alert rules and the dashboard (`nixos/monitoring/`) use these names;
//! `backend/tests/monitoring.rs` checks every name they use against a live `/metrics`.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use protocol::Outcome;
use sqlx::PgPool;

use crate::rate_limit::LimitClass;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    /// The route pattern (`/api/players/{wallet_address}/stats`), never the raw path, so the
    /// number of series stays bounded.
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MatchLabels {
    outcome: String,
    ranked: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReplayLabels {
    /// One of [`ReplayOutcome`]'s names: a fixed set.
    result: &'static str,
}

/// How re-playing a submitted match ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayOutcome {
    /// The record replayed to the claimed score.
    Verified,
    /// The record replayed to another score than the one claimed.
    Mismatch,
    /// The record could not be replayed (malformed, wrong length).
    Invalid,
    /// Every verifier was busy: refused with 503.
    Busy,
}

impl ReplayOutcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Mismatch => "mismatch",
            Self::Invalid => "invalid",
            Self::Busy => "busy",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClassLabels {
    class: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    /// `writes`, `reads` or `replica` (see `AppState::pools`).
    pool: &'static str,
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolNameLabels {
    pool: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms .. ~16 s
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<HttpLabels, Counter>,
    latency: Family<HttpLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    matches_stored: Family<MatchLabels, Counter>,
    matches_forfeited: Counter,
    replays: Family<ReplayLabels, Counter>,
    replay_seconds: Histogram,
    signups: Counter,
    sign_ins: Counter,
    rate_limited: Family<ClassLabels, Counter>,
    pool_connections: Family<PoolLabels, Gauge>,
    pool_max: Family<PoolNameLabels, Gauge>,
    database_up: Gauge,
    verify_waiting: Gauge,
    verify_queue_limit: Gauge,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("stellar_heads");
        let requests = Family::<HttpLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        let latency = Family::<HttpLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests",
            latency.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being handled",
            in_flight.clone(),
        );
        let matches_stored = Family::<MatchLabels, Counter>::default();
        registry.register(
            "matches_stored",
            "Matches stored (retries not counted)",
            matches_stored.clone(),
        );
        let matches_forfeited = Counter::default();
        registry.register(
            "matches_forfeited",
            "Ranked matches started and never finished, stored as losses",
            matches_forfeited.clone(),
        );
        let replays = Family::<ReplayLabels, Counter>::default();
        registry.register(
            "match_replays",
            "Submitted matches re-played by the server, by result",
            replays.clone(),
        );
        // 1 ms .. ~16 s
        let replay_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        registry.register(
            "match_replay_duration_seconds",
            "Time to re-play one submitted match (on a verifier thread)",
            replay_seconds.clone(),
        );
        let signups = Counter::default();
        registry.register("signups", "Players registered", signups.clone());
        let sign_ins = Counter::default();
        registry.register(
            "sign_ins",
            "Sign-ins by proof of wallet ownership",
            sign_ins.clone(),
        );
        let rate_limited = Family::<ClassLabels, Counter>::default();
        registry.register(
            "rate_limited_requests",
            "Requests refused with 429",
            rate_limited.clone(),
        );
        let pool_connections = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections by state",
            pool_connections.clone(),
        );
        let pool_max = Family::<PoolNameLabels, Gauge>::default();
        registry.register(
            "db_pool_max_connections",
            "Database pool size limit",
            pool_max.clone(),
        );
        let database_up = Gauge::default();
        registry.register(
            "database_up",
            "1 if the database answered SELECT 1 within 2 s when metrics were last read, else 0",
            database_up.clone(),
        );
        let verify_waiting = Gauge::default();
        registry.register(
            "verify_waiting",
            "Submitted matches waiting for a verifier (beyond verify_queue: 503 busy)",
            verify_waiting.clone(),
        );
        let verify_queue_limit = Gauge::default();
        registry.register(
            "verify_queue_limit",
            "Submitted matches that may wait for a verifier (the verify_queue setting)",
            verify_queue_limit.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            in_flight,
            matches_stored,
            matches_forfeited,
            replays,
            replay_seconds,
            signups,
            sign_ins,
            rate_limited,
            pool_connections,
            pool_max,
            database_up,
            verify_waiting,
            verify_queue_limit,
        }
    }

    /// The verifier's queue limit, once at start.
    pub fn set_verify_queue_limit(&self, limit: usize) {
        self.verify_queue_limit
            .set(i64::try_from(limit).unwrap_or(i64::MAX));
    }

    /// A submitted match starts waiting for a verifier; it stops waiting when the returned
    /// guard is dropped (it got a verifier, or its request went away).
    pub fn waiting_for_verifier(&self) -> WaitingGuard {
        self.verify_waiting.inc();
        WaitingGuard(self.verify_waiting.clone())
    }

    pub fn match_stored(&self, outcome: Outcome, ranked: bool) {
        let labels = MatchLabels {
            outcome: outcome.as_str().into(),
            ranked: ranked.to_string(),
        };
        self.matches_stored.get_or_create(&labels).inc();
    }

    pub fn matches_forfeited(&self, count: u64) {
        self.matches_forfeited.inc_by(count);
    }

    pub fn replayed(&self, outcome: ReplayOutcome) {
        self.replays
            .get_or_create(&ReplayLabels {
                result: outcome.as_str(),
            })
            .inc();
    }

    pub fn replay_took(&self, seconds: f64) {
        self.replay_seconds.observe(seconds);
    }

    pub fn signup(&self) {
        self.signups.inc();
    }

    pub fn sign_in(&self) {
        self.sign_ins.inc();
    }

    pub fn rate_limited(&self, class: LimitClass) {
        self.rate_limited
            .get_or_create(&ClassLabels {
                class: class.as_str().into(),
            })
            .inc();
    }

    /// The text exposition, with the pool gauges read now.
    pub fn render(&self, pools: &[(&'static str, PgPool)]) -> String {
        for (name, pool) in pools {
            let size = i64::from(pool.size());
            let idle = i64::try_from(pool.num_idle()).unwrap_or(i64::MAX);
            for (state, count) in [("idle", idle), ("in_use", size - idle)] {
                self.pool_connections
                    .get_or_create(&PoolLabels { pool: name, state })
                    .set(count);
            }
            self.pool_max
                .get_or_create(&PoolNameLabels { pool: name })
                .set(i64::from(pool.options().get_max_connections()));
        }
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "cannot encode metrics");
        }
        text
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The standard methods by name; any other token a client sends is "other", so that no
/// client can add series to the registry.
fn method_label(method: &axum::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "other",
    }
}

/// Counts and times every request.
pub async fn middleware(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let method = method_label(request.method()).to_owned();
    let route = match request.extensions().get::<MatchedPath>() {
        Some(path) => path.as_str().to_owned(),
        None if request.uri().path().starts_with("/api/") => "unmatched".to_owned(),
        None => "static".to_owned(),
    };
    metrics.in_flight.inc();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.in_flight.dec();
    let labels = HttpLabels {
        method,
        route,
        status: response.status().as_u16(),
    };
    metrics.requests.get_or_create(&labels).inc();
    metrics
        .latency
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}

/// Decrements the verification backlog when dropped.
#[derive(Debug)]
pub struct WaitingGuard(Gauge);

impl Drop for WaitingGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// How long a scrape waits for the database's answer before calling it down.
const DATABASE_UP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The router for the metrics listener. Each scrape asks the primary `SELECT 1` (on the
/// write pool, so a saturated pool shows as the database being unusable, as it is).
pub fn router(metrics: Arc<Metrics>, pools: Vec<(&'static str, PgPool)>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || async move {
            let up = match pools.first() {
                Some((_, primary)) => matches!(
                    tokio::time::timeout(
                        DATABASE_UP_TIMEOUT,
                        sqlx::query("SELECT 1").execute(primary)
                    )
                    .await,
                    Ok(Ok(_))
                ),
                None => false,
            };
            metrics.database_up.set(i64::from(up));
            (
                [(
                    header::CONTENT_TYPE,
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                )],
                metrics.render(&pools),
            )
                .into_response()
        }),
    )
}
