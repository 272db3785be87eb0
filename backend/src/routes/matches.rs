//! Storing finished matches (idempotent on the client's match id) and the caller's history.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use protocol::api::{
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MatchHistoryPage, MatchSubmission, StoredMatch,
};
use protocol::rules::{RulesViolation, check_final_score};
use protocol::{Difficulty, ErrorCode, GameMode, Outcome};
use serde::Deserialize;
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::AuthenticatedPlayer;
use crate::db::is_foreign_key_violation;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

#[derive(Debug, FromRow)]
struct MatchRow {
    id: Uuid,
    player_id: Uuid,
    player_score: i16,
    opponent_score: i16,
    outcome: String,
    duration_ticks: i32,
    mode: String,
    difficulty: Option<String>,
    played_at: OffsetDateTime,
}

const MATCH_COLUMNS: &str = "id, player_id, player_score, opponent_score, outcome, \
                             duration_ticks, mode, difficulty, played_at";

impl MatchRow {
    fn to_api(&self) -> ApiResult<StoredMatch> {
        let corrupt = |what: &str| ApiError::internal(format!("match {}: bad {what}", self.id));
        let mode = match (self.mode.as_str(), self.difficulty.as_deref()) {
            ("vs_computer", Some(difficulty)) => GameMode::VsComputer {
                difficulty: Difficulty::parse(difficulty).ok_or_else(|| corrupt("difficulty"))?,
            },
            ("local_two_player", None) => GameMode::LocalTwoPlayer,
            _ => return Err(corrupt("mode")),
        };
        Ok(StoredMatch {
            match_id: self.id,
            player_score: u8::try_from(self.player_score).map_err(|_| corrupt("score"))?,
            opponent_score: u8::try_from(self.opponent_score).map_err(|_| corrupt("score"))?,
            outcome: Outcome::parse(&self.outcome).ok_or_else(|| corrupt("outcome"))?,
            duration_ticks: u32::try_from(self.duration_ticks).map_err(|_| corrupt("duration"))?,
            mode,
            played_at: self.played_at,
        })
    }

    /// Whether a retried submission describes this very match.
    fn matches_submission(&self, player_id: Uuid, submission: &MatchSubmission) -> bool {
        self.to_api().is_ok_and(|stored| {
            self.player_id == player_id
                && stored.player_score == submission.player_score
                && stored.opponent_score == submission.opponent_score
                && stored.duration_ticks == submission.duration_ticks
                && stored.mode == submission.mode
        })
    }
}

fn check_submission(submission: &MatchSubmission) -> ApiResult<()> {
    if submission.match_id.is_nil() {
        return Err(ApiError::validation(
            "match_id",
            "match_id must be a random UUID, not nil",
        ));
    }
    check_final_score(
        submission.player_score,
        submission.opponent_score,
        submission.duration_ticks,
    )
    .map_err(|violation| {
        let field = match violation {
            RulesViolation::ScoreTooHigh | RulesViolation::BothWon => "player_score",
            RulesViolation::TooLong
            | RulesViolation::EndedEarly
            | RulesViolation::TooFast { .. } => "duration_ticks",
        };
        ApiError::validation(field, violation.to_string())
    })
}

/// `POST /api/matches`: 201 when stored, 200 when this exact match was already stored (a
/// retry), 409 when the id is taken by a different match.
pub async fn store(
    State(state): State<AppState>,
    caller: AuthenticatedPlayer,
    ApiJson(submission): ApiJson<MatchSubmission>,
) -> ApiResult<(StatusCode, Json<StoredMatch>)> {
    check_submission(&submission)?;
    let outcome = Outcome::from_scores(submission.player_score, submission.opponent_score);
    let (mode, difficulty) = match submission.mode {
        GameMode::VsComputer { difficulty } => ("vs_computer", Some(difficulty.as_str())),
        GameMode::LocalTwoPlayer => ("local_two_player", None),
    };
    let inserted: Result<Option<MatchRow>, sqlx::Error> = sqlx::query_as(&format!(
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, \
                              duration_ticks, mode, difficulty) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (id) DO NOTHING RETURNING {MATCH_COLUMNS}"
    ))
    .bind(submission.match_id)
    .bind(caller.player_id)
    .bind(i16::from(submission.player_score))
    .bind(i16::from(submission.opponent_score))
    .bind(outcome.as_str())
    .bind(i32::try_from(submission.duration_ticks).map_err(ApiError::internal)?)
    .bind(mode)
    .bind(difficulty)
    .fetch_optional(&state.db)
    .await;
    let inserted = match inserted {
        Ok(row) => row,
        Err(error) if is_foreign_key_violation(&error) => {
            return Err(ApiError::unauthorized(
                ErrorCode::InvalidToken,
                "this account no longer exists",
            ));
        }
        Err(error) => return Err(error.into()),
    };
    if let Some(row) = inserted {
        tracing::info!(match_id = %row.id, outcome = %row.outcome, "match stored");
        state
            .metrics
            .match_stored(outcome, submission.mode.is_ranked());
        return Ok((StatusCode::CREATED, Json(row.to_api()?)));
    }
    let existing: MatchRow = sqlx::query_as(&format!(
        "SELECT {MATCH_COLUMNS} FROM matches WHERE id = $1"
    ))
    .bind(submission.match_id)
    .fetch_one(&state.db)
    .await?;
    if existing.matches_submission(caller.player_id, &submission) {
        Ok((StatusCode::OK, Json(existing.to_api()?)))
    } else {
        Err(ApiError::conflict(
            ErrorCode::MatchConflict,
            "a different match was already stored with this match_id",
        ))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub before: Option<String>,
}

/// A position in the history: the (played_at, id) of the last match shown.
fn encode_cursor(played_at: OffsetDateTime, id: Uuid) -> String {
    let micros = played_at.unix_timestamp_nanos() / 1000;
    URL_SAFE_NO_PAD.encode(format!("{micros}.{id}"))
}

fn decode_cursor(cursor: &str) -> Option<(OffsetDateTime, Uuid)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (micros, id) = text.split_once('.')?;
    let nanos = micros.parse::<i128>().ok()?.checked_mul(1000)?;
    Some((
        OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?,
        id.parse().ok()?,
    ))
}

/// `GET /api/matches/mine`: newest first, keyset-paginated so that new matches never shift
/// the pages a player is reading.
pub async fn mine(
    State(state): State<AppState>,
    caller: AuthenticatedPlayer,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<MatchHistoryPage>> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(ApiError::malformed(format!(
            "limit must be between 1 and {MAX_PAGE_SIZE}"
        )));
    }
    let before = match query.before.as_deref() {
        Some(cursor) => {
            Some(decode_cursor(cursor).ok_or_else(|| ApiError::malformed("bad cursor"))?)
        }
        None => None,
    };
    let rows: Vec<MatchRow> = sqlx::query_as(&format!(
        "SELECT {MATCH_COLUMNS} FROM matches \
         WHERE player_id = $1 AND ($2::timestamptz IS NULL OR (played_at, id) < ($2, $3)) \
         ORDER BY played_at DESC, id DESC LIMIT $4"
    ))
    .bind(caller.player_id)
    .bind(before.map(|(played_at, _)| played_at))
    .bind(before.map(|(_, id)| id))
    .bind(i64::from(limit) + 1)
    .fetch_all(&state.db)
    .await?;
    let has_more = rows.len() > limit as usize;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next_cursor = has_more
        .then(|| {
            rows.last()
                .map(|last| encode_cursor(last.played_at, last.id))
        })
        .flatten();
    let matches = rows
        .iter()
        .map(MatchRow::to_api)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(MatchHistoryPage {
        matches,
        next_cursor,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_790_000_000_123_456_000).unwrap();
        let id = Uuid::new_v4();
        assert_eq!(decode_cursor(&encode_cursor(at, id)), Some((at, id)));
        assert_eq!(decode_cursor("!!"), None);
        assert_eq!(
            decode_cursor(&URL_SAFE_NO_PAD.encode("12.not-a-uuid")),
            None
        );
    }
}
