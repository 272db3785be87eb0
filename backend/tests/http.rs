//! Error bodies, request ids, health endpoints and the static web root.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::TestApp;

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors_with_the_request_id() {
    let app = TestApp::spawn().await;
    app.get("/api/nope", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.call(Method::DELETE, "/api/leaderboard", None, None)
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    // Without a web root, everything outside the API is a JSON 404 as well.
    app.get("/index.html", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_sane_incoming_request_id_is_kept_and_an_insane_one_replaced() {
    let app = TestApp::spawn().await;
    let request = Request::get("/api/nope")
        .header("x-request-id", "proxy-abc-123")
        .body(Body::empty())
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.header("x-request-id"), Some("proxy-abc-123"));
    assert_eq!(response.json()["request_id"], "proxy-abc-123");
    let request = Request::get("/health/live")
        .header("x-request-id", "bad id\twith spaces")
        .body(Body::empty())
        .unwrap();
    let response = app.send(request).await;
    let id = response.header("x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
}

#[tokio::test]
async fn a_database_error_never_leaks_sql() {
    let app = TestApp::spawn().await;
    sqlx::query("DROP TABLE standings CASCADE")
        .execute(&app.state.db)
        .await
        .unwrap();
    let response = app.get("/api/leaderboard", None).await;
    let body = response.assert_error(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    let text = body.to_string().to_lowercase();
    for leak in ["standings", "relation", "select", "sqlx", "postgres"] {
        assert!(!text.contains(leak), "leaked {leak:?}: {body}");
    }
}

#[tokio::test]
async fn health_reports_the_database_and_readiness_follows_it() {
    let app = TestApp::spawn().await;
    let live = app.get("/health/live", None).await;
    assert_eq!(live.status, StatusCode::OK);
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    let report = app.get("/health", None).await;
    assert_eq!(report.status, StatusCode::OK);
    let body = report.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"]["ok"], true);
    assert!(body["database"]["latency_ms"].is_u64());

    // The home page's top of the leaderboard is read once, then served from memory.
    assert_eq!(
        app.get("/api/leaderboard", None).await.status,
        StatusCode::OK
    );

    app.state.db.close().await;
    app.state.reads.close().await;
    // Health answers are shared for up to a second: however often it is called, the
    // database is asked at most once a second (here it is not asked again at all).
    for _ in 0..50 {
        assert_eq!(app.get("/health/ready", None).await.status, StatusCode::OK);
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.get("/health/ready", None)
        .await
        .assert_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    let report = app.get("/health", None).await;
    assert_eq!(report.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(report.json()["database"]["ok"], false);
    assert_eq!(
        app.get("/health/live", None).await.status,
        StatusCode::OK,
        "liveness does not depend on the database"
    );
    assert_eq!(
        app.get("/api/leaderboard?limit=5", None).await.status,
        StatusCode::OK,
        "the top of the leaderboard never waits on the database"
    );
    let anyone = common::Wallet::random().address();
    app.get(&format!("/api/players/{anyone}/stats"), None)
        .await
        .assert_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
}

fn web_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("index.html"),
        "<!doctype html><title>Stellar Heads</title>",
    )
    .unwrap();
    std::fs::write(root.join("app-1f2e3d4c5b6a7980.js"), "console.log('hi')").unwrap();
    std::fs::create_dir(root.join("game")).unwrap();
    std::fs::write(root.join("game/game_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(root.join("game/game_bg.wasm.br"), b"brotli-bytes").unwrap();
    dir
}

fn get(path: &str, accept: &str) -> Request<Body> {
    Request::get(path)
        .header(header::ACCEPT, accept)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn the_web_root_serves_files_with_their_types_and_only_navigations_fall_back() {
    let root = web_root();
    let path = root.path().to_owned();
    let app = TestApp::spawn_with(|config| config.web_root = Some(path)).await;

    let wasm = app.send(get("/game/game_bg.wasm", "*/*")).await;
    assert_eq!(wasm.status, StatusCode::OK);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");

    let compressed = app
        .send(
            Request::get("/game/game_bg.wasm")
                .header(header::ACCEPT_ENCODING, "br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(compressed.header("content-encoding"), Some("br"));
    assert_eq!(compressed.header("content-type"), Some("application/wasm"));
    assert_eq!(compressed.body, b"brotli-bytes");

    let script = app.send(get("/app-1f2e3d4c5b6a7980.js", "*/*")).await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(
        script.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    // A missing script is a 404, never index.html (the original's MIME error).
    let missing = app.send(get("/app-0000000000000000.js", "*/*")).await;
    missing.assert_error(StatusCode::NOT_FOUND, "not_found");
    let missing_html_accept = app.send(get("/missing.js", "text/html")).await;
    assert_eq!(missing_html_accept.status, StatusCode::NOT_FOUND);

    // A page navigation to a client-side route gets the app.
    let page = app
        .send(get("/leaderboard", "text/html,application/xhtml+xml"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().contains("Stellar Heads"));
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    let index = app.send(get("/", "text/html")).await;
    assert!(index.text().contains("Stellar Heads"));

    // A fetch (not a navigation) of a missing path is a 404, and the API stays JSON.
    assert_eq!(
        app.send(get("/leaderboard", "application/json"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.send(get("/api/unknown", "text/html"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    // No escaping the web root.
    assert_eq!(
        app.send(get("/../Cargo.toml", "*/*")).await.status,
        StatusCode::NOT_FOUND
    );
}
