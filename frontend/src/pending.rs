//! Finished matches the server has not stored yet.
//!
//! A match is written here the moment the game reports it and removed only once the server
//! has stored it (or refused it for good), so a network failure, a closed tab or an expired
//! session loses nothing: the next visit submits it again. The server stores a match once
//! per `match_id`, so sending one twice is harmless.

use std::time::Duration;

use gloo_storage::{LocalStorage, Storage};
use protocol::account::StellarAccountId;
use protocol::api::{MatchResultSubmission, StoredMatch};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::{self, ApiError, ApiResult};

const STORAGE_KEY: &str = "stellar-heads.pending-matches";
/// Attempts per submission, waiting 0.5 s, 1 s, 2 s, 4 s between them.
const ATTEMPTS: u32 = 5;
const FIRST_DELAY: Duration = Duration::from_millis(500);

/// A match waiting to be stored, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMatch {
    pub wallet_address: StellarAccountId,
    /// The id the server gave the match when it started it.
    pub match_id: Uuid,
    pub result: MatchResultSubmission,
}

fn load() -> Vec<PendingMatch> {
    LocalStorage::get(STORAGE_KEY).unwrap_or_default()
}

fn save(queue: &[PendingMatch]) {
    if queue.is_empty() {
        LocalStorage::delete(STORAGE_KEY);
    } else {
        // A full or disabled storage keeps only this visit's copy of the queue.
        let _ = LocalStorage::set(STORAGE_KEY, queue);
    }
}

/// Adds a match to `queue` unless it is already there.
fn with_added(mut queue: Vec<PendingMatch>, pending: PendingMatch) -> Vec<PendingMatch> {
    if !queue.iter().any(|p| p.match_id == pending.match_id) {
        queue.push(pending);
    }
    queue
}

fn without(mut queue: Vec<PendingMatch>, match_id: Uuid) -> Vec<PendingMatch> {
    queue.retain(|p| p.match_id != match_id);
    queue
}

pub fn add(pending: PendingMatch) {
    save(&with_added(load(), pending));
}

fn remove(match_id: Uuid) {
    save(&without(load(), match_id));
}

/// The matches `wallet_address` played that are not stored yet, oldest first.
pub fn for_wallet(wallet_address: &StellarAccountId) -> Vec<PendingMatch> {
    load()
        .into_iter()
        .filter(|p| &p.wallet_address == wallet_address)
        .collect()
}

/// Submits a pending match, retrying what may succeed on a second try, and takes it off the
/// queue once the server has decided: stored, or refused for a reason a retry cannot fix.
/// A rejected session or an unreachable server leave it queued for later.
pub async fn submit(token: &str, pending: &PendingMatch) -> ApiResult<StoredMatch> {
    let mut delay = FIRST_DELAY;
    let mut attempt = 1;
    loop {
        match api::submit_result(token, pending.match_id, &pending.result).await {
            Ok(stored) => {
                remove(pending.match_id);
                return Ok(stored);
            }
            Err(error) if error.is_retryable() && attempt < ATTEMPTS => {
                gloo_timers::future::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            Err(error) => {
                if is_final(&error) {
                    remove(pending.match_id);
                }
                return Err(error);
            }
        }
    }
}

/// The server refused this match itself (its replay gives another score, it was forfeited,
/// its record is of an older game): sending it again can never succeed.
fn is_final(error: &ApiError) -> bool {
    !error.is_retryable() && !error.is_session_rejected()
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::error::{ErrorBody, ErrorCode};
    use protocol::record::MatchRecord;
    use protocol::rules::{Difficulty, GameMode};

    fn pending(n: u128) -> PendingMatch {
        PendingMatch {
            wallet_address: "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"
                .parse()
                .unwrap(),
            match_id: Uuid::from_u128(n),
            result: MatchResultSubmission {
                player_score: 0,
                opponent_score: 5,
                record: MatchRecord::new(
                    GameMode::VsComputer {
                        difficulty: Difficulty::Hard,
                    },
                    7,
                    &[[0, 0]; 1100],
                ),
            },
        }
    }

    #[test]
    fn a_match_is_queued_once() {
        let queue = with_added(with_added(Vec::new(), pending(1)), pending(1));
        assert_eq!(queue.len(), 1);
        let queue = with_added(queue, pending(2));
        assert_eq!(without(queue, Uuid::from_u128(1)), vec![pending(2)]);
    }

    #[test]
    fn only_the_servers_own_refusals_drop_a_match() {
        let refusal = |status, code| ApiError::Server {
            status,
            body: ErrorBody {
                code,
                message: String::new(),
                request_id: String::new(),
                field: None,
            },
        };
        assert!(is_final(&refusal(409, ErrorCode::MatchConflict)));
        assert!(is_final(&refusal(422, ErrorCode::ValidationFailed)));
        assert!(is_final(&refusal(422, ErrorCode::ResultMismatch)));
        assert!(is_final(&refusal(409, ErrorCode::MatchClosed)));
        assert!(!is_final(&refusal(503, ErrorCode::Busy)));
        assert!(!is_final(&refusal(401, ErrorCode::TokenExpired)));
        assert!(!is_final(&refusal(503, ErrorCode::Unavailable)));
        assert!(!is_final(&ApiError::Network));
    }
}
