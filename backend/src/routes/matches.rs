//! Matches: started by the server (a ticket), finished by a record the server re-plays, and
//! kept with that record; the caller's history; any verified ranked match's record.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use protocol::api::{
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MatchHistoryPage, MatchReplay, MatchResultSubmission,
    MatchStatus, MatchTicket, StartMatchRequest, StoredMatch,
};
use protocol::record::{MatchRecord, SIM_VERSION, decode_inputs, recorded_sides};
use protocol::rules::{RulesViolation, TICKS_PER_SECOND, check_final_score};
use protocol::{Difficulty, ErrorCode, GameMode, Outcome};
use serde::Deserialize;
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::AuthenticatedPlayer;
use crate::db::is_foreign_key_violation;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::metrics::ReplayOutcome;
use crate::players::{parse_username, parse_wallet};
use crate::state::AppState;
use crate::tickets;
use crate::verify::VerifyError;

/// How much sooner than its ticks at 60 a second a result may arrive: the ticket is issued
/// before the kickoff, so only clock granularity and rounding need room.
const EARLY_TOLERANCE: Duration = Duration::from_secs(2);

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
    status: String,
    played_at: OffsetDateTime,
}

const MATCH_COLUMNS: &str = "id, player_id, player_score, opponent_score, outcome, \
                             duration_ticks, mode, difficulty, status, played_at";

fn corrupt(what: &str, id: Uuid) -> ApiError {
    ApiError::internal(format!("match {id}: bad {what}"))
}

/// A mode as stored: `(mode, difficulty)` columns.
fn mode_columns(mode: GameMode) -> (&'static str, Option<&'static str>) {
    match mode {
        GameMode::VsComputer { difficulty } => ("vs_computer", Some(difficulty.as_str())),
        GameMode::LocalTwoPlayer => ("local_two_player", None),
    }
}

fn parse_mode(mode: &str, difficulty: Option<&str>, id: Uuid) -> ApiResult<GameMode> {
    match (mode, difficulty) {
        ("vs_computer", Some(difficulty)) => Ok(GameMode::VsComputer {
            difficulty: Difficulty::parse(difficulty).ok_or_else(|| corrupt("difficulty", id))?,
        }),
        ("local_two_player", None) => Ok(GameMode::LocalTwoPlayer),
        _ => Err(corrupt("mode", id)),
    }
}

impl MatchRow {
    fn to_api(&self) -> ApiResult<StoredMatch> {
        let id = self.id;
        Ok(StoredMatch {
            match_id: id,
            player_score: u8::try_from(self.player_score).map_err(|_| corrupt("score", id))?,
            opponent_score: u8::try_from(self.opponent_score).map_err(|_| corrupt("score", id))?,
            outcome: Outcome::parse(&self.outcome).ok_or_else(|| corrupt("outcome", id))?,
            duration_ticks: u32::try_from(self.duration_ticks)
                .map_err(|_| corrupt("duration", id))?,
            mode: parse_mode(&self.mode, self.difficulty.as_deref(), id)?,
            status: MatchStatus::parse(&self.status).ok_or_else(|| corrupt("status", id))?,
            played_at: self.played_at,
        })
    }
}

/// `POST /api/matches`: starts a match for the caller and closes any match they left open
/// (a ranked one is stored as a forfeit). 201 with the ticket.
pub async fn start(
    State(state): State<AppState>,
    caller: AuthenticatedPlayer,
    ApiJson(request): ApiJson<StartMatchRequest>,
) -> ApiResult<(StatusCode, Json<MatchTicket>)> {
    let (mode, difficulty) = mode_columns(request.mode);
    let mut tx = state.db.begin().await?;
    // One start at a time per player, so "one open match" holds under concurrent starts.
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM players WHERE id = $1 FOR UPDATE")
        .bind(caller.player_id)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Err(account_gone());
    }
    let forfeited = tickets::close_players_tickets(&mut *tx, caller.player_id).await?;
    let ttl = i64::try_from(state.settings.match_ticket_ttl.as_secs()).unwrap_or(i64::MAX);
    // The match's seed: only this match's record re-plays to its result with it.
    let drawn: u32 = rand::random();
    let (match_id, seed, started_at, expires_at): (Uuid, i64, OffsetDateTime, OffsetDateTime) =
        sqlx::query_as(
            "INSERT INTO match_tickets (player_id, mode, difficulty, sim_version, seed, \
                                        expires_at) \
             VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) \
             RETURNING id, seed, started_at, expires_at",
        )
        .bind(caller.player_id)
        .bind(mode)
        .bind(difficulty)
        .bind(i32::try_from(SIM_VERSION).map_err(ApiError::internal)?)
        .bind(i64::from(drawn))
        .bind(ttl as f64)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    if !forfeited.is_empty() {
        state.metrics.matches_forfeited(forfeited.len() as u64);
        tracing::info!(
            ?forfeited,
            "open ranked match forfeited by starting another"
        );
        state.top.refresh_after_change(&state.reads).await;
    }
    tracing::info!(%match_id, mode, "match started");
    Ok((
        StatusCode::CREATED,
        Json(MatchTicket {
            match_id,
            mode: request.mode,
            sim_version: SIM_VERSION,
            seed: u32::try_from(seed).map_err(|_| corrupt("seed", match_id))?,
            started_at,
            expires_at,
            forfeited: forfeited.first().copied(),
        }),
    ))
}

/// A result whose re-play failed: `refusal`, and the match closed (a ranked one as a
/// forfeit) if that was its last re-play.
async fn failed_replay(state: &AppState, match_id: Uuid, refusal: ApiError) -> ApiError {
    match tickets::close_if_spent(&state.db, match_id).await {
        Ok(forfeited) => {
            if !forfeited.is_empty() {
                state.metrics.matches_forfeited(forfeited.len() as u64);
                state.top.refresh_after_change(&state.reads).await;
                tracing::info!(%match_id, "match forfeited after its last failed re-play");
            }
            ApiError {
                message: format!(
                    "{} (a match is closed after {} results that do not re-play)",
                    refusal.message,
                    tickets::MAX_REPLAYS
                ),
                ..refusal
            }
        }
        Err(error) => error.into(),
    }
}

fn account_gone() -> ApiError {
    ApiError::unauthorized(ErrorCode::InvalidToken, "this account no longer exists")
}

fn match_closed() -> ApiError {
    ApiError::conflict(
        ErrorCode::MatchClosed,
        "this match was closed before its result arrived (it expired, or another match was \
         started); a ranked match closed that way counts as a forfeit",
    )
}

/// Checks what can be checked without the database or a replay.
fn check_result(submission: &MatchResultSubmission) -> ApiResult<()> {
    // Older versions still play (for watching), but a result counts only in this one.
    let version = submission.record.sim_version;
    if version != SIM_VERSION {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::OutdatedGame,
            format!(
                "this match was played with game version {version}, and this server \
                 plays version {SIM_VERSION}: reload the page to get the current game"
            ),
        ));
    }
    if let Err(error) = submission.record.frames() {
        return Err(invalid_record(error.to_string()));
    }
    check_final_score(
        submission.player_score,
        submission.opponent_score,
        submission.record.ticks,
    )
    .map_err(|violation| {
        let field = match violation {
            RulesViolation::ScoreTooHigh | RulesViolation::BothWon => "player_score",
            RulesViolation::TooLong
            | RulesViolation::EndedEarly
            | RulesViolation::TooFast { .. } => "record.ticks",
        };
        ApiError::validation(field, violation.to_string())
    })
}

fn invalid_record(message: impl Into<String>) -> ApiError {
    ApiError {
        field: Some("record".into()),
        ..ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidRecord,
            message,
        )
    }
}

#[derive(Debug, FromRow)]
struct TicketRow {
    mode: String,
    difficulty: Option<String>,
    sim_version: i32,
    seed: i64,
    started_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
}

/// When a stored match is submitted again: the same result is a retry (200), anything else
/// is refused.
fn resubmission(
    existing: &MatchRow,
    record_inputs: Option<&str>,
    caller: Uuid,
    submission: &MatchResultSubmission,
) -> ApiResult<(StatusCode, Json<StoredMatch>)> {
    if existing.player_id != caller {
        return Err(ApiError::not_found("you have no match with this id"));
    }
    let stored = existing.to_api()?;
    match stored.status {
        MatchStatus::Forfeited => Err(match_closed()),
        MatchStatus::Verified
            if stored.player_score == submission.player_score
                && stored.opponent_score == submission.opponent_score
                && same_inputs(record_inputs, stored.mode, &submission.record) =>
        {
            Ok((StatusCode::OK, Json(stored)))
        }
        _ => Err(ApiError::conflict(
            ErrorCode::MatchConflict,
            "a different result was already stored for this match",
        )),
    }
}

/// Whether `record` holds the stored inputs: compared decoded, so that a retry whose
/// encoder wrote the same frames differently is still the same result.
fn same_inputs(stored: Option<&str>, mode: GameMode, record: &MatchRecord) -> bool {
    let Some(stored) = stored else {
        return false;
    };
    match (decode_inputs(stored, recorded_sides(mode)), record.frames()) {
        (Ok(stored), Ok(submitted)) => stored == submitted,
        _ => false,
    }
}

/// The answer when the ticket is gone: the stored match as a retry's, or closed.
async fn already_stored(
    db: &sqlx::PgPool,
    match_id: Uuid,
    caller: Uuid,
    submission: &MatchResultSubmission,
) -> ApiResult<(StatusCode, Json<StoredMatch>)> {
    match stored_match(db, match_id).await? {
        Some((existing, record_inputs)) => {
            resubmission(&existing, record_inputs.as_deref(), caller, submission)
        }
        None => Err(match_closed()),
    }
}

async fn stored_match(
    db: &sqlx::PgPool,
    match_id: Uuid,
) -> ApiResult<Option<(MatchRow, Option<String>)>> {
    #[derive(FromRow)]
    struct Row {
        #[sqlx(flatten)]
        stored: MatchRow,
        record_inputs: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {MATCH_COLUMNS}, record_inputs FROM matches WHERE id = $1"
    ))
    .bind(match_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| (row.stored, row.record_inputs)))
}

/// `POST /api/matches/{match_id}/result`: re-plays the record and stores the score the
/// server computed (201); the same result again is a retry (200).
pub async fn submit_result(
    State(state): State<AppState>,
    caller: AuthenticatedPlayer,
    ApiPath(match_id): ApiPath<Uuid>,
    ApiJson(submission): ApiJson<MatchResultSubmission>,
) -> ApiResult<(StatusCode, Json<StoredMatch>)> {
    check_result(&submission)?;
    if let Some((existing, record_inputs)) = stored_match(&state.db, match_id).await? {
        return resubmission(
            &existing,
            record_inputs.as_deref(),
            caller.player_id,
            &submission,
        );
    }
    let ticket: Option<TicketRow> = sqlx::query_as(
        "SELECT mode, difficulty, sim_version, seed, started_at, expires_at, now() AS now \
         FROM match_tickets WHERE id = $1 AND player_id = $2",
    )
    .bind(match_id)
    .bind(caller.player_id)
    .fetch_optional(&state.db)
    .await?;
    let Some(ticket) = ticket else {
        return Err(ApiError::not_found(
            "you have no open match with this id: start a match first",
        ));
    };
    if ticket.expires_at <= ticket.now {
        let forfeited = tickets::close_ticket(&state.db, match_id).await?;
        state.metrics.matches_forfeited(forfeited.len() as u64);
        if !forfeited.is_empty() {
            state.top.refresh_after_change(&state.reads).await;
        }
        return Err(match_closed());
    }
    let ticket_mode = parse_mode(&ticket.mode, ticket.difficulty.as_deref(), match_id)?;
    if submission.record.mode != ticket_mode {
        return Err(invalid_record(
            "the record is of another mode than the match that was started",
        ));
    }
    if u32::try_from(ticket.sim_version).ok() != Some(SIM_VERSION) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::OutdatedGame,
            "the server was upgraded during this match; reload the page to get the current game",
        ));
    }
    let played =
        Duration::from_secs_f64(f64::from(submission.record.ticks) / f64::from(TICKS_PER_SECOND));
    let earliest = ticket.started_at + played - EARLY_TOLERANCE;
    if ticket.now < earliest {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ResultTooEarly,
            format!(
                "a match of {} ticks takes {:.1} s, but this one was started {:.1} s ago",
                submission.record.ticks,
                played.as_secs_f64(),
                (ticket.now - ticket.started_at).as_seconds_f64(),
            ),
        ));
    }

    // A record carries the seed it was played with: another match's (a copied record) is
    // refused before any re-play. One relabelled with this seed re-plays to another result.
    if i64::from(submission.record.seed) != ticket.seed {
        return Err(ApiError {
            field: Some("record.seed".into()),
            ..invalid_record(
                "this record was played in another match (its seed is not this match's)",
            )
        });
    }

    // Each re-play costs the match one of its few (`tickets::MAX_REPLAYS`).
    if !tickets::take_replay(&state.db, match_id).await? {
        // Stored meanwhile (a concurrent retry), closed, or out of re-plays.
        return already_stored(&state.db, match_id, caller.player_id, &submission).await;
    }
    let replayed = match state.verifier.replay(submission.record.clone()).await {
        Ok(result) => result,
        Err(VerifyError::Busy) => {
            // Nothing ran: the re-play is given back.
            tickets::return_replay(&state.db, match_id).await?;
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Busy,
                "every match verifier is busy; try again in a moment",
            )
            .retry_after(1));
        }
        // Malformed, or not a whole match.
        Err(VerifyError::Replay(error)) => {
            return Err(failed_replay(&state, match_id, invalid_record(error.to_string())).await);
        }
        Err(error @ VerifyError::Crashed(_)) => return Err(ApiError::internal(error)),
    };
    if (replayed.left, replayed.right) != (submission.player_score, submission.opponent_score) {
        state.metrics.replayed(ReplayOutcome::Mismatch);
        tracing::warn!(
            %match_id,
            player = %caller.player_id,
            claimed = ?(submission.player_score, submission.opponent_score),
            replayed = ?(replayed.left, replayed.right),
            "result does not match its replay"
        );
        let refusal = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ResultMismatch,
            format!(
                "re-playing this match gives {}–{}, not the {}–{} submitted",
                replayed.left, replayed.right, submission.player_score, submission.opponent_score
            ),
        );
        return Err(failed_replay(&state, match_id, refusal).await);
    }
    state.metrics.replayed(ReplayOutcome::Verified);

    let outcome = Outcome::from_scores(replayed.left, replayed.right);
    let inserted: Result<Option<MatchRow>, sqlx::Error> = sqlx::query_as(&format!(
        "WITH ticket AS (DELETE FROM match_tickets WHERE id = $1 AND player_id = $2 \
                         RETURNING id, player_id, mode, difficulty, seed) \
         INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, \
                              duration_ticks, mode, difficulty, status, record_inputs, \
                              sim_version, seed) \
         SELECT id, player_id, $3, $4, $5, $6, mode, difficulty, 'verified', $7, $8, seed \
         FROM ticket RETURNING {MATCH_COLUMNS}"
    ))
    .bind(match_id)
    .bind(caller.player_id)
    .bind(i16::from(replayed.left))
    .bind(i16::from(replayed.right))
    .bind(outcome.as_str())
    .bind(i32::try_from(replayed.ticks).map_err(ApiError::internal)?)
    .bind(&submission.record.inputs)
    .bind(i32::try_from(SIM_VERSION).map_err(ApiError::internal)?)
    .fetch_optional(&state.db)
    .await;
    match inserted {
        Ok(Some(row)) => {
            tracing::info!(match_id = %row.id, outcome = %row.outcome, "match verified and stored");
            state
                .metrics
                .match_stored(outcome, submission.record.mode.is_ranked());
            if submission.record.mode.is_ranked() {
                state.top.refresh_after_change(&state.reads).await;
            }
            Ok((StatusCode::CREATED, Json(row.to_api()?)))
        }
        // The ticket went while we re-played: a concurrent retry stored it, or it was closed.
        Ok(None) => already_stored(&state.db, match_id, caller.player_id, &submission).await,
        Err(error) if is_foreign_key_violation(&error) => Err(account_gone()),
        Err(error) => Err(error.into()),
    }
}

/// `GET /api/matches/{match_id}/record`: a verified ranked match and its record, for anyone
/// to watch.
pub async fn record(
    State(state): State<AppState>,
    ApiPath(match_id): ApiPath<Uuid>,
) -> ApiResult<Json<MatchReplay>> {
    #[derive(FromRow)]
    struct Row {
        #[sqlx(flatten)]
        stored: MatchRow,
        record_inputs: String,
        sim_version: i32,
        seed: Option<i64>,
        username: String,
        wallet_address: String,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT m.id, m.player_id, m.player_score, m.opponent_score, m.outcome, \
                m.duration_ticks, m.mode, m.difficulty, m.status, m.played_at, \
                m.record_inputs, m.sim_version, m.seed, p.username, p.wallet_address \
         FROM matches m JOIN players p ON p.id = m.player_id \
         WHERE m.id = $1 AND m.status = 'verified' AND m.mode = 'vs_computer' \
               AND p.closed_at IS NULL",
    )
    .bind(match_id)
    .fetch_optional(&state.reads)
    .await?;
    let Some(row) = row else {
        return Err(ApiError::not_found("no verified ranked match with this id"));
    };
    let stored = row.stored.to_api()?;
    Ok(Json(MatchReplay {
        record: MatchRecord {
            sim_version: u32::try_from(row.sim_version)
                .map_err(|_| corrupt("version", match_id))?,
            mode: stored.mode,
            seed: u32::try_from(row.seed.unwrap_or(0)).map_err(|_| corrupt("seed", match_id))?,
            ticks: stored.duration_ticks,
            inputs: row.record_inputs,
        },
        stored,
        username: parse_username(&row.username)?,
        wallet_address: parse_wallet(&row.wallet_address)?,
    }))
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
    let played_at = OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
    // Within what PostgreSQL stores (a crafted year -9999 would make the query fail).
    if played_at.year() < 1 {
        return None;
    }
    Some((played_at, id.parse().ok()?))
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
