//! The caller's profile and any player's public stats.

use axum::Json;
use axum::extract::State;
use protocol::api::{PlayerProfile, PlayerStats, Standing};
use protocol::{ErrorCode, StellarAccountId};

use crate::auth::AuthenticatedPlayer;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiPath;
use crate::players::{self, STANDING_COLUMNS, StandingRow};
use crate::ranking::{self, RankCursor};
use crate::state::AppState;

pub async fn me(
    State(state): State<AppState>,
    caller: AuthenticatedPlayer,
) -> ApiResult<Json<PlayerProfile>> {
    let player = players::by_id(&state.db, caller.player_id)
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized(ErrorCode::InvalidToken, "this account no longer exists")
        })?;
    Ok(Json(player.profile()?))
}

pub async fn stats(
    State(state): State<AppState>,
    ApiPath(wallet_address): ApiPath<String>,
) -> ApiResult<Json<PlayerStats>> {
    let account = StellarAccountId::parse(&wallet_address)
        .map_err(|error| ApiError::validation("wallet_address", error.to_string()))?;
    let player = players::by_wallet(state.ranking_reads(), &account)
        .await?
        .ok_or_else(|| ApiError::not_found("no player has this wallet"))?;
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        standing: StandingRow,
        goal_difference: i32,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {STANDING_COLUMNS}, s.goal_difference FROM standings s WHERE s.player_id = $1"
    ))
    .bind(player.id)
    .fetch_optional(state.ranking_reads())
    .await?;
    // Rank = 1 + players strictly ahead in the leaderboard order, from the kept counts.
    let rank = match &row {
        Some(row) => {
            let narrow = |value: i64| i32::try_from(value).map_err(ApiError::internal);
            let key = RankCursor {
                points: narrow(row.standing.points)?,
                wins: narrow(row.standing.wins)?,
                goal_difference: row.goal_difference,
                goals_for: narrow(row.standing.goals_for)?,
                player_id: player.id,
            };
            Some(ranking::rank_of(state.ranking_reads(), &key).await?.0)
        }
        None => None,
    };
    let standing = row.map(|row| row.standing);
    let profile = player.profile()?;
    Ok(Json(PlayerStats {
        username: profile.username,
        wallet_address: profile.wallet_address,
        rank,
        standing: standing.map(Standing::from).unwrap_or_default(),
    }))
}
