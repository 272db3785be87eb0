//! Who is calling: tokens (`jwt`) naming sessions (`sessions`), the extractor that requires a
//! live one (`AuthenticatedPlayer`), and proof of wallet ownership (`challenge`, `wallet`).

pub mod challenge;
pub mod jwt;
pub mod sessions;
pub mod wallet;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use protocol::ErrorCode;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// The player named by a valid `Authorization: Bearer` token of a session still on. Handlers
/// that take this argument are authenticated; the rejection is always a 401 with the JSON
/// error body.
#[derive(Debug, Clone, Copy)]
pub struct AuthenticatedPlayer {
    pub player_id: Uuid,
    pub session_id: Uuid,
}

impl FromRequestParts<AppState> for AuthenticatedPlayer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized(ErrorCode::MissingToken, "sign in first: this needs a token")
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .ok_or_else(|| {
                ApiError::unauthorized(
                    ErrorCode::InvalidToken,
                    "the Authorization header must be `Bearer <token>`",
                )
            })?;
        let claims = state.tokens.verify(token)?;
        let (player_id, session_id) = (claims.player_id()?, claims.session_id()?);
        if !sessions::is_live(&state.db, session_id, player_id).await? {
            return Err(ApiError::unauthorized(
                ErrorCode::SessionEnded,
                "you were signed out (here or everywhere); sign in again",
            ));
        }
        Ok(Self {
            player_id,
            session_id,
        })
    }
}
