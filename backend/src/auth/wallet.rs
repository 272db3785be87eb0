//! Proof of wallet ownership: the server issues a challenge message, the player signs it
//! with the account's ed25519 key as a SEP-53 message, and the server checks the signature
//! against the public key inside the `G...` address.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, VerifyingKey};
use protocol::StellarAccountId;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

pub use protocol::account::{SEP53_PREFIX, sep53_digest};

/// The text the player is asked to sign: names the site, the account and the challenge, so
/// a signature is useless anywhere else or for anyone else.
pub fn challenge_message(
    site_name: &str,
    account: &StellarAccountId,
    challenge_id: Uuid,
    expires_at: OffsetDateTime,
) -> String {
    let expires = expires_at.format(&Rfc3339).unwrap_or_default();
    format!(
        "{site_name} asks you to prove that you hold this Stellar account:\n{account}\n\n\
         Signing this message costs nothing and moves no funds.\n\
         Challenge: {challenge_id}\nExpires: {expires}"
    )
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature must be base64 of 64 bytes")]
    Malformed,
    #[error("the signature was not made by this account's key")]
    Mismatch,
}

/// Parses a base64 signature as wallets return it.
pub fn parse_signature(text: &str) -> Result<Signature, SignatureError> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| SignatureError::Malformed)?;
    let bytes: [u8; 64] = bytes.try_into().map_err(|_| SignatureError::Malformed)?;
    Ok(Signature::from_bytes(&bytes))
}

/// Verifies `signature` over the SEP-53 digest of `message` with the account's key.
pub fn verify(
    account: &StellarAccountId,
    message: &str,
    signature: &Signature,
) -> Result<(), SignatureError> {
    // A public key that is not a valid curve point can sign nothing.
    let key =
        VerifyingKey::from_bytes(account.public_key()).map_err(|_| SignatureError::Mismatch)?;
    key.verify_strict(&sep53_digest(message), signature)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    #[test]
    fn a_sep53_signature_by_the_account_verifies_and_nothing_else_does() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let account = StellarAccountId::from_public_key(key.verifying_key().to_bytes());
        let message = "hello";
        let signature = key.sign(&sep53_digest(message));
        assert_eq!(verify(&account, message, &signature), Ok(()));
        assert_eq!(
            verify(&account, "hello!", &signature),
            Err(SignatureError::Mismatch)
        );
        // Signing the bare message (not SEP-53) does not count.
        let bare = key.sign(message.as_bytes());
        assert_eq!(
            verify(&account, message, &bare),
            Err(SignatureError::Mismatch)
        );
        let other = SigningKey::from_bytes(&[8u8; 32]);
        let other_account = StellarAccountId::from_public_key(other.verifying_key().to_bytes());
        assert_eq!(
            verify(&other_account, message, &signature),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn signatures_parse_from_base64_of_64_bytes_only() {
        assert!(parse_signature(&STANDARD.encode([1u8; 64])).is_ok());
        assert_eq!(
            parse_signature(&STANDARD.encode([1u8; 63])).unwrap_err(),
            SignatureError::Malformed
        );
        assert_eq!(
            parse_signature("not base64!").unwrap_err(),
            SignatureError::Malformed
        );
    }

    #[test]
    fn the_message_names_site_account_and_challenge() {
        let account = StellarAccountId::from_public_key([9u8; 32]);
        let id = Uuid::nil();
        let message = challenge_message("Test Site", &account, id, OffsetDateTime::UNIX_EPOCH);
        assert!(message.starts_with("Test Site asks you"));
        assert!(message.contains(&account.to_string()));
        assert!(message.contains("Challenge: 00000000-0000-0000-0000-000000000000"));
        assert!(message.contains("Expires: 1970-01-01T00:00:00Z"));
    }
}
