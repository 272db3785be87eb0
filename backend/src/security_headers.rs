//! Security headers on every response, and CORS for configured origins only.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use anyhow::Context;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::Config;

/// The headers every response carries, shared with nginx (`nixos/nginx.nix` reads the same
/// file for the pages and files it serves itself): one source, so the site and the API never
/// disagree. Lower-case names; the CSP may be replaced by `content_security_policy`.
const SHARED_HEADERS: &str = include_str!("../security-headers.json");

/// The shared headers, parsed once.
fn shared_headers() -> &'static BTreeMap<String, String> {
    static PARSED: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| {
        serde_json::from_str(SHARED_HEADERS).expect("security-headers.json is a map of strings")
    });
    &PARSED
}

/// The default Content-Security-Policy: allows the game's WebAssembly (`'wasm-unsafe-eval'`,
/// never `'unsafe-eval'`), lets our pages frame our game, and nobody else frame either.
pub fn default_csp() -> String {
    shared_headers()[header::CONTENT_SECURITY_POLICY.as_str()].clone()
}

#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl SecurityHeaders {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let mut headers = Vec::new();
        for (name, value) in shared_headers() {
            let name = HeaderName::from_bytes(name.as_bytes())?;
            let value = if name == header::CONTENT_SECURITY_POLICY {
                HeaderValue::from_str(&config.content_security_policy)
                    .context("content_security_policy is not a valid header value")?
            } else {
                HeaderValue::from_str(value)?
            };
            // HSTS only where the operator serves HTTPS (browsers ignore it over HTTP anyway).
            if name == header::STRICT_TRANSPORT_SECURITY && !config.hsts {
                continue;
            }
            headers.push((name, value));
        }
        Ok(Self { headers })
    }
}

pub async fn middleware(
    State(security): State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    for (name, value) in &security.headers {
        response
            .headers_mut()
            .entry(name)
            .or_insert_with(|| value.clone());
    }
    response
}

/// CORS for the configured origins; `None` (no CORS headers at all) when there are none.
pub fn cors(config: &Config) -> anyhow::Result<Option<CorsLayer>> {
    if config.cors_allowed_origins.is_empty() {
        return Ok(None);
    }
    let origins = config
        .cors_allowed_origins
        .iter()
        .map(|origin| HeaderValue::from_str(origin))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
            .max_age(std::time::Duration::from_secs(3600)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_headers_are_valid_and_complete() {
        let headers = SecurityHeaders::from_config(&Config::default())
            .unwrap()
            .headers;
        let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
        for expected in [
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
            "cross-origin-opener-policy",
            "cross-origin-resource-policy",
            "permissions-policy",
            "strict-transport-security",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        // nginx's add_header takes each value in double quotes, with variables: none may hold
        // a quote or a `$`.
        for value in shared_headers().values() {
            assert!(!value.contains(['"', '$', '\\']), "{value}");
        }
    }

    #[test]
    fn the_csp_can_be_replaced_and_hsts_left_out() {
        let config = Config {
            content_security_policy: "default-src 'none'".into(),
            hsts: false,
            ..Config::default()
        };
        let headers = SecurityHeaders::from_config(&config).unwrap().headers;
        let csp = headers
            .iter()
            .find(|(name, _)| name == header::CONTENT_SECURITY_POLICY)
            .unwrap();
        assert_eq!(csp.1, "default-src 'none'");
        assert!(
            !headers
                .iter()
                .any(|(name, _)| name == header::STRICT_TRANSPORT_SECURITY)
        );
    }
}
