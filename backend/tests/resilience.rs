//! The real server binary over real sockets, under load and under faults. Every load here
//! is bounded in players, requests and time, and stays on loopback.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use loadgen::load::{self, LoadConfig};
use loadgen::{ListeningSocket, ServerOptions, ServerProcess};
use pg_harness::{Cluster, ClusterOptions};
use sqlx::PgPool;
use uuid::Uuid;

const BINARY: &str = env!("CARGO_BIN_EXE_stellar-heads-backend");

fn options(database_url: &str) -> ServerOptions {
    ServerOptions::new(BINARY, database_url)
        // All load comes from 127.0.0.1; the limiter has its own test below.
        .env("STELLAR_HEADS_RATE_LIMIT__ENABLED", "false")
        .env("STELLAR_HEADS_DATABASE_MAX_CONNECTIONS", "20")
}

async fn stored_match_ids(database_url: &str) -> Vec<Uuid> {
    let pool = PgPool::connect(database_url).await.unwrap();
    let ids = sqlx::query_scalar("SELECT id FROM matches WHERE status = 'verified'")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    ids
}

/// Every acknowledged match is stored, exactly once, and the standings add up.
async fn assert_nothing_lost_or_doubled(database_url: &str, acknowledged: &HashSet<Uuid>) {
    let stored = stored_match_ids(database_url).await;
    let unique: HashSet<Uuid> = stored.iter().copied().collect();
    assert_eq!(unique.len(), stored.len(), "duplicate match rows");
    let missing: Vec<_> = acknowledged.difference(&unique).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged matches are missing",
        missing.len()
    );
    let pool = PgPool::connect(database_url).await.unwrap();
    let (played, ranked): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT coalesce(sum(played), 0) FROM standings), \
                (SELECT count(*) FROM matches WHERE mode = 'vs_computer')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(played, ranked, "standings disagree with the matches");
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_players_at_once_get_no_5xx_and_lose_no_match() {
    let database = pg_harness::fresh_database().await.unwrap();
    let socket = ListeningSocket::bind().unwrap();
    let server = ServerProcess::start(&options(&database.url), &socket).unwrap();
    loadgen::server::play_matches_instantly(&database.url)
        .await
        .unwrap();
    let config = LoadConfig {
        players: 60,
        matches_per_player: 5,
        reads_per_player: 4,
        // Tickets are backdated: results are sent as soon as the match starts.
        wait_real_time: false,
        ..LoadConfig::default()
    };
    let started = Instant::now();
    let report = load::run(&socket.base_url(), &config).await;
    eprintln!(
        "load: {} requests in {:?}: {:?}",
        report.requests,
        started.elapsed(),
        report.statuses
    );
    assert_eq!(
        report.server_errors(),
        0,
        "{:?}\n{}",
        report.statuses,
        server.log()
    );
    assert!(
        report.connect_failures.is_empty() && report.lost_responses.is_empty(),
        "{report:?}"
    );
    assert_eq!(report.acknowledged.len(), 60 * 5);
    assert_eq!(report.abandoned, 0);
    assert_nothing_lost_or_doubled(&database.url, &report.acknowledged).await;
    assert!(server.terminate().unwrap().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restart_under_load_refuses_no_connection_and_finishes_what_it_accepted() {
    let database = pg_harness::fresh_database().await.unwrap();
    // We hold the socket, as systemd does with socket activation.
    let socket = ListeningSocket::bind().unwrap();
    // Both instances share the options, and so the token secret, like two releases of one
    // deployment.
    let options = options(&database.url);
    let first = ServerProcess::start(&options, &socket).unwrap();
    loadgen::server::play_matches_instantly(&database.url)
        .await
        .unwrap();
    // One connection per request, so that every failure is attributable; no retries, so
    // that a failure shows.
    let config = LoadConfig {
        players: 40,
        matches_per_player: 8,
        reads_per_player: 4,
        keep_alive: false,
        retry: false,
        // Tickets are backdated: results are sent as soon as the match starts.
        wait_real_time: false,
        ..LoadConfig::default()
    };
    let base = socket.base_url();
    let load = tokio::spawn(async move { load::run(&base, &config).await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    first.signal_terminate().unwrap();
    let signalled = Instant::now();
    let mut first = first;
    let second = ServerProcess::start(&options, &socket).unwrap();
    let first_status = first.wait(Duration::from_secs(30)).unwrap();
    let report = load.await.unwrap();
    let after_signal = report
        .response_times
        .iter()
        .filter(|t| **t > signalled)
        .count();
    eprintln!(
        "restart: {} requests, {after_signal} answered after SIGTERM: {:?}",
        report.requests, report.statuses
    );
    assert!(first_status.success(), "{}", first.log());
    assert!(after_signal > 0, "the load should span the restart");
    assert!(
        report.connect_failures.is_empty(),
        "refused: {:?}",
        report.connect_failures
    );
    assert!(
        report.lost_responses.is_empty(),
        "accepted but unanswered: {:?}",
        report.lost_responses
    );
    assert_eq!(report.server_errors(), 0, "{:?}", report.statuses);
    assert_eq!(report.abandoned, 0);
    assert_nothing_lost_or_doubled(&database.url, &report.acknowledged).await;
    assert!(second.terminate().unwrap().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_an_in_flight_request_finish() {
    let database = pg_harness::fresh_database().await.unwrap();
    let socket = ListeningSocket::bind().unwrap();
    let server = ServerProcess::start(&options(&database.url), &socket).unwrap();
    // Hold the leaderboard's table so that a request is in flight when the signal arrives.
    let pool = PgPool::connect(&database.url).await.unwrap();
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE standings IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let url = format!("{}/api/leaderboard", socket.base_url());
    let request = tokio::spawn(async move { reqwest::get(url).await.map(|r| r.status().as_u16()) });
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.signal_terminate().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    blocker.rollback().await.unwrap();
    assert_eq!(
        request.await.unwrap().unwrap(),
        200,
        "the in-flight request completes"
    );
    let mut server = server;
    assert!(server.wait(Duration::from_secs(30)).unwrap().success());
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_database_going_away_under_load_costs_no_acknowledged_match() {
    // Our own cluster: this test stops it.
    let mut cluster = Cluster::start(ClusterOptions::default()).unwrap();
    let admin = PgPool::connect(&cluster.admin_url()).await.unwrap();
    sqlx::query("CREATE DATABASE stellar_heads")
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let database_url = cluster.url("stellar_heads");
    let socket = ListeningSocket::bind().unwrap();
    let mut server = ServerProcess::start(
        &options(&database_url).env("STELLAR_HEADS_DATABASE_ACQUIRE_TIMEOUT_SECS", "1"),
        &socket,
    )
    .unwrap();
    let ready = |api: loadgen::Api| async move {
        match api.get("/health/ready", None).await {
            loadgen::api::Reply::Status(status, _) => status,
            _ => 0,
        }
    };
    loadgen::server::play_matches_instantly(&database_url)
        .await
        .unwrap();
    let api = loadgen::Api::new(&socket.base_url(), true);
    assert_eq!(ready(api.clone()).await, 200);

    let config = LoadConfig {
        players: 30,
        matches_per_player: 10,
        reads_per_player: 2,
        // Tickets are backdated: results are sent as soon as the match starts.
        wait_real_time: false,
        ..LoadConfig::default()
    };
    let base = socket.base_url();
    let load = tokio::spawn(async move { load::run(&base, &config).await });
    tokio::time::sleep(Duration::from_millis(300)).await;

    cluster.stop_server().unwrap();
    let down_since = Instant::now();
    while ready(api.clone()).await != 503 {
        assert!(
            down_since.elapsed() < Duration::from_secs(10),
            "readiness never turned 503"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.start_server().unwrap();
    let up_since = Instant::now();
    while ready(api.clone()).await != 200 {
        assert!(
            up_since.elapsed() < Duration::from_secs(30),
            "readiness never recovered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let report = load.await.unwrap();
    eprintln!(
        "database restart: {} requests: {:?}",
        report.requests, report.statuses
    );
    assert!(server.is_running(), "the server recovers without a restart");
    // While the database was away, requests were answered 503, never 500.
    assert_eq!(
        report.count(500),
        0,
        "{:?}\n{}",
        report.statuses,
        server.log()
    );
    assert!(
        report.count(503) > 0,
        "the outage should have been seen: {:?}",
        report.statuses
    );
    assert_eq!(
        report.abandoned, 0,
        "every player finished once the database was back"
    );
    assert_eq!(report.acknowledged.len(), 30 * 10);
    assert_nothing_lost_or_doubled(&database_url, &report.acknowledged).await;
    assert!(server.terminate().unwrap().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_limiter_answers_429_never_5xx() {
    let database = pg_harness::fresh_database().await.unwrap();
    let socket = ListeningSocket::bind().unwrap();
    let server = ServerProcess::start(&ServerOptions::new(BINARY, &database.url), &socket).unwrap();
    let api = loadgen::Api::new(&socket.base_url(), true);
    let attempts: Vec<_> = (0..60)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move {
                match api.challenge(&loadgen::api::random_wallet()).await {
                    loadgen::api::Reply::Status(status, response) => {
                        (status, response.headers().get("retry-after").is_some())
                    }
                    other => panic!("{other:?}"),
                }
            })
        })
        .collect();
    let mut created = 0;
    let mut limited = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            (201, _) => created += 1,
            (429, retry_after) => {
                assert!(retry_after, "429 without Retry-After");
                limited += 1;
            }
            (status, _) => panic!("unexpected {status}"),
        }
    }
    assert_eq!(created, 10, "the default auth burst");
    assert_eq!(limited, 50);
    assert!(server.terminate().unwrap().success());
}

fn plain_get(address: std::net::SocketAddr) -> Duration {
    let started = Instant::now();
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_huge_requests_cannot_stall_others() {
    let database = pg_harness::fresh_database().await.unwrap();
    let socket = ListeningSocket::bind().unwrap();
    let server = ServerProcess::start(
        &options(&database.url)
            .env("STELLAR_HEADS_HEADER_READ_TIMEOUT_SECS", "2")
            .env("STELLAR_HEADS_REQUEST_TIMEOUT_SECS", "3"),
        &socket,
    )
    .unwrap();
    let address = socket.address();
    // 100 clients that trickle their headers, and 20 that promise a body and never send it.
    let mut slow_headers = Vec::new();
    for _ in 0..100 {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        slow_headers.push(stream);
    }
    let mut slow_bodies = Vec::new();
    for _ in 0..20 {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .write_all(b"POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
            .unwrap();
        slow_bodies.push(stream);
    }
    // Meanwhile everyone else is served at once.
    let worst = (0..20).map(|_| plain_get(address)).max().unwrap();
    assert!(
        worst < Duration::from_secs(1),
        "a normal request took {worst:?}"
    );
    // A huge body is refused from its Content-Length without being read.
    let huge = reqwest::Client::new()
        .post(format!("{}/api/auth/register", socket.base_url()))
        .header("content-type", "application/json")
        .body(vec![b' '; 50 * 1024 * 1024])
        .send()
        .await;
    if let Ok(response) = huge {
        assert_eq!(response.status().as_u16(), 413);
    }
    assert!(plain_get(address) < Duration::from_secs(1));
    // The slow clients are cut off by the header and request timeouts.
    tokio::time::sleep(Duration::from_secs(4)).await;
    for mut stream in slow_headers {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buffer = Vec::new();
        let _ = stream.read_to_end(&mut buffer);
        let text = String::from_utf8_lossy(&buffer);
        assert!(
            buffer.is_empty() || text.starts_with("HTTP/1.1 408"),
            "{text}"
        );
    }
    for mut stream in slow_bodies {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        assert!(response.starts_with("HTTP/1.1 503"), "{response}");
    }
    assert!(server.terminate().unwrap().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_verifications_at_once_leave_liveness_prompt() {
    use loadgen::api::{auth_token, random_username, random_wallet, ticket};
    let database = pg_harness::fresh_database().await.unwrap();
    let socket = ListeningSocket::bind().unwrap();
    let server = ServerProcess::start(&options(&database.url), &socket).unwrap();
    loadgen::server::play_matches_instantly(&database.url)
        .await
        .unwrap();
    let api = loadgen::Api::new(&socket.base_url(), true);
    let result = load::genuine_match(loadgen::server::LOAD_SEED);
    let mut started = Vec::new();
    for _ in 0..64 {
        let token = auth_token(api.register(&random_username(), &random_wallet()).await)
            .await
            .unwrap();
        let match_id = ticket(api.start_match(&token, load::GENUINE_MODE).await)
            .await
            .unwrap()
            .match_id;
        started.push((token, match_id));
    }
    let submits: Vec<_> = started
        .into_iter()
        .map(|(token, match_id)| {
            let api = api.clone();
            let result = result.clone();
            tokio::spawn(async move {
                match api.submit_result(&token, match_id, &result).await {
                    loadgen::api::Reply::Status(status, _) => status,
                    other => panic!("{other:?}"),
                }
            })
        })
        .collect();
    // While the verifiers work through the 64 replays, liveness answers at once.
    let mut slowest = Duration::ZERO;
    let mut probes = 0;
    while submits.iter().any(|submit| !submit.is_finished()) && probes < 100 {
        let probe = loadgen::Api::new(&socket.base_url(), false);
        let sent = Instant::now();
        assert!(matches!(
            probe.get("/health/live", None).await,
            loadgen::api::Reply::Status(200, _)
        ));
        slowest = slowest.max(sent.elapsed());
        probes += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut statuses = Vec::new();
    for submit in submits {
        statuses.push(submit.await.unwrap());
    }
    eprintln!("{probes} liveness probes during 64 verifications, slowest {slowest:?}");
    assert!(
        probes >= 3,
        "the verifications ended before they could be probed"
    );
    assert!(
        slowest < Duration::from_millis(500),
        "liveness took {slowest:?}"
    );
    assert!(statuses.iter().all(|status| *status == 201), "{statuses:?}");
    assert_eq!(stored_match_ids(&database.url).await.len(), 64);
    assert!(server.terminate().unwrap().success());
}

/// One HTTP/1.1 exchange over a fresh connection from `from` (a loopback address), read until
/// the server closes it.
async fn exchange(from: [u8; 4], to: std::net::SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind((from, 0).into()).unwrap();
    let mut stream = socket.connect(to).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let first_line = request.lines().next().unwrap_or("(nothing)");
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{first_line}: no answer and close within 10 s, got {:?}",
                String::from_utf8_lossy(&response)
            )
        })
        .unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

/// The server's edges, through the real binary on a dual-stack listener (`[::]`, as the
/// image and `cargo xtask dev` may listen): a connection that never speaks, an oversized
/// body announced up front, paths a browser or the file system would misread, other
/// methods on the site's files, and an IPv4 proxy that arrives as an IPv4-mapped address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_edges_hold() {
    let database = pg_harness::fresh_database().await.unwrap();
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>site</title>",
    )
    .unwrap();
    std::fs::create_dir(web.path().join("game")).unwrap();
    std::fs::write(web.path().join("game/index.html"), "<!doctype html>game").unwrap();
    let socket = ListeningSocket::bind_dual_stack().unwrap();
    let server = ServerProcess::start(
        &ServerOptions::new(BINARY, &database.url)
            .env("STELLAR_HEADS_HEADER_READ_TIMEOUT_SECS", "2")
            .env("STELLAR_HEADS_WEB_ROOT", web.path().to_str().unwrap())
            .env("STELLAR_HEADS_TRUSTED_PROXIES", r#"["127.0.0.2/32"]"#)
            .env("STELLAR_HEADS_RATE_LIMIT__AUTH_BURST", "2"),
        &socket,
    )
    .unwrap();
    let to = std::net::SocketAddr::from(([127, 0, 0, 1], socket.address().port()));
    let local = [127, 0, 0, 1];

    // A connection that never sends a byte is closed after the header timeout.
    let started = Instant::now();
    let silent = exchange(local, to, "").await;
    assert!(silent.is_empty(), "{silent}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "held {:?}",
        started.elapsed()
    );

    // A body announced too large is refused at once, and no upload is invited.
    for expect in ["", "Expect: 100-continue\r\n"] {
        let started = Instant::now();
        let response = exchange(
            local,
            to,
            &format!(
                "POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                 Content-Length: 50000000\r\n{expect}Connection: close\r\n\r\n{{"
            ),
        )
        .await;
        assert!(response.starts_with("HTTP/1.1 413"), "{expect}: {response}");
        assert!(response.contains("payload_too_large"), "{response}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    // No redirect leaves the site: `//game` is `/game`.
    for path in ["//game", "///game", "//game?x=1"] {
        let response = exchange(
            local,
            to,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        )
        .await;
        let location = response
            .lines()
            .find_map(|line| {
                line.to_ascii_lowercase()
                    .strip_prefix("location: ")
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        assert!(location.starts_with("/game/"), "{path}: {response}");
    }

    // Names the file system refuses are not found, never a 500.
    for path in [
        format!("/{}.js", "a".repeat(300)),
        format!("/{}", "a".repeat(300)),
        format!("/{}", "a/".repeat(2500)),
    ] {
        let response = exchange(
            local,
            to,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert!(
            response.starts_with("HTTP/1.1 404"),
            "{}: {response}",
            path.len()
        );
        assert!(response.contains("\"not_found\""), "{response}");
    }

    // Other methods on the site's files get the API's JSON 405.
    let response = exchange(
        local,
        to,
        "POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 405"), "{response}");
    assert!(response.contains("\"method_not_allowed\""), "{response}");

    // The trusted proxy 127.0.0.2, seen as ::ffff:127.0.0.2: its clients are told apart (two
    // challenges each within the burst of 2), and a client is still limited on its own.
    let challenge = |client: u8| {
        let body = format!(
            r#"{{"wallet_address":"{}"}}"#,
            loadgen::api::random_wallet().account
        );
        format!(
            "POST /api/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             X-Forwarded-For: 198.51.100.{client}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    for client in 1..=6 {
        for _ in 0..2 {
            let response = exchange([127, 0, 0, 2], to, &challenge(client)).await;
            assert!(
                response.starts_with("HTTP/1.1 201"),
                "client {client}: {response}"
            );
        }
    }
    let response = exchange([127, 0, 0, 2], to, &challenge(1)).await;
    assert!(response.starts_with("HTTP/1.1 429"), "{response}");
    assert!(server.terminate().unwrap().success());
}

/// A queue that holds more re-plays than a request has time for: results wait for a worker
/// at most half the request timeout, then are refused as `busy` with `Retry-After` (which the
/// page honours), never left to the request timeout's plain 503.
///
/// The request timeout is set from a re-play measured here, under this run's own load: eight
/// re-plays (at least 2 s). A result that gets the worker just before its half-timeout wait
/// ends still has time for its re-play, and 24 results behind one worker (24 re-plays) cannot
/// all be served within four: the test is of the wait for a worker, not of the machine's speed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deep_verifier_queue_answers_busy_in_time() {
    use loadgen::api::{Reply, auth_token, random_username, random_wallet, ticket};
    let database = pg_harness::fresh_database().await.unwrap();
    let (record, replay_time) = tokio::task::spawn_blocking(|| {
        let record = loadgen::replay_bench::full_length_record(loadgen::server::LOAD_SEED);
        let slowest = loadgen::replay_bench::one_core(&record, 3)
            .into_iter()
            .max()
            .unwrap();
        (record, slowest)
    })
    .await
    .unwrap();
    let request_timeout = (replay_time * 8).max(Duration::from_secs(2));
    let socket = ListeningSocket::bind().unwrap();
    let server = ServerProcess::start(
        &options(&database.url)
            .env("STELLAR_HEADS_VERIFY_WORKERS", "1")
            .env(
                "STELLAR_HEADS_REQUEST_TIMEOUT_SECS",
                request_timeout.as_secs_f64().ceil().to_string(),
            ),
        &socket,
    )
    .unwrap();
    loadgen::server::play_matches_instantly(&database.url)
        .await
        .unwrap();
    let api = loadgen::Api::new(&socket.base_url(), true);
    let mut started = Vec::new();
    for _ in 0..24 {
        let token = auth_token(api.register(&random_username(), &random_wallet()).await)
            .await
            .unwrap();
        let match_id = ticket(api.start_match(&token, record.mode).await)
            .await
            .unwrap()
            .match_id;
        started.push((token, match_id));
    }
    let result = std::sync::Arc::new(protocol::api::MatchResultSubmission {
        player_score: 0,
        opponent_score: 0,
        record,
    });
    // Its true score: the first one re-played says (every one is the same match).
    let submits: Vec<_> = started
        .into_iter()
        .map(|(token, match_id)| {
            let (api, result) = (api.clone(), result.clone());
            tokio::spawn(async move {
                match api.submit_result(&token, match_id, &result).await {
                    Reply::Status(status, response) => {
                        let retry_after = response.headers().get("retry-after").is_some();
                        let body: serde_json::Value = response.json().await.unwrap();
                        (
                            status,
                            body["code"].as_str().unwrap_or_default().to_owned(),
                            retry_after,
                        )
                    }
                    other => panic!("{other:?}"),
                }
            })
        })
        .collect();
    let mut busy = 0;
    for submit in submits {
        let (status, code, retry_after) = submit.await.unwrap();
        match (status, code.as_str()) {
            // Re-played in time (a 0-0 claim of a full-length two-player match may be true).
            (201, _) | (422, "result_mismatch") => {}
            (503, "busy") => {
                assert!(retry_after, "busy without Retry-After");
                busy += 1;
            }
            other => panic!("{other:?}: a result neither ran in time nor was refused as busy"),
        }
    }
    assert!(
        busy > 0,
        "one worker re-played 24 full matches (one took up to {replay_time:?}) within {:?}",
        request_timeout / 2
    );
    assert!(server.terminate().unwrap().success());
}
