//! Security headers, CORS, rate limits, compression, metrics and timeouts, through the real
//! router and database.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{TestApp, Wallet};
use protocol::Difficulty;
use serde_json::json;
use stellar_heads_backend::client_ip::Peer;
use stellar_heads_backend::config::RateLimitConfig;

/// A request on the strict auth budget: asking for a wallet challenge.
fn challenge_from(peer: Peer, forwarded_for: Option<&str>) -> Request<Body> {
    let wallet = Wallet::random();
    let mut request = Request::post("/api/auth/challenge")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"wallet_address": wallet.address()}).to_string(),
        ))
        .unwrap();
    request.extensions_mut().insert(peer);
    if let Some(value) = forwarded_for {
        request
            .headers_mut()
            .insert("x-forwarded-for", value.parse().unwrap());
    }
    request
}

fn tcp_peer(address: &str) -> Peer {
    Peer::Tcp(address.parse::<SocketAddr>().unwrap())
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for response in [
        app.get("/health/live", None).await,
        app.get("/api/leaderboard", None).await,
        app.get("/api/nope", None).await,
    ] {
        let csp = response.header("content-security-policy").unwrap();
        assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(response.header("x-frame-options"), Some("SAMEORIGIN"));
        assert_eq!(response.header("referrer-policy"), Some("same-origin"));
        assert!(
            response
                .header("strict-transport-security")
                .unwrap()
                .starts_with("max-age=")
        );
    }
}

fn preflight(origin: &str) -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/leaderboard")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn cors_is_granted_only_to_configured_origins() {
    let closed = TestApp::spawn().await;
    let response = closed.send(preflight("https://evil.example")).await;
    assert_eq!(response.header("access-control-allow-origin"), None);

    let open = TestApp::spawn_with(|config| {
        config.cors_allowed_origins = vec!["https://friend.example".into()];
    })
    .await;
    let allowed = open.send(preflight("https://friend.example")).await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://friend.example")
    );
    let refused = open.send(preflight("https://evil.example")).await;
    assert_eq!(refused.header("access-control-allow-origin"), None);
}

fn strict_limits() -> RateLimitConfig {
    RateLimitConfig {
        enabled: true,
        auth_per_minute: 1,
        auth_burst: 3,
        api_per_second: 1,
        api_burst: 5,
        ..RateLimitConfig::default()
    }
}

#[tokio::test]
async fn an_ipv6_client_is_its_64_not_each_of_its_addresses() {
    let app = TestApp::spawn_with(|config| config.rate_limit = strict_limits()).await;
    // One machine's /64: a fresh address per request buys nothing.
    for host in 1..=3 {
        let peer = tcp_peer(&format!("[2001:db8:aa:1::{host:x}]:40000"));
        assert_eq!(
            app.send(challenge_from(peer, None)).await.status,
            StatusCode::CREATED
        );
    }
    let next_address = tcp_peer("[2001:db8:aa:1:ffff:ffff:ffff:fffe]:40000");
    app.send(challenge_from(next_address, None))
        .await
        .assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // The neighbouring /64 is another client.
    let neighbour = tcp_peer("[2001:db8:aa:2::1]:40000");
    assert_eq!(
        app.send(challenge_from(neighbour, None)).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn the_auth_limit_answers_429_with_retry_after_per_client() {
    let app = TestApp::spawn_with(|config| config.rate_limit = strict_limits()).await;
    let client = tcp_peer("198.51.100.1:40000");
    for _ in 0..3 {
        assert_eq!(
            app.send(challenge_from(client, None)).await.status,
            StatusCode::CREATED
        );
    }
    let limited = app.send(challenge_from(client, None)).await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Another client has its own budget.
    assert_eq!(
        app.send(challenge_from(tcp_peer("198.51.100.2:40000"), None))
            .await
            .status,
        StatusCode::CREATED
    );
    // A spoofed X-Forwarded-For from an untrusted peer does not buy a new budget.
    let spoofed = app.send(challenge_from(client, Some("203.0.113.77"))).await;
    assert_eq!(spoofed.status, StatusCode::TOO_MANY_REQUESTS);
    // Health checks are never limited.
    for _ in 0..20 {
        let mut request = Request::get("/health/live").body(Body::empty()).unwrap();
        request.extensions_mut().insert(client);
        assert_eq!(app.send(request).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn behind_the_proxy_each_forwarded_client_has_its_own_budget() {
    let app = TestApp::spawn_with(|config| {
        config.rate_limit = strict_limits();
        config.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
    // Over the unix socket (the local nginx) and from a trusted proxy, the header counts.
    let proxies = [
        (Peer::Unix, ["192.0.2.10", "192.0.2.11"]),
        (tcp_peer("10.1.2.3:5000"), ["192.0.2.20", "192.0.2.21"]),
    ];
    for (peer, clients) in proxies {
        for client in clients {
            for _ in 0..3 {
                assert_eq!(
                    app.send(challenge_from(peer, Some(client))).await.status,
                    StatusCode::CREATED
                );
            }
        }
    }
    let limited = app
        .send(challenge_from(Peer::Unix, Some("192.0.2.10")))
        .await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn json_responses_are_compressed_when_the_client_accepts_it() {
    let app = TestApp::spawn().await;
    let request = Request::get("/api/leaderboard")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-encoding"), Some("gzip"));
    let plain = app.get("/api/leaderboard", None).await;
    assert_eq!(plain.header("content-encoding"), None);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_business_events() {
    let app = TestApp::spawn().await;
    let player = app.register("Counted").await;
    for _ in 0..2 {
        let response = app.play(&player, Difficulty::Easy).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    }
    app.get(
        &format!("/api/players/{}/stats", player.wallet.address()),
        None,
    )
    .await;
    app.get("/api/nope", None).await;
    // Any token is a valid HTTP method; none adds a series.
    for method in ["BREW", "PROPFIND", "X-ANYTHING"] {
        let request = Request::builder()
            .method(method)
            .uri("/api/leaderboard")
            .body(Body::empty())
            .unwrap();
        app.send(request).await;
    }
    let text = app.state.metrics.render(&app.state.pools());
    assert!(
        text.contains(r#"stellar_heads_http_requests_total{method="other",route="/api/leaderboard",status="405"} 3"#),
        "{text}"
    );
    assert!(!text.contains("BREW"), "{text}");
    for expected in [
        r#"stellar_heads_http_requests_total{method="POST",route="/api/auth/register",status="201"} 1"#,
        r#"stellar_heads_http_requests_total{method="GET",route="/api/players/{wallet_address}/stats",status="200"} 1"#,
        r#"stellar_heads_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"stellar_heads_signups_total 1"#,
        r#"stellar_heads_matches_stored_total{outcome="loss",ranked="true"} 2"#,
        r#"stellar_heads_match_replays_total{result="verified"} 2"#,
        "stellar_heads_match_replay_duration_seconds_count 2",
        r#"stellar_heads_http_request_duration_seconds_count{method="POST",route="/api/matches",status="201"} 2"#,
        r#"stellar_heads_http_request_duration_seconds_count{method="POST",route="/api/matches/{match_id}/result",status="201"} 2"#,
        r#"stellar_heads_db_pool_max_connections{pool="writes"} 10"#,
        r#"stellar_heads_db_pool_max_connections{pool="reads"} 4"#,
        "stellar_heads_verify_queue_limit 64",
    ] {
        assert!(text.contains(expected), "missing {expected}\n{text}");
    }
    // Metrics are not served on the public router.
    assert_eq!(
        app.get("/metrics", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_request_stuck_on_the_database_times_out_with_503() {
    let app = TestApp::spawn_with(|config| config.request_timeout_secs = 1).await;
    let mut blocker = app.state.db.begin().await.unwrap();
    sqlx::query("LOCK TABLE standings IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let response = app.get("/api/leaderboard", None).await;
    response.assert_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    blocker.rollback().await.unwrap();
    assert_eq!(
        app.get("/api/leaderboard", None).await.status,
        StatusCode::OK
    );
}
