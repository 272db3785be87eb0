//! The HTTP routes, one module per resource.

pub mod auth;
pub mod health;
pub mod leaderboard;
pub mod matches;
pub mod players;

use axum::Router;
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::state::AppState;

/// Everything under `/api`.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/challenge", post(auth::challenge))
        .route("/auth/verify", post(auth::verify))
        .route("/auth/sign-out", post(auth::sign_out))
        .route("/auth/sign-out-everywhere", post(auth::sign_out_everywhere))
        .route("/me", get(players::me))
        .route("/players/{wallet_address}/stats", get(players::stats))
        .route("/matches", post(matches::start))
        .route("/matches/mine", get(matches::mine))
        .route("/matches/{match_id}/result", post(matches::submit_result))
        .route("/matches/{match_id}/record", get(matches::record))
        .route("/leaderboard", get(leaderboard::page))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// The health endpoints, outside `/api` so that proxies and probes find them at the root.
pub fn health() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::report))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        protocol::ErrorCode::MethodNotAllowed,
        "this endpoint does not accept that method",
    )
}
