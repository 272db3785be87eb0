//! Signing up and signing in, both by proof of wallet ownership, and signing out.
//!
//! The server hands out challenges for any address (they are signed, not stored, see
//! [`crate::auth::challenge`]); a signature over one by the address's key is the only way to
//! create an account for it or to sign into it. Each challenge is used once: any attempt with
//! a bad signature uses it up. An attempt refused for another reason (the name is taken, no
//! account exists yet) leaves it unused, so the same signature can sign up with another name
//! or sign up after a sign-in found no account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use protocol::api::{
    AuthResponse, ChallengeRequest, ChallengeResponse, RegisterRequest, VerifyRequest,
};
use protocol::{ErrorCode, StellarAccountId};
use sqlx::{PgConnection, Postgres, Transaction};
use time::OffsetDateTime;

use crate::auth::challenge::ChallengeError;
use crate::auth::wallet::{self, SignatureError};
use crate::auth::{AuthenticatedPlayer, sessions};
use crate::db::unique_violation;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::players::{self, PLAYER_COLUMNS, PlayerRow};
use crate::state::AppState;

/// `POST /api/auth/challenge`: a message for the address's key to sign. 201.
pub async fn challenge(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ChallengeRequest>,
) -> ApiResult<(StatusCode, Json<ChallengeResponse>)> {
    let account = request.wallet_address;
    let registered = players::by_wallet(&state.db, &account).await?.is_some();
    let ttl = time::Duration::try_from(state.settings.challenge_ttl).map_err(ApiError::internal)?;
    let issued = state.challenges.issue(
        &state.settings.site_name,
        &account,
        OffsetDateTime::now_utc() + ttl,
    );
    Ok((
        StatusCode::CREATED,
        Json(ChallengeResponse {
            challenge: issued.token,
            wallet_address: account,
            message: issued.message,
            expires_at: issued.expires_at,
            registered,
        }),
    ))
}

/// Checks a signed challenge inside `tx`: genuine, for this address, unexpired, unused, and
/// signed by the address's key. The challenge is marked used in `tx`; on a bad signature
/// that mark is committed before the 401 goes out, so each challenge gets one try.
async fn prove(
    state: &AppState,
    tx: &mut Option<Transaction<'static, Postgres>>,
    account: &StellarAccountId,
    challenge: &str,
    signature: &str,
) -> ApiResult<()> {
    let signature = wallet::parse_signature(signature)
        .map_err(|error| ApiError::validation("signature", error.to_string()))?;
    let opened = state
        .challenges
        .open(
            &state.settings.site_name,
            account,
            challenge,
            OffsetDateTime::now_utc(),
        )
        .map_err(|error: ChallengeError| {
            ApiError::unauthorized(ErrorCode::InvalidChallenge, error.to_string())
        })?;
    let conn: &mut PgConnection = tx.as_mut().expect("an open transaction");
    let claimed = sqlx::query(
        "INSERT INTO used_challenges (id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(opened.id)
    .bind(opened.expires_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Err(ApiError::unauthorized(
            ErrorCode::InvalidChallenge,
            "this challenge has already been used; ask for a new one",
        ));
    }
    match wallet::verify(account, &opened.message, &signature) {
        Ok(()) => Ok(()),
        Err(SignatureError::Mismatch | SignatureError::Malformed) => {
            tx.take().expect("an open transaction").commit().await?;
            Err(ApiError::unauthorized(
                ErrorCode::InvalidSignature,
                "the signature was not made by this wallet's key for this challenge",
            ))
        }
    }
}

/// A transaction in which `signature` has proved `account` with `challenge` (marked used in
/// it): what follows in it happens for the key's holder only.
async fn begin_proved(
    state: &AppState,
    account: &StellarAccountId,
    challenge: &str,
    signature: &str,
) -> ApiResult<Transaction<'static, Postgres>> {
    let mut tx = Some(state.db.begin().await?);
    prove(state, &mut tx, account, challenge, signature).await?;
    Ok(tx.expect("prove keeps the transaction when the proof holds"))
}

/// Starts a session for `player` in `tx`, and its token.
async fn start_session(
    state: &AppState,
    conn: &mut PgConnection,
    player: &PlayerRow,
) -> ApiResult<AuthResponse> {
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .map_err(ApiError::internal)?;
    let expires_at = state.tokens.expiry(now)?;
    let session_id = sessions::start(&mut *conn, player.id, now, expires_at).await?;
    let token = state.tokens.issue(player.id, session_id, now, expires_at)?;
    Ok(AuthResponse {
        token,
        expires_at,
        player: player.profile()?,
    })
}

/// `POST /api/auth/register`: creates the account of a wallet whose key signed the
/// challenge, and signs it in. 201.
pub async fn register(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<AuthResponse>)> {
    let account = request.wallet_address;
    let mut tx = begin_proved(&state, &account, &request.challenge, &request.signature).await?;
    let inserted: Result<PlayerRow, sqlx::Error> = sqlx::query_as(&format!(
        "INSERT INTO players (username, wallet_address, verified_at) VALUES ($1, $2, now()) \
         RETURNING {PLAYER_COLUMNS}"
    ))
    .bind(request.username.as_str())
    .bind(account.to_string())
    .fetch_one(&mut *tx)
    .await;
    // A refusal here rolls the transaction back: the challenge stays usable.
    let player = match inserted {
        Ok(player) => player,
        Err(error) => {
            return Err(match unique_violation(&error) {
                Some("players_wallet_address_key") => ApiError::conflict(
                    ErrorCode::WalletTaken,
                    "this wallet already has an account: sign in with it instead",
                ),
                Some("players_username_lower_key") => ApiError::conflict(
                    ErrorCode::UsernameTaken,
                    format!("the name {} is taken", request.username),
                ),
                _ => error.into(),
            });
        }
    };
    let auth = start_session(&state, &mut tx, &player).await?;
    tx.commit().await?;
    tracing::info!(player_id = %player.id, "player signed up");
    state.metrics.signup();
    Ok((StatusCode::CREATED, Json(auth)))
}

/// `POST /api/auth/verify`: signs into the account of a wallet whose key signed the
/// challenge.
pub async fn verify(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<VerifyRequest>,
) -> ApiResult<Json<AuthResponse>> {
    let account = request.wallet_address;
    let mut tx = begin_proved(&state, &account, &request.challenge, &request.signature).await?;
    // No account: rolled back, so the same signed challenge can create one.
    let player = players::by_wallet(&mut *tx, &account)
        .await?
        .ok_or_else(|| ApiError::not_found("no account uses this wallet yet; sign up first"))?;
    let auth = start_session(&state, &mut tx, &player).await?;
    tx.commit().await?;
    tracing::info!(player_id = %player.id, "player signed in");
    state.metrics.sign_in();
    Ok(Json(auth))
}

/// `POST /api/auth/sign-out`: ends the caller's session; its token is refused from now on.
/// 204.
pub async fn sign_out(
    State(state): State<AppState>,
    caller: AuthenticatedPlayer,
) -> ApiResult<StatusCode> {
    sessions::end(&state.db, caller.session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/auth/sign-out-everywhere`: ends every session of the caller, this one
/// included. 204.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    caller: AuthenticatedPlayer,
) -> ApiResult<StatusCode> {
    let ended = sessions::end_all(&state.db, caller.player_id).await?;
    tracing::info!(player_id = %caller.player_id, ended, "signed out everywhere");
    Ok(StatusCode::NO_CONTENT)
}
