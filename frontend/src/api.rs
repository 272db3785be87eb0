//! Typed calls to the backend's JSON API.
//!
//! Every path is absolute on the page's own origin (`/api/...`): the site and the API are
//! always served together, so there is no host or port to configure.

use gloo_net::http::{Request, RequestBuilder, Response};
use protocol::account::StellarAccountId;
use protocol::api::{
    AuthResponse, ChallengeRequest, ChallengeResponse, LeaderboardPage, MatchHistoryPage,
    MatchReplay, MatchResultSubmission, MatchTicket, PlayerProfile, PlayerStats, RegisterRequest,
    StartMatchRequest, StoredMatch, VerifyRequest,
};
use protocol::error::{ErrorBody, ErrorCode};
use protocol::rules::GameMode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// Why an API call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server refused, with its error body.
    Server { status: u16, body: ErrorBody },
    /// The server answered, but not with our JSON (a proxy error page, say).
    Unexpected { status: u16 },
    /// No answer at all: offline, or the server is down.
    Network,
}

impl ApiError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Server { body, .. } => Some(body.code),
            _ => None,
        }
    }

    /// The token was missing, forged or expired: the player has to sign in again.
    pub fn is_session_rejected(&self) -> bool {
        matches!(
            self.code(),
            Some(
                ErrorCode::MissingToken
                    | ErrorCode::InvalidToken
                    | ErrorCode::TokenExpired
                    | ErrorCode::SessionEnded
            )
        )
    }

    /// Worth trying again unchanged (only for requests that are safe to repeat).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Network => true,
            Self::Server { status, .. } | Self::Unexpected { status } => {
                *status == 429 || (*status >= 500 && *status != 501)
            }
        }
    }

    /// The field of a form the error is about, for validation errors.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Server { body, .. } => body.field.as_deref(),
            _ => None,
        }
    }

    /// For people.
    pub fn message(&self) -> String {
        match self {
            Self::Server { body, .. } => body.message.clone(),
            Self::Unexpected { status } => {
                format!("The server answered unexpectedly (HTTP {status}). Please try again.")
            }
            Self::Network => {
                "Cannot reach the server. Check your connection and try again.".to_owned()
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

fn authorized(request: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    match token {
        Some(token) => request.header("authorization", &format!("Bearer {token}")),
        None => request,
    }
    .header("accept", "application/json")
}

async fn read<T: DeserializeOwned>(response: Result<Response, gloo_net::Error>) -> ApiResult<T> {
    let response = response.map_err(|_| ApiError::Network)?;
    let status = response.status();
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|_| ApiError::Unexpected { status });
    }
    Err(refusal(response).await)
}

/// A refused request's error: our JSON error body, or the status alone.
async fn refusal(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => ApiError::Server { status, body },
        Err(_) => ApiError::Unexpected { status },
    }
}

async fn get<T: DeserializeOwned>(path: &str, token: Option<&str>) -> ApiResult<T> {
    read(authorized(Request::get(path), token).send().await).await
}

async fn post<B: Serialize, T: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: &B,
) -> ApiResult<T> {
    let request = authorized(Request::post(path), token)
        .json(body)
        .map_err(|_| ApiError::Unexpected { status: 0 })?;
    read(request.send().await).await
}

pub async fn register(request: &RegisterRequest) -> ApiResult<AuthResponse> {
    post("/api/auth/register", None, request).await
}

pub async fn challenge(wallet_address: &StellarAccountId) -> ApiResult<ChallengeResponse> {
    let request = ChallengeRequest {
        wallet_address: *wallet_address,
    };
    post("/api/auth/challenge", None, &request).await
}

pub async fn verify(request: &VerifyRequest) -> ApiResult<AuthResponse> {
    post("/api/auth/verify", None, request).await
}

/// Sends a bodyless POST that answers 204.
async fn post_empty(path: &str, token: &str) -> ApiResult<()> {
    let response = authorized(Request::post(path), Some(token))
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if response.ok() {
        return Ok(());
    }
    Err(refusal(response).await)
}

/// Ends this session on the server: the token is refused from now on.
pub async fn sign_out(token: &str) -> ApiResult<()> {
    post_empty("/api/auth/sign-out", token).await
}

/// Ends every session of the player, on every device.
pub async fn sign_out_everywhere(token: &str) -> ApiResult<()> {
    post_empty("/api/auth/sign-out-everywhere", token).await
}

pub async fn me(token: &str) -> ApiResult<PlayerProfile> {
    get("/api/me", Some(token)).await
}

/// Starts a match (closing, and for a ranked one forfeiting, any match left open).
pub async fn start_match(token: &str, mode: GameMode) -> ApiResult<MatchTicket> {
    post("/api/matches", Some(token), &StartMatchRequest { mode }).await
}

/// Submits a finished match; the server re-plays its record before storing it.
pub async fn submit_result(
    token: &str,
    match_id: Uuid,
    result: &MatchResultSubmission,
) -> ApiResult<StoredMatch> {
    post(
        &format!("/api/matches/{match_id}/result"),
        Some(token),
        result,
    )
    .await
}

/// A verified ranked match and its input record, to watch (public, like a chess game's moves).
pub async fn match_replay(match_id: Uuid) -> ApiResult<MatchReplay> {
    get(&format!("/api/matches/{match_id}/record"), None).await
}

pub async fn my_matches(token: &str, before: Option<&str>) -> ApiResult<MatchHistoryPage> {
    let path = match before {
        Some(cursor) => format!("/api/matches/mine?before={}", encode_query(cursor)),
        None => "/api/matches/mine".to_owned(),
    };
    get(&path, Some(token)).await
}

/// A page of the leaderboard: the top, or the page after / before a cursor the server gave.
pub async fn leaderboard(
    limit: u32,
    after: Option<&str>,
    before: Option<&str>,
) -> ApiResult<LeaderboardPage> {
    let mut path = format!("/api/leaderboard?limit={limit}");
    for (name, cursor) in [("after", after), ("before", before)] {
        if let Some(cursor) = cursor {
            let cursor = String::from(js_sys::encode_uri_component(cursor));
            path.push_str(&format!("&{name}={cursor}"));
        }
    }
    get(&path, None).await
}

pub async fn player_stats(wallet_address: &StellarAccountId) -> ApiResult<PlayerStats> {
    get(&format!("/api/players/{wallet_address}/stats"), None).await
}

/// Percent-encodes a query value (cursors are opaque to us).
fn encode_query(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status: u16, code: ErrorCode) -> ApiError {
        ApiError::Server {
            status,
            body: ErrorBody {
                code,
                message: "m".into(),
                request_id: "r".into(),
                field: None,
            },
        }
    }

    #[test]
    fn only_token_errors_end_the_session() {
        assert!(server(401, ErrorCode::TokenExpired).is_session_rejected());
        assert!(server(401, ErrorCode::InvalidToken).is_session_rejected());
        assert!(!server(401, ErrorCode::InvalidSignature).is_session_rejected());
        assert!(!ApiError::Network.is_session_rejected());
    }

    #[test]
    fn retries_only_what_may_succeed_unchanged() {
        assert!(ApiError::Network.is_retryable());
        assert!(server(503, ErrorCode::Unavailable).is_retryable());
        assert!(server(429, ErrorCode::RateLimited).is_retryable());
        assert!(ApiError::Unexpected { status: 502 }.is_retryable());
        assert!(!server(409, ErrorCode::MatchConflict).is_retryable());
        assert!(!server(422, ErrorCode::ValidationFailed).is_retryable());
        assert!(!server(401, ErrorCode::TokenExpired).is_retryable());
    }
}
