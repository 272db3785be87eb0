//! Stellar account ids (`G...` StrKeys).
//!
//! A StrKey is the RFC 4648 base32 encoding (no padding) of
//! `version byte || payload || CRC16-XModem(version byte || payload)`, the checksum
//! stored little-endian. An account id carries a 32-byte ed25519 public key, so it is
//! always 56 characters. The original game only checked "starts with G and is 56 long",
//! which accepts typos; here every byte is checked, and each failure says what is wrong.

use std::fmt;
use std::str::FromStr;

use crc::{CRC_16_XMODEM, Crc};
use data_encoding::BASE32_NOPAD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// SEP-53: wallets sign `sha256(PREFIX || message)`, never the bare message, so that a signed
/// message can never be mistaken for a signed transaction.
pub const SEP53_PREFIX: &[u8] = b"Stellar Signed Message:\n";

/// The digest a SEP-53 wallet signs (ed25519) for `message`: what the server verifies and what
/// test clients sign.
pub fn sep53_digest(message: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(SEP53_PREFIX);
    hasher.update(message.as_bytes());
    hasher.finalize().into()
}

/// Length of an encoded account id: 35 bytes in base32.
pub const ACCOUNT_ID_LEN: usize = 56;

const VERSION_ACCOUNT_ID: u8 = 6 << 3; // 'G'
const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_XMODEM);

/// A valid Stellar account id: the ed25519 public key of a Stellar account.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StellarAccountId([u8; 32]);

/// Why a string is not a Stellar account id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountIdError {
    #[error("the Stellar address is empty")]
    Empty,
    #[error("a Stellar address has {ACCOUNT_ID_LEN} characters, this one has {actual}")]
    WrongLength { actual: usize },
    #[error(
        "character {position} ('{character}') cannot appear in a Stellar address (only A-Z and 2-7)"
    )]
    InvalidCharacter { position: usize, character: char },
    #[error("this is {kind}, not an account address (which starts with G)")]
    WrongKind { kind: &'static str },
    #[error("the Stellar address has a typo: its checksum does not match")]
    Checksum,
}

impl StellarAccountId {
    /// The account for a raw ed25519 public key.
    pub const fn from_public_key(key: [u8; 32]) -> Self {
        Self(key)
    }

    /// The raw ed25519 public key inside the address; signatures by the account verify with it.
    pub const fn public_key(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses and fully validates a `G...` address.
    pub fn parse(text: &str) -> Result<Self, AccountIdError> {
        if text.is_empty() {
            return Err(AccountIdError::Empty);
        }
        let length = text.chars().count();
        if length != ACCOUNT_ID_LEN {
            return Err(AccountIdError::WrongLength { actual: length });
        }
        if let Some((index, character)) = text
            .chars()
            .enumerate()
            .find(|(_, c)| !matches!(c, 'A'..='Z' | '2'..='7'))
        {
            return Err(AccountIdError::InvalidCharacter {
                position: index + 1,
                character,
            });
        }
        // 56 base32 characters are exactly 280 bits = 35 bytes: no padding bits to check.
        let bytes = BASE32_NOPAD
            .decode(text.as_bytes())
            .map_err(|_| AccountIdError::Checksum)?;
        let (version, rest) = bytes.split_first().ok_or(AccountIdError::Empty)?;
        if *version != VERSION_ACCOUNT_ID {
            return Err(AccountIdError::WrongKind {
                kind: describe_version(*version),
            });
        }
        let (payload, checksum) = rest.split_at(32);
        let expected = CRC16.checksum(&bytes[..33]);
        if checksum != expected.to_le_bytes() {
            return Err(AccountIdError::Checksum);
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(payload);
        Ok(Self(key))
    }

    fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(35);
        bytes.push(VERSION_ACCOUNT_ID);
        bytes.extend_from_slice(&self.0);
        let checksum = CRC16.checksum(&bytes);
        bytes.extend_from_slice(&checksum.to_le_bytes());
        BASE32_NOPAD.encode(&bytes)
    }
}

/// Names the other StrKey kinds, so a player who pastes the wrong key learns which one it was.
fn describe_version(version: u8) -> &'static str {
    match version >> 3 {
        18 => "a secret seed (S...) — never share it; use your public address",
        12 => "a muxed account (M...)",
        2 => "a contract address (C...)",
        19 => "a pre-authorized transaction hash (T...)",
        23 => "a SHA-256 hash signer (X...)",
        15 => "a signed payload signer (P...)",
        11 => "a liquidity pool id (L...)",
        1 => "a claimable balance id (B...)",
        _ => "not a Stellar key of any known kind",
    }
}

impl FromStr for StellarAccountId {
    type Err = AccountIdError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for StellarAccountId {
    type Error = AccountIdError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl fmt::Display for StellarAccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

impl fmt::Debug for StellarAccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StellarAccountId({self})")
    }
}

impl Serialize for StellarAccountId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for StellarAccountId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // From the StrKey test vectors in Stellar's SEP-23.
    const VALID: &str = "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ";

    #[test]
    fn accepts_a_valid_account_and_round_trips() {
        let account = StellarAccountId::parse(VALID).unwrap();
        assert_eq!(account.to_string(), VALID);
    }

    #[test]
    fn rejects_each_kind_of_mistake_precisely() {
        assert_eq!(StellarAccountId::parse(""), Err(AccountIdError::Empty));
        assert_eq!(
            StellarAccountId::parse(&VALID[..55]),
            Err(AccountIdError::WrongLength { actual: 55 })
        );
        let lower = VALID.to_lowercase();
        assert_eq!(
            StellarAccountId::parse(&lower),
            Err(AccountIdError::InvalidCharacter {
                position: 1,
                character: 'g'
            })
        );
        let mut with_one = VALID.to_string();
        with_one.replace_range(10..11, "1");
        assert_eq!(
            StellarAccountId::parse(&with_one),
            Err(AccountIdError::InvalidCharacter {
                position: 11,
                character: '1'
            })
        );
        // One changed character keeps the alphabet and length but breaks the checksum.
        let mut typo = VALID.to_string();
        typo.replace_range(20..21, if &VALID[20..21] == "A" { "B" } else { "A" });
        assert_eq!(
            StellarAccountId::parse(&typo),
            Err(AccountIdError::Checksum)
        );
    }

    #[test]
    fn names_a_secret_seed_instead_of_accepting_it() {
        let seed = "SBU2RRGLXH3E5CQHTD3ODLDF2BWDCYUSSBLLZ5GNW7JXHDIYKXZWHOKR";
        match StellarAccountId::parse(seed) {
            Err(AccountIdError::WrongKind { kind }) => assert!(kind.contains("secret seed")),
            other => panic!("expected WrongKind, got {other:?}"),
        }
    }

    #[test]
    fn serde_uses_the_string_form_and_validates() {
        let account = StellarAccountId::parse(VALID).unwrap();
        let json = serde_json::to_string(&account).unwrap();
        assert_eq!(json, format!("\"{VALID}\""));
        assert_eq!(
            serde_json::from_str::<StellarAccountId>(&json).unwrap(),
            account
        );
        let err = serde_json::from_str::<StellarAccountId>("\"GABC\"").unwrap_err();
        assert!(err.to_string().contains("56 characters"), "{err}");
    }

    mod agrees_with_stellar_strkey {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn encoding_matches_the_reference(key in any::<[u8; 32]>()) {
                let ours = StellarAccountId::from_public_key(key).to_string();
                let reference = stellar_strkey::ed25519::PublicKey(key).to_string().as_str().to_owned();
                prop_assert_eq!(&ours, &reference);
                prop_assert_eq!(*StellarAccountId::parse(&reference).unwrap().public_key(), key);
            }

            #[test]
            fn accepts_exactly_what_the_reference_accepts(text in "G[A-Z2-7]{55}") {
                let reference = stellar_strkey::ed25519::PublicKey::from_string(&text).is_ok();
                prop_assert_eq!(StellarAccountId::parse(&text).is_ok(), reference);
            }

            #[test]
            fn any_single_character_change_is_caught(key in any::<[u8; 32]>(), index in 1usize..56, replacement in "[A-Z2-7]") {
                let valid = StellarAccountId::from_public_key(key).to_string();
                let mut changed = valid.clone();
                changed.replace_range(index..index + 1, &replacement);
                prop_assume!(changed != valid);
                prop_assert!(StellarAccountId::parse(&changed).is_err());
            }
        }
    }
}
