//! The public leaderboard: ranked matches only, in a total order so pages are stable.

use axum::Json;
use axum::extract::State;
use protocol::api::{DEFAULT_PAGE_SIZE, LeaderboardEntry, LeaderboardPage, MAX_PAGE_SIZE};
use serde::Deserialize;
use sqlx::FromRow;

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::players::{STANDING_COLUMNS, StandingRow, parse_username, parse_wallet};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// Offsets beyond this are refused: deep offset scans are a cheap way to load the database.
const MAX_OFFSET: u32 = 100_000;

#[derive(Debug, FromRow)]
struct EntryRow {
    rank: i64,
    username: String,
    wallet_address: String,
    #[sqlx(flatten)]
    standing: StandingRow,
    latest_match_id: Option<uuid::Uuid>,
}

pub async fn page(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<LeaderboardPage>> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(ApiError::malformed(format!(
            "limit must be between 1 and {MAX_PAGE_SIZE}"
        )));
    }
    let offset = query.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(ApiError::malformed(format!(
            "offset must be at most {MAX_OFFSET}"
        )));
    }
    // The latest watchable match is looked up for the page's rows only.
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT page.*, \
                (SELECT m.id FROM matches m \
                 WHERE m.player_id = page.player_id AND m.status = 'verified' \
                       AND m.mode = 'vs_computer' \
                 ORDER BY m.played_at DESC, m.id DESC LIMIT 1) AS latest_match_id \
         FROM (SELECT rank() OVER (ORDER BY s.points DESC, s.wins DESC, \
                      s.goal_difference DESC, s.goals_for DESC) AS rank, \
                      s.player_id, p.username, p.wallet_address, \
                      {STANDING_COLUMNS} \
               FROM standings s JOIN players p ON p.id = s.player_id \
               ORDER BY s.points DESC, s.wins DESC, s.goal_difference DESC, \
                        s.goals_for DESC, s.player_id \
               LIMIT $1 OFFSET $2) page \
         ORDER BY page.rank, page.player_id"
    ))
    .bind(i64::from(limit))
    .bind(i64::from(offset))
    .fetch_all(&state.db)
    .await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM standings")
        .fetch_one(&state.db)
        .await?;
    let entries = rows
        .into_iter()
        .map(|row| {
            Ok(LeaderboardEntry {
                rank: row.rank,
                username: parse_username(&row.username)?,
                wallet_address: parse_wallet(&row.wallet_address)?,
                standing: row.standing.into(),
                latest_match_id: row.latest_match_id,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(LeaderboardPage {
        entries,
        total,
        limit,
        offset,
    }))
}
