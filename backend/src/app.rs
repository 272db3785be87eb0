//! Assembling the application: state from configuration, routes, and the layers around them.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use protocol::ErrorCode;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::challenge::ChallengeKeys;
use crate::auth::jwt::TokenKeys;
use crate::config::Config;
use crate::error::ApiError;
use crate::metrics::{self, Metrics};
use crate::ranking::TopCache;
use crate::rate_limit::{self, RateLimits};
use crate::security_headers::{self, SecurityHeaders};
use crate::state::{AppState, Settings};
use crate::verify::Verifier;
use crate::web::{self, WebRoot};
use crate::{db, request_id, routes};

/// Connects to the database (applying migrations) and builds the state. Fails on a missing
/// or weak token secret before touching the database.
pub async fn state_from_config(config: &Config) -> anyhow::Result<AppState> {
    let secret = config.jwt_secret()?;
    let previous = config.jwt_previous_secret()?;
    let tokens = TokenKeys::new(
        &secret,
        previous.as_deref(),
        &config.jwt_issuer,
        &config.jwt_audience,
        config.jwt_ttl(),
    );
    let challenges = ChallengeKeys::new(&secret, previous.as_deref());
    let db = db::connect_and_migrate(config).await?;
    let reads = db::connect_reads(config)?;
    let replica = db::connect_replica(config).await?;
    let metrics = Arc::new(Metrics::new());
    Ok(AppState {
        db,
        reads,
        replica,
        top: Arc::new(TopCache::default()),
        health: Arc::default(),
        tokens,
        challenges,
        settings: Arc::new(Settings {
            challenge_ttl: std::time::Duration::from_secs(config.challenge_ttl_secs),
            site_name: config.site_name.clone(),
            match_ticket_ttl: std::time::Duration::from_secs(config.match_ticket_ttl_secs),
        }),
        verifier: Verifier::new(
            config.verify_workers(),
            config.verify_queue,
            // Half the request's time to wait for a worker: the rest is for the replay.
            config.request_timeout() / 2,
            metrics.clone(),
        ),
        metrics,
    })
}

/// The whole HTTP application.
pub fn router(state: AppState, config: &Config) -> anyhow::Result<Router> {
    // JSON responses are compressed; static files are served precompressed instead.
    let api = routes::api().layer(CompressionLayer::new());
    let app = Router::new().nest("/api", api).merge(routes::health());
    let app = match &config.web_root {
        Some(root) => {
            let root = root
                .canonicalize()
                .with_context(|| format!("web_root {} does not exist", root.display()))?;
            anyhow::ensure!(
                root.join("index.html").is_file(),
                "web_root {} has no index.html",
                root.display()
            );
            app.fallback_service(
                Router::new()
                    .fallback(web::serve)
                    .with_state(WebRoot::new(root)),
            )
        }
        None => app.fallback(routes::not_found),
    };
    let rate_limits = RateLimits::new(
        &config.rate_limit,
        &config.trusted_proxies,
        state.metrics.clone(),
    );
    let security = SecurityHeaders::from_config(config)?;
    let timeout = config.request_timeout();
    let max_body_bytes = config.max_body_bytes;
    // Layers run outermost last-added: request id, then security headers, metrics, logging,
    // CORS, rate limits, the timeout and panic catching, then the route.
    let app = app
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(middleware::from_fn(move |request, next| {
            refuse_announced_oversize(max_body_bytes, request, next)
        }))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("a request handler panicked").into_response()
        }))
        .layer(middleware::from_fn(move |request, next| {
            request_timeout(timeout, request, next)
        }))
        .layer(middleware::from_fn_with_state(
            rate_limits,
            rate_limit::middleware,
        ));
    let app = match security_headers::cors(config)? {
        Some(cors) => app.layer(cors),
        None => app,
    };
    Ok(app
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                )
                // A 5xx of its own making (timeout, busy, database down) is a warning; an
                // internal error logs itself at ERROR with its cause (`ApiError::internal`).
                .on_failure(
                    DefaultOnFailure::new()
                        .level(Level::WARN)
                        .latency_unit(LatencyUnit::Millis),
                ),
        )
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::middleware,
        ))
        .layer(middleware::from_fn_with_state(
            security,
            security_headers::middleware,
        ))
        .layer(middleware::from_fn(request_id::middleware))
        .with_state(state))
}

/// A request that takes too long is answered 503 (its work is dropped, which rolls back any
/// open transaction).
async fn request_timeout(limit: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "the request took too long; try again",
        )
        .into_response(),
    }
}

/// A body announced (`Content-Length`) larger than the limit is refused at once, before
/// anything reads it, and so before hyper answers an `Expect: 100-continue`: the body limit
/// alone counts bytes as they arrive, which let a client that announced 50 MB and sent one
/// byte hold its request open until the timeout (503), after inviting the upload.
async fn refuse_announced_oversize(limit: usize, request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit as u64) {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!("the request body may be at most {limit} bytes"),
        )
        .into_response();
    }
    next.run(request).await
}

/// One span per request, named by its request id (set by the outer request-id middleware),
/// so every log line of the request carries it.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let request_id = request
        .headers()
        .get(&request_id::HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}
