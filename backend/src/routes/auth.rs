//! Sign-up, and sign-in by proof of wallet ownership.
//!
//! Registration creates a guest account for a wallet nobody has claimed. Whoever holds the
//! wallet's key can then prove it (challenge, sign, verify), which marks the account verified
//! and signs them in. A wallet that already has an account can only be signed into by proof:
//! knowing a public address is not enough.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use protocol::ErrorCode;
use protocol::api::{
    AuthResponse, ChallengeRequest, ChallengeResponse, RegisterRequest, VerifyRequest,
};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::wallet::{self, SignatureError};
use crate::db::unique_violation;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::players::{self, PLAYER_COLUMNS, PlayerRow};
use crate::state::AppState;

/// Unused, unexpired challenges one account may hold at once.
const MAX_OPEN_CHALLENGES: i64 = 10;

pub async fn register(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<AuthResponse>)> {
    let inserted: Result<PlayerRow, sqlx::Error> = sqlx::query_as(&format!(
        "INSERT INTO players (username, wallet_address) VALUES ($1, $2) RETURNING {PLAYER_COLUMNS}"
    ))
    .bind(request.username.as_str())
    .bind(request.wallet_address.to_string())
    .fetch_one(&state.db)
    .await;
    let player = match inserted {
        Ok(player) => player,
        Err(error) => {
            return Err(match unique_violation(&error) {
                Some("players_wallet_address_key") => ApiError::conflict(
                    ErrorCode::WalletTaken,
                    "this wallet already has an account: sign in by proving you hold its key",
                ),
                Some("players_username_lower_key") => ApiError::conflict(
                    ErrorCode::UsernameTaken,
                    format!("the name {} is taken", request.username),
                ),
                _ => error.into(),
            });
        }
    };
    tracing::info!(player_id = %player.id, "player registered");
    state.metrics.signup();
    Ok((StatusCode::CREATED, Json(signed_in(&state, &player)?)))
}

fn signed_in(state: &AppState, player: &PlayerRow) -> ApiResult<AuthResponse> {
    let (token, expires_at) = state.tokens.issue(player.id)?;
    Ok(AuthResponse {
        token,
        expires_at,
        player: player.profile()?,
    })
}

pub async fn challenge(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ChallengeRequest>,
) -> ApiResult<(StatusCode, Json<ChallengeResponse>)> {
    let account = request.wallet_address;
    let player = players::by_wallet(&state.db, &account)
        .await?
        .ok_or_else(|| ApiError::not_found("no account has this wallet; sign up first"))?;
    let now = OffsetDateTime::now_utc();
    let mut tx = state.db.begin().await?;
    // Serialize challenge creation per player so the open-challenge cap holds under races.
    sqlx::query("SELECT 1 FROM players WHERE id = $1 FOR UPDATE")
        .bind(player.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM wallet_challenges WHERE player_id = $1 AND expires_at < $2")
        .bind(player.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM wallet_challenges WHERE player_id = $1 AND used_at IS NULL",
    )
    .bind(player.id)
    .fetch_one(&mut *tx)
    .await?;
    if open >= MAX_OPEN_CHALLENGES {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many open challenges for this wallet; use one or wait for them to expire",
        ));
    }
    let challenge_id = Uuid::new_v4();
    let ttl = time::Duration::try_from(state.settings.challenge_ttl).map_err(ApiError::internal)?;
    let expires_at = (now + ttl)
        .replace_nanosecond(0)
        .map_err(ApiError::internal)?;
    let message = wallet::challenge_message(
        &state.settings.site_name,
        &account,
        challenge_id,
        expires_at,
    );
    sqlx::query(
        "INSERT INTO wallet_challenges (id, player_id, message, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(challenge_id)
    .bind(player.id)
    .bind(&message)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(ChallengeResponse {
            challenge_id,
            wallet_address: account,
            message,
            expires_at,
        }),
    ))
}

#[derive(Debug, FromRow)]
struct ChallengeRow {
    message: String,
    expires_at: OffsetDateTime,
    used_at: Option<OffsetDateTime>,
    player_id: Uuid,
    wallet_address: String,
}

pub async fn verify(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<VerifyRequest>,
) -> ApiResult<Json<AuthResponse>> {
    let signature = wallet::parse_signature(&request.signature)
        .map_err(|error| ApiError::validation("signature", error.to_string()))?;
    let invalid = |message: &str| ApiError::unauthorized(ErrorCode::InvalidChallenge, message);
    let mut tx = state.db.begin().await?;
    // Lock the challenge: two concurrent uses of one challenge cannot both succeed.
    let challenge: ChallengeRow = sqlx::query_as(
        "SELECT c.message, c.expires_at, c.used_at, c.player_id, p.wallet_address \
         FROM wallet_challenges c JOIN players p ON p.id = c.player_id \
         WHERE c.id = $1 FOR UPDATE OF c",
    )
    .bind(request.challenge_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| invalid("unknown challenge; ask for a new one"))?;
    if challenge.wallet_address != request.wallet_address.to_string() {
        return Err(invalid("this challenge was issued for another wallet"));
    }
    if challenge.used_at.is_some() {
        return Err(invalid(
            "this challenge has already been used; ask for a new one",
        ));
    }
    if challenge.expires_at <= OffsetDateTime::now_utc() {
        return Err(invalid("this challenge has expired; ask for a new one"));
    }
    // Any attempt uses the challenge up, whether or not the signature is good.
    sqlx::query("UPDATE wallet_challenges SET used_at = now() WHERE id = $1")
        .bind(request.challenge_id)
        .execute(&mut *tx)
        .await?;
    match wallet::verify(&request.wallet_address, &challenge.message, &signature) {
        Ok(()) => {}
        Err(SignatureError::Mismatch | SignatureError::Malformed) => {
            tx.commit().await?;
            return Err(ApiError::unauthorized(
                ErrorCode::InvalidSignature,
                "the signature was not made by this wallet's key for this challenge",
            ));
        }
    }
    let player: PlayerRow = sqlx::query_as(&format!(
        "UPDATE players SET verified_at = coalesce(verified_at, now()) WHERE id = $1 \
         RETURNING {PLAYER_COLUMNS}"
    ))
    .bind(challenge.player_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(player_id = %player.id, "wallet ownership verified");
    state.metrics.verification();
    Ok(Json(signed_in(&state, &player)?))
}
