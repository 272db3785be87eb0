//! Assembling the application: state from configuration, routes, and the layers around them.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::IntoResponse;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::jwt::TokenKeys;
use crate::config::Config;
use crate::error::ApiError;
use crate::state::{AppState, Settings};
use crate::web::{self, WebRoot};
use crate::{db, request_id, routes};

/// Connects to the database (applying migrations) and builds the state. Fails on a missing
/// or weak token secret before touching the database.
pub async fn state_from_config(config: &Config) -> anyhow::Result<AppState> {
    let secret = config.jwt_secret()?;
    let tokens = TokenKeys::new(
        &secret,
        &config.jwt_issuer,
        &config.jwt_audience,
        std::time::Duration::from_secs(config.jwt_ttl_secs),
    );
    let db = db::connect_and_migrate(config).await?;
    Ok(AppState {
        db,
        tokens,
        settings: Arc::new(Settings {
            challenge_ttl: std::time::Duration::from_secs(config.challenge_ttl_secs),
            site_name: config.site_name.clone(),
        }),
    })
}

/// The whole HTTP application.
pub fn router(state: AppState, config: &Config) -> anyhow::Result<Router> {
    let app = Router::new()
        .nest("/api", routes::api())
        .merge(routes::health());
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
    Ok(app
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        // Innermost first: a panic becomes a JSON 500 that still carries the request id.
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("a request handler panicked").into_response()
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                ),
        )
        .layer(middleware::from_fn(request_id::middleware))
        .with_state(state))
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
