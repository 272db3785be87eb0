//! The one error body every failed API request answers with.

use serde::{Deserialize, Serialize};

/// `{code, message, request_id}`, plus the offending field for validation errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// For people: what went wrong and, where possible, what to do.
    pub message: String,
    /// The `x-request-id` of the request, to quote in a bug report or find in the logs.
    pub request_id: String,
    /// For validation errors: the JSON path of the offending field, e.g. `wallet_address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Machine-readable error kinds; clients branch on these, never on `message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not JSON, or a query string is malformed.
    MalformedRequest,
    /// 401: no token was sent.
    MissingToken,
    /// 401: the token is forged, tampered with, for another audience, or otherwise invalid.
    InvalidToken,
    /// 401: the token has expired: sign in again.
    TokenExpired,
    /// 401: the session was ended (signed out, or signed out everywhere): sign in again.
    SessionEnded,
    /// 401: the signature does not prove ownership of the wallet.
    InvalidSignature,
    /// 401: the challenge does not exist, was for another wallet, was used, or expired.
    InvalidChallenge,
    /// 404.
    NotFound,
    /// 405.
    MethodNotAllowed,
    /// 409: that username is taken.
    UsernameTaken,
    /// 409: that wallet already has an account: sign in with it instead.
    WalletTaken,
    /// 409: a match with that id was already stored with a different result.
    MatchConflict,
    /// 409: the match was closed before its result came: it expired, or another match was
    /// started (a ranked one is stored as a forfeit).
    MatchClosed,
    /// 413.
    PayloadTooLarge,
    /// 415: the body must be `application/json`.
    UnsupportedMediaType,
    /// 422: well-formed JSON with an invalid value.
    ValidationFailed,
    /// 422: the match record is malformed, too large, or holds more ticks than a match.
    InvalidRecord,
    /// 422: the record was made by another version of the game: reload the page.
    OutdatedGame,
    /// 422: the result came sooner than the match could have been played.
    ResultTooEarly,
    /// 422: re-playing the record gives a different score than the one claimed.
    ResultMismatch,
    /// 429.
    RateLimited,
    /// 500: something failed on our side; details are in the server log under the request id.
    Internal,
    /// 503: the database is unreachable.
    Unavailable,
    /// 503: every match verifier is busy; retry after `Retry-After` seconds.
    Busy,
}
