//! Player rows and the queries on them that several routes share.

use protocol::api::{PlayerProfile, Standing};
use protocol::{StellarAccountId, Username};
use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::ApiError;

#[derive(Debug, FromRow)]
pub struct PlayerRow {
    pub id: Uuid,
    pub username: String,
    pub wallet_address: String,
    pub created_at: OffsetDateTime,
}

/// The columns of [`PlayerRow`]. Closed accounts (see the wallet-proof migration) have no
/// name or address: every query that reads these columns selects open accounts only.
pub const PLAYER_COLUMNS: &str = "id, username, wallet_address, created_at";

impl PlayerRow {
    pub fn profile(&self) -> Result<PlayerProfile, ApiError> {
        Ok(PlayerProfile {
            username: parse_username(&self.username)?,
            wallet_address: parse_wallet(&self.wallet_address)?,
            created_at: self.created_at,
        })
    }
}

/// Values in the database were validated on the way in; one that no longer parses means
/// the data was changed behind our back, which is our failure, not the client's.
pub fn parse_username(text: &str) -> Result<Username, ApiError> {
    Username::parse(text)
        .map_err(|error| ApiError::internal(format!("stored username {text:?}: {error}")))
}

pub fn parse_wallet(text: &str) -> Result<StellarAccountId, ApiError> {
    StellarAccountId::parse(text)
        .map_err(|error| ApiError::internal(format!("stored wallet {text:?}: {error}")))
}

pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<PlayerRow>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {PLAYER_COLUMNS} FROM players WHERE id = $1 AND closed_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?)
}

pub async fn by_wallet(
    db: impl PgExecutor<'_>,
    wallet: &StellarAccountId,
) -> Result<Option<PlayerRow>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {PLAYER_COLUMNS} FROM players WHERE wallet_address = $1"
    ))
    .bind(wallet.to_string())
    .fetch_optional(db)
    .await?)
}

/// A standings row as read by the leaderboard and stats queries (columns cast to bigint).
#[derive(Debug, FromRow)]
pub struct StandingRow {
    pub played: i64,
    pub wins: i64,
    pub draws: i64,
    pub losses: i64,
    pub goals_for: i64,
    pub goals_against: i64,
    pub points: i64,
}

pub const STANDING_COLUMNS: &str = "s.played::bigint AS played, s.wins::bigint AS wins, \
     s.draws::bigint AS draws, s.losses::bigint AS losses, s.goals_for::bigint AS goals_for, \
     s.goals_against::bigint AS goals_against, s.points::bigint AS points";

impl From<StandingRow> for Standing {
    fn from(row: StandingRow) -> Self {
        Standing {
            played: row.played,
            wins: row.wins,
            draws: row.draws,
            losses: row.losses,
            goals_for: row.goals_for,
            goals_against: row.goals_against,
            points: row.points,
        }
    }
}
