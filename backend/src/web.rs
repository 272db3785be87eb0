//! Serving the built web root (frontend and game).
//!
//! A file that exists is served with its MIME type (`application/wasm` for `.wasm`), as the
//! precompressed `.br`/`.gz` sibling when the client accepts it. A missing file is a 404:
//! only a page navigation (a browser asking for HTML at a path without a file extension)
//! falls back to `index.html`, so the single-page app can route it. The original served
//! index.html for a missing `.js` file, which the browser then refused with a MIME error.
//!
//! Before the file system sees a path it is normalised: runs of `/` become one, so no
//! redirect ServeDir makes (a directory without its trailing slash) can start with `//`,
//! which a browser reads as another host (`//game` -> `//game/` was an open redirect). A
//! name the file system would refuse (a segment longer than `NAME_MAX`, or a path longer
//! than [`MAX_PATH`]) names no file: it is not found, never a 500. Methods other than GET
//! and HEAD get the API's JSON 405.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
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

/// The longest file name Linux allows (`NAME_MAX`): a longer path segment names no file.
const NAME_MAX: usize = 255;
/// Longer paths name no file of the web root (`PATH_MAX` is 4,096; the built site's longest
/// is under 100 bytes).
const MAX_PATH: usize = 1024;

/// The fallback handler of the whole app: everything that is not an API or health route.
pub async fn serve(State(web): State<WebRoot>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    if parts.method != Method::GET && parts.method != Method::HEAD {
        let mut response = crate::routes::method_not_allowed().await.into_response();
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    if let Some(uri) = normalised(&parts.uri) {
        parts.uri = uri;
    }
    let mut response = if names_a_file(parts.uri.path()) {
        match web
            .files
            .clone()
            .oneshot(Request::from_parts(parts.clone(), body))
            .await
        {
            Ok(response) => response.map(Body::new),
            Err(infallible) => match infallible {},
        }
    } else {
        StatusCode::NOT_FOUND.into_response()
    };
    if response.status() == StatusCode::NOT_FOUND {
        if !is_navigation(&parts) {
            let path = parts.uri.path();
            return if path.len() > 200 {
                ApiError::not_found("no file has a name this long").into_response()
            } else {
                ApiError::not_found(format!("no file at {path}")).into_response()
            };
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

/// The URI with runs of `/` in its path made one, or `None` when it has none.
fn normalised(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    if !path.contains("//") {
        return None;
    }
    let mut collapsed = String::with_capacity(path.len());
    for character in path.chars() {
        if !(character == '/' && collapsed.ends_with('/')) {
            collapsed.push(character);
        }
    }
    let path_and_query = match uri.query() {
        Some(query) => format!("{collapsed}?{query}"),
        None => collapsed,
    };
    // Only a valid path could be parsed; its collapsed form is valid too.
    Uri::builder().path_and_query(path_and_query).build().ok()
}

/// Whether the file system could hold a file at `path` (else it refuses the name).
fn names_a_file(path: &str) -> bool {
    path.len() <= MAX_PATH && path.split('/').all(|segment| segment.len() <= NAME_MAX)
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
    fn paths_are_normalised_before_the_file_system_sees_them() {
        let uri = |text: &str| text.parse::<Uri>().unwrap();
        assert_eq!(normalised(&uri("/game/")), None);
        assert_eq!(normalised(&uri("//game")), Some(uri("/game")));
        assert_eq!(normalised(&uri("///game//x?y=1")), Some(uri("/game/x?y=1")));
        assert!(names_a_file("/game/index.html"));
        assert!(!names_a_file(&format!("/{}.js", "a".repeat(300))));
        assert!(!names_a_file(&"/a".repeat(3000)));
    }

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
