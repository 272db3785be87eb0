//! Signed-in sessions. A token is only as good as its session: signing out ends one, signing
//! out everywhere ends all of a player's, and a token of an ended session is refused at once
//! (every authenticated request looks its session up: one primary-key read).

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::ApiError;

/// Starts a session for `player_id` that ends at `expires_at` at the latest.
pub async fn start(
    db: impl PgExecutor<'_>,
    player_id: Uuid,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<Uuid, ApiError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO sessions (player_id, created_at, expires_at) VALUES ($1, $2, $3) \
         RETURNING id",
    )
    .bind(player_id)
    .bind(now)
    .bind(expires_at)
    .fetch_one(db)
    .await?)
}

/// Whether session `session_id` of `player_id` is still on: not ended, not expired, and its
/// account still open.
pub async fn is_live(
    db: impl PgExecutor<'_>,
    session_id: Uuid,
    player_id: Uuid,
) -> Result<bool, ApiError> {
    let live: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM sessions s JOIN players p ON p.id = s.player_id \
         WHERE s.id = $1 AND s.player_id = $2 AND s.ended_at IS NULL \
               AND s.expires_at > now() AND p.closed_at IS NULL",
    )
    .bind(session_id)
    .bind(player_id)
    .fetch_optional(db)
    .await?;
    Ok(live.is_some())
}

/// Ends one session.
pub async fn end(db: impl PgExecutor<'_>, session_id: Uuid) -> Result<(), ApiError> {
    sqlx::query("UPDATE sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL")
        .bind(session_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of `player_id`; returns how many were on.
pub async fn end_all(db: impl PgExecutor<'_>, player_id: Uuid) -> Result<u64, ApiError> {
    Ok(sqlx::query(
        "UPDATE sessions SET ended_at = now() \
         WHERE player_id = $1 AND ended_at IS NULL AND expires_at > now()",
    )
    .bind(player_id)
    .execute(db)
    .await?
    .rows_affected())
}

/// Forgets sessions and used challenges that can no longer matter: expired ones (a token or
/// challenge past its expiry is refused on that alone) and sessions ended a day ago.
pub async fn forget_expired(db: &PgPool) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM sessions WHERE expires_at < now() OR ended_at < now() - interval '1 day'",
    )
    .execute(db)
    .await?;
    sqlx::query("DELETE FROM used_challenges WHERE expires_at < now()")
        .execute(db)
        .await?;
    Ok(())
}
