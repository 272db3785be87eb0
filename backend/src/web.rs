//! Serving the built web root (frontend and game).
//!
//! A file that exists is served with its MIME type (`application/wasm` for `.wasm`), as the
//! precompressed `.br`/`.gz` sibling when the client accepts it. A missing file is a 404:
//! only a page navigation (a browser asking for HTML at a path without a file extension)
//! falls back to `index.html`, so the single-page app can route it. The original served
//! index.html for a missing `.js` file, which the browser then refused with a MIME error.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::error::ApiError;

#[derive(Debug, Clone)]
pub struct WebRoot {
    root: Arc<PathBuf>,
    /// Built once; cloning it per request is cheap.
    files: ServeDir,
}

impl WebRoot {
    pub fn new(root: PathBuf) -> Self {
        let files = ServeDir::new(&root)
            .precompressed_br()
            .precompressed_gzip()
            .append_index_html_on_directories(true);
        Self {
            root: Arc::new(root),
            files,
        }
    }
}

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// The fallback handler of the whole app: everything that is not an API or health route.
pub async fn serve(State(web): State<WebRoot>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut response = match web
        .files
        .clone()
        .oneshot(Request::from_parts(parts.clone(), body))
        .await
    {
        Ok(response) => response.map(Body::new),
        Err(infallible) => match infallible {},
    };
    if response.status() == StatusCode::NOT_FOUND {
        if !is_navigation(&parts) {
            return ApiError::not_found(format!("no file at {}", parts.uri.path())).into_response();
        }
        let index = ServeFile::new(web.root.join("index.html"));
        response = match index
            .oneshot(Request::from_parts(parts.clone(), Body::empty()))
            .await
        {
            Ok(response) => response.map(Body::new),
            Err(infallible) => match infallible {},
        };
    }
    if response.status().is_success() {
        let cache = if is_hashed_asset(parts.uri.path()) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        response.headers_mut().insert(header::CACHE_CONTROL, cache);
    }
    response
}

/// A browser loading a page, as opposed to a script, image or API call.
fn is_navigation(parts: &Parts) -> bool {
    if parts.method != Method::GET && parts.method != Method::HEAD {
        return false;
    }
    let path = parts.uri.path();
    let last_segment = path.rsplit('/').next().unwrap_or_default();
    if last_segment.contains('.') || path.starts_with("/api/") {
        return false;
    }
    let header_is = |name: header::HeaderName, check: &dyn Fn(&str) -> bool| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(check)
    };
    header_is(header::HeaderName::from_static("sec-fetch-mode"), &|mode| {
        mode == "navigate"
    }) || header_is(header::ACCEPT, &|accept| accept.contains("text/html"))
}

/// Build tools put a content hash in file names (`app-1f2e3d4c5b6a7980.js`); such a file
/// never changes, so it may be cached forever.
fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split(['-', '_', '.']).any(|part| {
        (HASH_MIN_DIGITS..=16).contains(&part.len()) && part.chars().all(|c| c.is_ascii_hexdigit())
    })
}

/// trunk writes its 64-bit hash without leading zeros (`{:x}`), so one name in 16 has 15 hex
/// digits, one in 256 has 14; fewer than 12 happens once in 65,536 builds.
const HASH_MIN_DIGITS: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_recognised() {
        assert!(is_hashed_asset("/frontend-1f2e3d4c5b6a7980.js"));
        assert!(is_hashed_asset("/frontend-1f2e3d4c5b6a7980_bg.wasm"));
        // A trunk hash with leading zeros dropped.
        assert!(is_hashed_asset(
            "/stellar-heads-frontend-d17c7eeee59f88_bg.wasm"
        ));
        assert!(!is_hashed_asset("/cafe-0123.js"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/game/stellar_heads_game.wasm"));
    }
}
