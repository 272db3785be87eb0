//! The backend under test: the real router on a fresh database in the throwaway cluster.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use http_body_util::BodyExt;
use protocol::StellarAccountId;
use serde_json::{Value, json};
use stellar_heads_backend::app;
use stellar_heads_backend::auth::wallet::sep53_digest;
use stellar_heads_backend::config::{Config, RateLimitConfig};
use stellar_heads_backend::state::AppState;
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

/// A Stellar keypair for tests.
pub struct Wallet {
    pub key: SigningKey,
    pub account: StellarAccountId,
}

impl Wallet {
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
        let dir = tempfile::tempdir().unwrap();
        let secret_file = dir.path().join("jwt-secret");
        std::fs::write(&secret_file, SECRET).unwrap();
        let mut config = Config {
            database_url: Some(database.url.clone()),
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
            database_url: database.url,
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

    pub async fn register(&self, username: &str) -> Player {
        let wallet = Wallet::random();
        let response = self
            .post(
                "/api/auth/register",
                json!({"username": username, "wallet_address": wallet.address()}),
                None,
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let token = response.json()["token"].as_str().unwrap().to_owned();
        Player {
            token,
            wallet,
            username: username.to_owned(),
        }
    }

    /// Asks for a challenge for `wallet`; returns (challenge_id, message).
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
            body["challenge_id"].as_str().unwrap().to_owned(),
            body["message"].as_str().unwrap().to_owned(),
        )
    }

    /// Sends a signed challenge to `/api/auth/verify`.
    pub async fn verify(
        &self,
        challenge_id: &str,
        wallet_address: &str,
        signature: &str,
    ) -> TestResponse {
        let body = json!({"challenge_id": challenge_id, "wallet_address": wallet_address, "signature": signature});
        self.post("/api/auth/verify", body, None).await
    }

    /// The whole proof of ownership for `wallet`; returns the verify response.
    pub async fn prove(&self, wallet: &Wallet) -> TestResponse {
        let (challenge_id, message) = self.challenge(wallet).await;
        self.verify(&challenge_id, &wallet.address(), &wallet.sign(&message))
            .await
    }

    pub async fn store_match(&self, player: &Player, submission: Value) -> TestResponse {
        self.post("/api/matches", submission, Some(&player.token))
            .await
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&self.state.db)
            .await
            .unwrap()
    }
}

/// A match submission against the computer.
pub fn vs_computer(player_score: u8, opponent_score: u8, duration_ticks: u32) -> Value {
    json!({
        "match_id": uuid::Uuid::new_v4(),
        "player_score": player_score,
        "opponent_score": opponent_score,
        "duration_ticks": duration_ticks,
        "mode": {"kind": "vs_computer", "difficulty": "normal"},
    })
}

pub const FULL_TIME: u32 = protocol::rules::MATCH_TICKS;
