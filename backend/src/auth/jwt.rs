//! Session tokens: HS256 JWTs with `sub`, `sid`, `iss`, `aud`, `iat`, `exp`, all validated.
//! A token names its session (`sid`); the session, not the token, says whether the player is
//! still signed in (see [`super::sessions`]).

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::ApiError;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The player's id.
    pub sub: String,
    /// The session (a row of `sessions`).
    pub sid: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    pub fn player_id(&self) -> Result<Uuid, ApiError> {
        Uuid::parse_str(&self.sub)
            .map_err(|_| ApiError::unauthorized(ErrorCode::InvalidToken, "the token is invalid"))
    }

    pub fn session_id(&self) -> Result<Uuid, ApiError> {
        Uuid::parse_str(&self.sid)
            .map_err(|_| ApiError::unauthorized(ErrorCode::InvalidToken, "the token is invalid"))
    }
}

/// Issues tokens with the current secret; checks them with the current one and, while the
/// secret is being rotated, the previous one (so rotating signs nobody out).
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    previous: Option<DecodingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: time::Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    pub fn new(
        secret: &[u8],
        previous_secret: Option<&[u8]>,
        issuer: &str,
        audience: &str,
        ttl: time::Duration,
    ) -> Self {
        // Only HS256: a token claiming any other algorithm (`none` included) is rejected.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub", "sid"]);
        validation.leeway = 30;
        validation.validate_nbf = false;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            previous: previous_secret.map(DecodingKey::from_secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        }
    }

    /// When a session started now ends at the latest.
    pub fn expiry(&self, now: OffsetDateTime) -> Result<OffsetDateTime, ApiError> {
        now.checked_add(self.ttl)
            .and_then(|at| at.replace_nanosecond(0).ok())
            .ok_or_else(|| ApiError::internal("jwt_ttl_secs is out of range"))
    }

    /// A token for session `session_id` of `player_id`, valid until `expires_at`.
    pub fn issue(
        &self,
        player_id: Uuid,
        session_id: Uuid,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<String, ApiError> {
        let claims = Claims {
            sub: player_id.to_string(),
            sid: session_id.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now.unix_timestamp(),
            exp: expires_at.unix_timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)
    }

    /// Checks signature, algorithm, issuer, audience and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut decoded = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation);
        if let (Err(error), Some(previous)) = (&decoded, &self.previous)
            && matches!(error.kind(), ErrorKind::InvalidSignature)
        {
            decoded = jsonwebtoken::decode::<Claims>(token, previous, &self.validation);
        }
        decoded
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                ErrorKind::ExpiredSignature => ApiError::unauthorized(
                    ErrorCode::TokenExpired,
                    "your session has expired; sign in again",
                ),
                _ => {
                    tracing::debug!(error = %error, "rejected token");
                    ApiError::unauthorized(ErrorCode::InvalidToken, "the token is invalid")
                }
            })
    }
}
