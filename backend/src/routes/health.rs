//! Health endpoints: `/health/live` (the process answers), `/health/ready` (it can serve:
//! the database answers), `/health` (a report for people and dashboards).
//!
//! They are public and unlimited, so the database is asked at most once per
//! [`DatabaseProbe::PERIOD`] however often they are called: callers within a period share the
//! last answer, and concurrent callers wait for one query.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use protocol::api::{DatabaseHealth, HealthReport};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::AppState;

const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The last database check, shared by every health request.
#[derive(Debug, Default)]
pub struct DatabaseProbe {
    last: tokio::sync::Mutex<Option<(Instant, Result<Duration, String>)>>,
}

impl DatabaseProbe {
    pub const PERIOD: Duration = Duration::from_secs(1);
}

pub async fn live() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

pub async fn ready(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    check_database(&state)
        .await
        .map_err(|_| ApiError::unavailable())?;
    Ok(Json(json!({"status": "ready"})))
}

pub async fn report(State(state): State<AppState>) -> (StatusCode, Json<HealthReport>) {
    let database = match check_database(&state).await {
        Ok(latency) => DatabaseHealth {
            ok: true,
            latency_ms: Some(u64::try_from(latency.as_millis()).unwrap_or(u64::MAX)),
            error: None,
        },
        Err(reason) => DatabaseHealth {
            ok: false,
            latency_ms: None,
            error: Some(reason),
        },
    };
    let status = if database.ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let report = HealthReport {
        status: if database.ok { "ok" } else { "degraded" }.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database,
    };
    (status, Json(report))
}

/// The database's state: the last check if it is recent, else a new one.
async fn check_database(state: &AppState) -> Result<Duration, String> {
    let mut last = state.health.last.lock().await;
    if let Some((at, answer)) = &*last
        && at.elapsed() < DatabaseProbe::PERIOD
    {
        return answer.clone();
    }
    let answer = query_database(state).await;
    *last = Some((Instant::now(), answer.clone()));
    answer
}

/// Round-trips `SELECT 1`; the error is a short description fit for a public endpoint.
async fn query_database(state: &AppState) -> Result<Duration, String> {
    let started = Instant::now();
    match tokio::time::timeout(
        DATABASE_CHECK_TIMEOUT,
        sqlx::query("SELECT 1").execute(&state.db),
    )
    .await
    {
        Ok(Ok(_)) => Ok(started.elapsed()),
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "database health check failed");
            Err("the database is unreachable".into())
        }
        Err(_) => Err(format!(
            "the database did not answer within {DATABASE_CHECK_TIMEOUT:?}"
        )),
    }
}
