//! A Stellar key pair held by a test client, signing challenges as a SEP-53 wallet does: what
//! a player's wallet does in the browser, for the load, fault and API tests.

use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use protocol::StellarAccountId;
use protocol::account::sep53_digest;

pub struct Wallet {
    pub key: SigningKey,
    pub account: StellarAccountId,
}

impl std::fmt::Debug for Wallet {
    // Never print the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// A fresh random key pair.
    pub fn random() -> Self {
        let key = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
        let account = StellarAccountId::from_public_key(key.verifying_key().to_bytes());
        Self { key, account }
    }

    pub fn address(&self) -> String {
        self.account.to_string()
    }

    /// Signs `message` as a SEP-53 wallet does; base64.
    pub fn sign(&self, message: &str) -> String {
        base64::engine::general_purpose::STANDARD
            .encode(self.key.sign(&sep53_digest(message)).to_bytes())
    }
}
