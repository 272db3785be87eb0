//! The caller's profile and any player's public stats.

use axum::Json;
use axum::extract::{Path, State};
use protocol::api::{PlayerProfile, PlayerStats, Standing};
use protocol::{ErrorCode, StellarAccountId};

use crate::auth::AuthenticatedPlayer;
use crate::error::{ApiError, ApiResult};
use crate::players::{self, STANDING_COLUMNS, StandingRow};
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
    Path(wallet_address): Path<String>,
) -> ApiResult<Json<PlayerStats>> {
    let account = StellarAccountId::parse(&wallet_address)
        .map_err(|error| ApiError::validation("wallet_address", error.to_string()))?;
    let player = players::by_wallet(&state.db, &account)
        .await?
        .ok_or_else(|| ApiError::not_found("no player has this wallet"))?;
    let standing: Option<StandingRow> = sqlx::query_as(&format!(
        "SELECT {STANDING_COLUMNS} FROM standings s WHERE s.player_id = $1"
    ))
    .bind(player.id)
    .fetch_optional(&state.db)
    .await?;
    // Rank = 1 + players strictly ahead in the leaderboard order (the same rule as RANK()).
    let rank = match &standing {
        Some(_) => Some(
            sqlx::query_scalar::<_, i64>(
                "SELECT 1 + count(*) FROM standings o, standings me WHERE me.player_id = $1 \
                 AND (o.points, o.wins, o.goal_difference, o.goals_for) \
                   > (me.points, me.wins, me.goal_difference, me.goals_for)",
            )
            .bind(player.id)
            .fetch_one(&state.db)
            .await?,
        ),
        None => None,
    };
    let profile = player.profile()?;
    Ok(Json(PlayerStats {
        username: profile.username,
        wallet_address: profile.wallet_address,
        rank,
        standing: standing.map(Standing::from).unwrap_or_default(),
    }))
}
