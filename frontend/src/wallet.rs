//! Signing the server's challenge with the Freighter browser extension, through Freighter's own
//! library (`@stellar/freighter-api`, loaded by index.html as `window.freighterApi`).
//!
//! Freighter's `signMessage` is SEP-53, the scheme the backend verifies. Players without the
//! extension can sign the same message with any SEP-53 wallet and paste the signature.

use base64::Engine;
use protocol::account::StellarAccountId;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = freighterApi, js_name = isConnected)]
    fn freighter_is_connected() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = freighterApi, js_name = signMessage)]
    fn freighter_sign_message(message: &str, options: &JsValue)
    -> Result<js_sys::Promise, JsValue>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletError {
    /// No extension (or its library did not load).
    Missing,
    /// The player declined, or the wallet failed; the wallet's own words.
    Refused(String),
    /// The wallet signed with another account than the one being verified.
    WrongAccount(String),
    /// The wallet answered with something that is not a signature.
    Malformed,
}

impl std::fmt::Display for WalletError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => write!(f, "No Stellar wallet extension was found in this browser."),
            Self::Refused(reason) => write!(f, "The wallet did not sign: {reason}"),
            Self::WrongAccount(address) => write!(
                f,
                "The wallet signed with {address}; switch the wallet to the account you are verifying."
            ),
            Self::Malformed => write!(f, "The wallet returned something that is not a signature."),
        }
    }
}

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn library_loaded() -> bool {
    !get(&gloo_utils::window().into(), "freighterApi").is_undefined()
}

/// Whether a Freighter extension is installed and answering (takes up to 2 s when it is not).
pub async fn freighter_available() -> bool {
    if !library_loaded() {
        return false;
    }
    let Ok(promise) = freighter_is_connected() else {
        return false;
    };
    match JsFuture::from(promise).await {
        Ok(answer) => get(&answer, "isConnected").as_bool().unwrap_or(false),
        Err(_) => false,
    }
}

/// Asks Freighter to sign `message` (SEP-53) with `address`; the signature in base64.
pub async fn sign_with_freighter(
    message: &str,
    address: &StellarAccountId,
) -> Result<String, WalletError> {
    if !library_loaded() {
        return Err(WalletError::Missing);
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &options,
        &"address".into(),
        &address.to_string().as_str().into(),
    );
    let promise = freighter_sign_message(message, &options).map_err(|_| WalletError::Missing)?;
    let answer = JsFuture::from(promise)
        .await
        .map_err(|error| WalletError::Refused(describe(&error)))?;
    let error = get(&answer, "error");
    if !error.is_undefined() && !error.is_null() {
        return Err(WalletError::Refused(describe(&error)));
    }
    if let Some(signer) = get(&answer, "signerAddress").as_string()
        && !signer.is_empty()
        && signer != address.to_string()
    {
        return Err(WalletError::WrongAccount(signer));
    }
    signature_text(&get(&answer, "signedMessage")).ok_or(WalletError::Malformed)
}

/// Freighter returns the signature as base64 text, or (some versions) as bytes.
fn signature_text(value: &JsValue) -> Option<String> {
    if let Some(text) = value.as_string() {
        return Some(text);
    }
    let bytes = if value.is_instance_of::<js_sys::Uint8Array>() {
        js_sys::Uint8Array::new(value).to_vec()
    } else {
        // A serialised Node Buffer: {type: "Buffer", data: [...]}.
        let data = get(value, "data");
        if !js_sys::Array::is_array(&data) {
            return None;
        }
        js_sys::Uint8Array::new(&data).to_vec()
    };
    Some(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn describe(error: &JsValue) -> String {
    error
        .as_string()
        .or_else(|| get(error, "message").as_string())
        .unwrap_or_else(|| "no reason given".to_owned())
}
