//! Match tickets: the server starts every match, and closes the ones never finished.
//!
//! A player has at most one open ticket. It closes when its result is stored, when the
//! player starts another match, or when it expires; a ranked ticket closed the last two ways
//! is stored as a forfeit (a 0–5 loss), so leaving a match that is going badly never hides
//! the defeat.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::metrics::Metrics;

/// How often expired tickets are looked for.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(30);

/// Re-plays a match may cost: the game's record re-plays to its score the first time, so a
/// genuine client needs one (a retry while it runs, a second). After this many failed, the
/// match is closed (a ranked one as a forfeit): a burst of forged results on one ticket costs
/// a few re-plays and a loss, not every verifier.
pub const MAX_REPLAYS: i32 = 3;

/// Takes one of the ticket's re-plays; `false` when none is left (or no such open ticket).
pub async fn take_replay(db: impl PgExecutor<'_>, match_id: Uuid) -> sqlx::Result<bool> {
    let taken: Option<i32> = sqlx::query_scalar(
        "UPDATE match_tickets SET replays = replays + 1 \
         WHERE id = $1 AND replays < $2 RETURNING replays",
    )
    .bind(match_id)
    .bind(MAX_REPLAYS)
    .fetch_optional(db)
    .await?;
    Ok(taken.is_some())
}

/// Gives back a re-play that never ran (every verifier was busy).
pub async fn return_replay(db: impl PgExecutor<'_>, match_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE match_tickets SET replays = replays - 1 WHERE id = $1 AND replays > 0")
        .bind(match_id)
        .execute(db)
        .await?;
    Ok(())
}

/// After a failed re-play: closes the ticket if it has none left; returns the forfeited
/// matches' ids (empty if it stays open).
pub async fn close_if_spent(db: impl PgExecutor<'_>, match_id: Uuid) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(&close_tickets_sql("id = $1 AND replays >= $2"))
        .bind(match_id)
        .bind(MAX_REPLAYS)
        .fetch_all(db)
        .await
}

/// Deletes the tickets chosen by `condition` (on `match_tickets`) and stores the ranked ones as forfeits; returns the forfeited matches' ids. The
/// forfeit's length is the wall-clock time since the start, capped at a match's length.
fn close_tickets_sql(condition: &str) -> String {
    format!(
        "WITH closed AS (DELETE FROM match_tickets WHERE {condition} RETURNING *) \
         INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, \
                              duration_ticks, mode, difficulty, status) \
         SELECT id, player_id, 0, {goals}, 'loss', \
                LEAST({ticks}, GREATEST(1, floor(extract(epoch FROM now() - started_at) \
                                                  * {rate})))::int, \
                mode, difficulty, 'forfeited' \
         FROM closed WHERE mode = 'vs_computer' \
         RETURNING id",
        goals = protocol::rules::GOALS_TO_WIN,
        ticks = protocol::rules::MATCH_TICKS,
        rate = protocol::rules::TICKS_PER_SECOND,
    )
}

/// Closes every open ticket of `player_id`; returns the ids of the forfeited matches.
pub async fn close_players_tickets(
    db: impl PgExecutor<'_>,
    player_id: Uuid,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(&close_tickets_sql("player_id = $1"))
        .bind(player_id)
        .fetch_all(db)
        .await
}

/// Closes one ticket (it expired while its result was on the way).
pub async fn close_ticket(db: impl PgExecutor<'_>, match_id: Uuid) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(&close_tickets_sql("id = $1"))
        .bind(match_id)
        .fetch_all(db)
        .await
}

/// Closes every expired ticket; returns how many ranked matches were forfeited.
pub async fn close_expired(db: &PgPool) -> sqlx::Result<usize> {
    let forfeited: Vec<Uuid> = sqlx::query_scalar(&close_tickets_sql("expires_at <= now()"))
        .fetch_all(db)
        .await?;
    Ok(forfeited.len())
}

/// Closes expired tickets every [`SWEEP_INTERVAL`] for as long as the server runs. Several
/// servers sharing one database may all sweep: each ticket is deleted, and forfeited, once.
pub fn spawn_sweeper(db: PgPool, metrics: Arc<Metrics>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(SWEEP_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match close_expired(&db).await {
                Ok(0) => {}
                Ok(count) => {
                    metrics.matches_forfeited(count as u64);
                    tracing::info!(count, "expired ranked matches stored as forfeits");
                }
                Err(error) => tracing::warn!(%error, "cannot close expired match tickets"),
            }
            if let Err(error) = crate::auth::sessions::forget_expired(&db).await {
                tracing::warn!(%error, "cannot forget expired sessions and challenges");
            }
        }
    });
}
