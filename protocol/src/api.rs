//! HTTP request and response bodies of the backend's JSON API (`/api/...`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::account::StellarAccountId;
use crate::record::MatchRecord;
use crate::rules::{GameMode, Outcome};
use crate::username::Username;

/// `POST /api/auth/challenge`: asks for a message to sign with the wallet's key, to sign up
/// or to sign in. Any valid address gets one: nothing is stored until it is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    pub wallet_address: StellarAccountId,
}

/// A single-use message that proves ownership of `wallet_address` once signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeResponse {
    /// Opaque; send it back with the signature. The server keeps nothing until it is used,
    /// so asking for challenges (anyone can, for any address) can never lock the owner out.
    pub challenge: String,
    pub wallet_address: StellarAccountId,
    /// The exact text to sign, as a SEP-53 message (the wallet signs
    /// `sha256("Stellar Signed Message:\n" + message)` with ed25519).
    pub message: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Whether an account uses this wallet already (sign in), or not yet (sign up).
    pub registered: bool,
}

/// `POST /api/auth/register`: a new account, for whoever holds the wallet's key. The
/// signature over a challenge for `wallet_address` is the proof; without it no address can be
/// reserved. A refused name leaves the challenge unused, to try another name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub username: Username,
    pub wallet_address: StellarAccountId,
    /// From [`ChallengeResponse::challenge`].
    pub challenge: String,
    /// The 64-byte ed25519 signature of the challenge's message, base64 (standard alphabet),
    /// as wallets return it.
    pub signature: String,
}

/// `POST /api/auth/verify`: signs in with a signed challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub wallet_address: StellarAccountId,
    /// From [`ChallengeResponse::challenge`].
    pub challenge: String,
    /// As in [`RegisterRequest::signature`].
    pub signature: String,
}

/// A signed-in session. It lasts until `expires_at`, until the player signs out
/// (`POST /api/auth/sign-out`), or until they sign out everywhere
/// (`POST /api/auth/sign-out-everywhere`), whichever comes first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthResponse {
    /// A JWT to send as `Authorization: Bearer <token>`.
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub player: PlayerProfile,
}

/// A player as the player sees themself (`GET /api/me`). Every account has proved its wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerProfile {
    pub username: Username,
    pub wallet_address: StellarAccountId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/matches`: starts a match. The server picks its id and notes when it began; only
/// a match the server started can be stored, and against the computer it counts even if it
/// is never finished (see [`MatchTicket`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartMatchRequest {
    pub mode: GameMode,
}

/// A started match: what the game plays and the page later submits under.
///
/// A player has one open match at a time. Starting another, or letting this one pass
/// `expires_at`, closes it: a ranked match closed that way is stored as a forfeit, a loss
/// (reloading the page does not hide a defeat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchTicket {
    pub match_id: Uuid,
    pub mode: GameMode,
    /// The simulation version the server re-plays with ([`crate::record::SIM_VERSION`]).
    pub sim_version: u32,
    /// The match's seed, chosen by the server: the game plays the match with it and its
    /// record carries it (see [`crate::record`]).
    pub seed: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The match whose ticket this one replaced, when it was forfeited to start this one.
    pub forfeited: Option<Uuid>,
}

/// `POST /api/matches/{match_id}/result`: how the match ended, and its record.
///
/// The server re-plays the record and stores the score *it* computes; the claimed score
/// must equal it (`result_mismatch` otherwise). There is no "won" field: the outcome
/// follows from the scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchResultSubmission {
    /// Goals of the signed-in player (the left side).
    pub player_score: u8,
    pub opponent_score: u8,
    pub record: MatchRecord,
}

/// How a stored match came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// Played to the end and re-played by the server, which computed the score.
    Verified,
    /// Started and never finished: a loss by the match's goal limit.
    Forfeited,
    /// Stored before the server re-played results; kept in the history, never ranked.
    Unverified,
}

impl MatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Forfeited => "forfeited",
            Self::Unverified => "unverified",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "verified" => Some(Self::Verified),
            "forfeited" => Some(Self::Forfeited),
            "unverified" => Some(Self::Unverified),
            _ => None,
        }
    }
}

/// A match as stored by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMatch {
    pub match_id: Uuid,
    pub player_score: u8,
    pub opponent_score: u8,
    pub outcome: Outcome,
    pub duration_ticks: u32,
    pub mode: GameMode,
    pub status: MatchStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub played_at: OffsetDateTime,
}

impl StoredMatch {
    /// Whether its record can be watched by anyone: a verified ranked match.
    pub fn is_watchable(&self) -> bool {
        self.mode.is_ranked() && self.status == MatchStatus::Verified
    }
}

/// `GET /api/matches/{match_id}/record`: a verified ranked match and its record, public like
/// the moves of a chess game.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchReplay {
    #[serde(rename = "match")]
    pub stored: StoredMatch,
    pub username: Username,
    pub wallet_address: StellarAccountId,
    pub record: MatchRecord,
}

/// `GET /api/matches/mine`: one page of the caller's matches, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchHistoryPage {
    pub matches: Vec<StoredMatch>,
    /// Pass as `before` to get the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Points for the leaderboard: 3 for a win, 1 for a draw, each times the computer's
/// [`crate::rules::Difficulty::points_weight`].
pub const POINTS_PER_WIN: i64 = 3;
pub const POINTS_PER_DRAW: i64 = 1;

/// The points one ranked match is worth.
pub fn match_points(outcome: Outcome, difficulty: crate::rules::Difficulty) -> i64 {
    let base = match outcome {
        Outcome::Win => POINTS_PER_WIN,
        Outcome::Draw => POINTS_PER_DRAW,
        Outcome::Loss => 0,
    };
    base * difficulty.points_weight()
}

/// Ranked results of one player (matches against the computer only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub played: i64,
    pub wins: i64,
    pub draws: i64,
    pub losses: i64,
    pub goals_for: i64,
    pub goals_against: i64,
    pub points: i64,
}

/// One row of the leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderboardEntry {
    /// 1-based; players equal on points, wins, goal difference and goals share a rank.
    pub rank: i64,
    pub username: Username,
    pub wallet_address: StellarAccountId,
    #[serde(flatten)]
    pub standing: Standing,
    /// The player's latest verified ranked match, to watch.
    pub latest_match_id: Option<Uuid>,
}

/// `GET /api/leaderboard?limit=&after=` (or `&before=`): one page of the leaderboard, from
/// the top when neither cursor is given. Pages are keyset-paginated: any page costs the same,
/// however deep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderboardPage {
    pub entries: Vec<LeaderboardEntry>,
    /// Ranked players in all (refreshed every few seconds).
    pub total: i64,
    pub limit: u32,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
    /// Pass as `before` for the previous page; absent on the first.
    pub previous: Option<String>,
}

/// `GET /api/players/{wallet_address}/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerStats {
    pub username: Username,
    pub wallet_address: StellarAccountId,
    /// Absent until the player has finished a ranked match.
    pub rank: Option<i64>,
    #[serde(flatten)]
    pub standing: Standing,
}

/// Default and largest page sizes of every paginated endpoint.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 100;

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    /// "ok" or "degraded".
    pub status: String,
    pub version: String,
    pub database: DatabaseHealth,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseHealth {
    pub ok: bool,
    pub latency_ms: Option<u64>,
    /// Present when `ok` is false; never contains connection strings or SQL.
    pub error: Option<String>,
}
