//! Wallet challenges that the server signs instead of storing.
//!
//! A challenge is `<id>.<expiry>.<mac>`: the MAC (HMAC-SHA256 under a key derived from the
//! token secret) binds the id and the expiry to one wallet address. Issuing one writes
//! nothing, so anyone may ask for any number of them for any address and the owner can
//! always get a fresh one: there is no per-address store to fill, and so no lockout. Using
//! one is recorded (`used_challenges`) until it expires, so each is used once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use protocol::StellarAccountId;
use sha2::Sha256;
use time::OffsetDateTime;
use uuid::Uuid;

use super::wallet;

type HmacSha256 = Hmac<Sha256>;

/// Separates challenge MACs from every other use of the token secret.
const KEY_CONTEXT: &[u8] = b"stellar-heads wallet challenge v1";

/// A challenge as the player gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedChallenge {
    pub token: String,
    pub message: String,
    pub expires_at: OffsetDateTime,
}

/// A challenge whose MAC checked out for the address it is used with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedChallenge {
    pub id: Uuid,
    pub message: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// Not one of ours, tampered with, or issued for another address.
    #[error("unknown challenge, or one issued for another wallet; ask for a new one")]
    Unknown,
    #[error("this challenge has expired; ask for a new one")]
    Expired,
}

/// The MAC keys: the current one, and the previous one while the secret is being rotated
/// (challenges issued just before the rotation stay usable until they expire).
#[derive(Clone)]
pub struct ChallengeKeys {
    current: Vec<u8>,
    previous: Option<Vec<u8>>,
}

impl std::fmt::Debug for ChallengeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChallengeKeys").finish_non_exhaustive()
    }
}

fn derive_key(secret: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(KEY_CONTEXT);
    mac.finalize().into_bytes().to_vec()
}

fn mac_input(account: &StellarAccountId, id: Uuid, expires: i64) -> String {
    format!("{account}|{id}|{expires}")
}

impl ChallengeKeys {
    pub fn new(secret: &[u8], previous_secret: Option<&[u8]>) -> Self {
        Self {
            current: derive_key(secret),
            previous: previous_secret.map(derive_key),
        }
    }

    fn mac(key: &[u8], input: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(input.as_bytes());
        mac
    }

    /// A fresh challenge for `account`, valid until `expires_at` (whole seconds).
    pub fn issue(
        &self,
        site_name: &str,
        account: &StellarAccountId,
        expires_at: OffsetDateTime,
    ) -> IssuedChallenge {
        let id = Uuid::new_v4();
        let expires = expires_at.unix_timestamp();
        let expires_at = OffsetDateTime::from_unix_timestamp(expires).unwrap_or(expires_at);
        let tag = Self::mac(&self.current, &mac_input(account, id, expires))
            .finalize()
            .into_bytes();
        IssuedChallenge {
            token: format!("{}.{expires}.{}", id.simple(), URL_SAFE_NO_PAD.encode(tag)),
            message: wallet::challenge_message(site_name, account, id, expires_at),
            expires_at,
        }
    }

    /// Checks that `token` is a challenge we issued for `account` and that it has not expired;
    /// the message it stands for, rebuilt. Whether it was used already is the caller's to
    /// check (in the database).
    pub fn open(
        &self,
        site_name: &str,
        account: &StellarAccountId,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<OpenedChallenge, ChallengeError> {
        let mut parts = token.trim().splitn(3, '.');
        let (Some(id), Some(expires), Some(tag)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(ChallengeError::Unknown);
        };
        let id = Uuid::try_parse(id).map_err(|_| ChallengeError::Unknown)?;
        let expires: i64 = expires.parse().map_err(|_| ChallengeError::Unknown)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| ChallengeError::Unknown)?;
        let input = mac_input(account, id, expires);
        let genuine = std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            // verify_slice compares in constant time.
            .any(|key| Self::mac(key, &input).verify_slice(&tag).is_ok());
        if !genuine {
            return Err(ChallengeError::Unknown);
        }
        let expires_at =
            OffsetDateTime::from_unix_timestamp(expires).map_err(|_| ChallengeError::Unknown)?;
        if expires_at <= now {
            return Err(ChallengeError::Expired);
        }
        Ok(OpenedChallenge {
            id,
            message: wallet::challenge_message(site_name, account, id, expires_at),
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(byte: u8) -> StellarAccountId {
        StellarAccountId::from_public_key([byte; 32])
    }

    #[test]
    fn a_challenge_opens_for_its_address_only_and_until_it_expires() {
        let keys = ChallengeKeys::new(b"secret-one", None);
        let now = OffsetDateTime::now_utc();
        let issued = keys.issue("Site", &account(1), now + time::Duration::minutes(5));
        let opened = keys.open("Site", &account(1), &issued.token, now).unwrap();
        assert_eq!(opened.message, issued.message);
        assert_eq!(opened.expires_at, issued.expires_at);
        assert_eq!(
            keys.open("Site", &account(2), &issued.token, now),
            Err(ChallengeError::Unknown)
        );
        assert_eq!(
            keys.open("Site", &account(1), &issued.token, issued.expires_at),
            Err(ChallengeError::Expired)
        );
    }

    #[test]
    fn tampered_or_foreign_challenges_are_unknown() {
        let keys = ChallengeKeys::new(b"secret-one", None);
        let now = OffsetDateTime::now_utc();
        let issued = keys.issue("Site", &account(1), now + time::Duration::minutes(5));
        // A later expiry with the old MAC.
        let (id, rest) = issued.token.split_once('.').unwrap();
        let (_, tag) = rest.split_once('.').unwrap();
        let stretched = format!("{id}.{}.{tag}", issued.expires_at.unix_timestamp() + 3600);
        for token in [stretched.as_str(), "", "a.b.c", "x", &issued.token[..20]] {
            assert_eq!(
                keys.open("Site", &account(1), token, now),
                Err(ChallengeError::Unknown),
                "{token}"
            );
        }
        let other = ChallengeKeys::new(b"secret-two", None);
        assert_eq!(
            other.open("Site", &account(1), &issued.token, now),
            Err(ChallengeError::Unknown)
        );
    }

    #[test]
    fn challenges_of_the_previous_secret_open_during_a_rotation() {
        let old = ChallengeKeys::new(b"secret-one", None);
        let now = OffsetDateTime::now_utc();
        let issued = old.issue("Site", &account(1), now + time::Duration::minutes(5));
        let rotated = ChallengeKeys::new(b"secret-two", Some(b"secret-one"));
        assert!(
            rotated
                .open("Site", &account(1), &issued.token, now)
                .is_ok()
        );
    }
}
