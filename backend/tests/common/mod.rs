//! The backend under test: the real router on a fresh database in the throwaway cluster.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use protocol::record::MatchRecord;
use protocol::{Difficulty, GameMode};
use serde_json::{Value, json};
use stellar_heads_backend::app;
use stellar_heads_backend::config::{Config, RateLimitConfig};
use stellar_heads_backend::state::AppState;
use stellar_heads_game::replay::{ReplayResult, play_scripted};
use tower::ServiceExt;

pub const SECRET: &str = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub config: Config,
    pub database_url: String,
    _dir: tempfile::TempDir,
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an error response: status, code, and the request id in body and header.
    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text());
        let body = self.json();
        assert_eq!(body["code"], code, "body: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "body: {body}"
        );
        let request_id = body["request_id"].as_str().expect("request_id");
        assert!(!request_id.is_empty());
        assert_eq!(self.header("x-request-id"), Some(request_id));
        body
    }
}

/// A Stellar key pair that signs like a wallet (shared with the load tests).
pub use loadgen::Wallet;

pub struct Player {
    pub token: String,
    pub wallet: Wallet,
    pub username: String,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let database = pg_harness::fresh_database().await.expect("test database");
        Self::spawn_on(&database.url, adjust).await
    }

    /// Another server on the database of `self` (as after a restart or on a second node).
    pub async fn spawn_beside(&self, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_on(&self.database_url, adjust).await
    }

    /// A server on an existing database; `jwt_secret_file` holds [`SECRET`] unless `adjust`
    /// changes it.
    pub async fn spawn_on(database_url: &str, adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let secret_file = dir.path().join("jwt-secret");
        std::fs::write(&secret_file, SECRET).unwrap();
        let mut config = Config {
            database_url: Some(database_url.to_owned()),
            jwt_secret_file: Some(secret_file),
            // Tests that are not about rate limits would all share one budget (requests sent
            // straight to the router have no peer address); the limiter's tests enable it.
            rate_limit: RateLimitConfig {
                enabled: false,
                ..RateLimitConfig::default()
            },
            ..Config::default()
        };
        adjust(&mut config);
        let state = app::state_from_config(&config).await.expect("app state");
        let router = app::router(state.clone(), &config).expect("router");
        Self {
            router,
            state,
            config,
            database_url: database_url.to_owned(),
            _dir: dir,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes().to_vec();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> TestResponse {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        self.send(request.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.call(Method::GET, path, None, token).await
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> TestResponse {
        self.call(Method::POST, path, Some(body), token).await
    }

    /// Signs up `username` with a fresh wallet (challenge, signature, register).
    pub async fn register(&self, username: &str) -> Player {
        let wallet = Wallet::random();
        let response = self.sign_up(username, &wallet).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let token = response.json()["token"].as_str().unwrap().to_owned();
        Player {
            token,
            wallet,
            username: username.to_owned(),
        }
    }

    /// The whole sign-up of `username` for `wallet`; returns the register response.
    pub async fn sign_up(&self, username: &str, wallet: &Wallet) -> TestResponse {
        let (challenge, message) = self.challenge(wallet).await;
        self.register_with(username, wallet, &challenge, &wallet.sign(&message))
            .await
    }

    /// `POST /api/auth/register` with a given challenge and signature.
    pub async fn register_with(
        &self,
        username: &str,
        wallet: &Wallet,
        challenge: &str,
        signature: &str,
    ) -> TestResponse {
        let body = json!({
            "username": username,
            "wallet_address": wallet.address(),
            "challenge": challenge,
            "signature": signature,
        });
        self.post("/api/auth/register", body, None).await
    }

    /// Asks for a challenge for `wallet`; returns (challenge, message).
    pub async fn challenge(&self, wallet: &Wallet) -> (String, String) {
        let response = self
            .post(
                "/api/auth/challenge",
                json!({"wallet_address": wallet.address()}),
                None,
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let body = response.json();
        (
            body["challenge"].as_str().unwrap().to_owned(),
            body["message"].as_str().unwrap().to_owned(),
        )
    }

    /// Sends a signed challenge to `/api/auth/verify` (sign-in).
    pub async fn verify(
        &self,
        challenge: &str,
        wallet_address: &str,
        signature: &str,
    ) -> TestResponse {
        let body = json!({"challenge": challenge, "wallet_address": wallet_address, "signature": signature});
        self.post("/api/auth/verify", body, None).await
    }

    /// The whole sign-in of `wallet`; returns the verify response.
    pub async fn prove(&self, wallet: &Wallet) -> TestResponse {
        let (challenge, message) = self.challenge(wallet).await;
        self.verify(&challenge, &wallet.address(), &wallet.sign(&message))
            .await
    }

    /// `POST /api/matches`: starts a match of `mode` (JSON) for `player`.
    pub async fn start_match(&self, player: &Player, mode: Value) -> TestResponse {
        self.post("/api/matches", json!({ "mode": mode }), Some(&player.token))
            .await
    }

    /// Starts a match and returns its id.
    pub async fn ticket(&self, player: &Player, mode: Value) -> String {
        self.seeded_ticket(player, mode).await.0
    }

    /// A started match: its id and its seed (a record counts only with its own match's).
    pub async fn seeded_ticket(&self, player: &Player, mode: Value) -> (String, u32) {
        let response = self.start_match(player, mode).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let ticket = response.json();
        (
            ticket["match_id"].as_str().unwrap().to_owned(),
            u32::try_from(ticket["seed"].as_u64().unwrap()).unwrap(),
        )
    }

    /// Moves a started match's start an hour back, as if it had been played by now.
    pub async fn backdate(&self, match_id: &str) {
        sqlx::query(
            "UPDATE match_tickets SET started_at = now() - interval '1 hour' WHERE id = $1::uuid",
        )
        .bind(match_id)
        .execute(&self.state.db)
        .await
        .unwrap();
    }

    pub async fn submit(&self, player: &Player, match_id: &str, body: Value) -> TestResponse {
        self.post(
            &format!("/api/matches/{match_id}/result"),
            body,
            Some(&player.token),
        )
        .await
    }

    /// Starts a match, lets its real time pass (by backdating it) and submits `played`.
    /// Starts a ranked match against `difficulty`, plays it headless with its seed (the
    /// player stands still) and submits its true result.
    pub async fn play(&self, player: &Player, difficulty: Difficulty) -> TestResponse {
        let mode = serde_json::to_value(GameMode::VsComputer { difficulty }).unwrap();
        let (match_id, seed) = self.seeded_ticket(player, mode).await;
        self.backdate(&match_id).await;
        let played = idle_match(difficulty, seed);
        self.submit(player, &match_id, result_body(&played)).await
    }

    /// Test data for tests about what is done with stored results (rankings, history,
    /// backups), not about verifying them: a verified-looking row written straight into the
    /// database, with a score no short scripted match could be made to produce.
    pub async fn insert_result(
        &self,
        player: &Player,
        mode: &str,
        ours: i16,
        theirs: i16,
    ) -> String {
        self.insert_result_against(player, mode, "normal", ours, theirs)
            .await
    }

    /// [`Self::insert_result`] against a given computer level (ignored for two players).
    /// The cached top of the leaderboard is refreshed, as storing a match does.
    pub async fn insert_result_against(
        &self,
        player: &Player,
        mode: &str,
        difficulty: &str,
        ours: i16,
        theirs: i16,
    ) -> String {
        let outcome = protocol::Outcome::from_scores(ours as u8, theirs as u8);
        let duration = if ours == 5 || theirs == 5 {
            6000
        } else {
            FULL_TIME as i32
        };
        let difficulty = (mode == "vs_computer").then_some(difficulty);
        let id: uuid::Uuid = sqlx::query_scalar(
            "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, \
                                  duration_ticks, mode, difficulty, status, record_inputs, \
                                  sim_version, played_at) \
             SELECT gen_random_uuid(), id, $2, $3, $4, $5, $6, $7, 'verified', 'fixture', 1, \
                    clock_timestamp() \
             FROM players WHERE username = $1 RETURNING id",
        )
        .bind(&player.username)
        .bind(ours)
        .bind(theirs)
        .bind(outcome.as_str())
        .bind(duration)
        .bind(mode)
        .bind(difficulty)
        .fetch_one(&self.state.db)
        .await
        .unwrap();
        self.state.top.refresh(&self.state.reads).await.unwrap();
        id.to_string()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&self.state.db)
            .await
            .unwrap()
    }
}

/// A real match with `seed`, played headless: the player stands still against the computer.
pub fn idle_match(difficulty: Difficulty, seed: u32) -> (MatchRecord, ReplayResult) {
    play_scripted(GameMode::VsComputer { difficulty }, seed, |_| [0, 0])
}

/// The body that submits `played` with its true score.
pub fn result_body((record, result): &(MatchRecord, ReplayResult)) -> Value {
    json!({
        "player_score": result.left,
        "opponent_score": result.right,
        "record": record,
    })
}

pub const FULL_TIME: u32 = protocol::rules::MATCH_TICKS;

/// libpq settings (database name, socket directory) for a test database, from its URL, for
/// the scripts that reach it as the module's jobs do (`PGHOST`).
pub fn pg_env(url: &str) -> (String, String) {
    let (base, query) = url.split_once('?').unwrap();
    let database = base.rsplit('/').next().unwrap().to_owned();
    let host = query.strip_prefix("host=").unwrap().to_owned();
    (database, host)
}
