//! A small client of the API, speaking the `protocol` types.

use std::time::Duration;

use protocol::GameMode;
use protocol::api::{AuthResponse, ChallengeResponse, MatchResultSubmission, MatchTicket};
use serde_json::json;
use uuid::Uuid;

use crate::wallet::Wallet;

#[derive(Debug, Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
}

/// What came back: a status, or a transport failure.
#[derive(Debug)]
pub enum Reply {
    Status(u16, reqwest::Response),
    /// The connection could not be made (nothing was sent).
    ConnectFailed(String),
    /// The request may have been sent, but no response arrived.
    Failed(String),
}

impl Api {
    /// `keep_alive: false` opens a connection per request.
    pub fn new(base: &str, keep_alive: bool) -> Self {
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .no_proxy();
        if !keep_alive {
            builder = builder.pool_max_idle_per_host(0);
        }
        Self {
            client: builder.build().expect("HTTP client"),
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        match request.send().await {
            Ok(response) => Reply::Status(response.status().as_u16(), response),
            Err(error) if error.is_connect() => Reply::ConnectFailed(format!("{error:#}")),
            Err(error) => Reply::Failed(format!("{error:?}")),
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    /// `POST /api/auth/challenge` for `wallet`.
    pub async fn challenge(&self, wallet: &Wallet) -> Reply {
        let body = json!({"wallet_address": wallet.account});
        self.send(
            self.client
                .post(self.url("/api/auth/challenge"))
                .json(&body),
        )
        .await
    }

    /// Signs up as a player does: asks for a challenge, signs it with the wallet's key, and
    /// registers. The register reply, or the challenge's when that one failed.
    pub async fn register(&self, username: &str, wallet: &Wallet) -> Reply {
        let challenge = match self.challenge(wallet).await {
            Reply::Status(201, response) => match response.json::<ChallengeResponse>().await {
                Ok(challenge) => challenge,
                Err(error) => return Reply::Failed(format!("challenge body: {error}")),
            },
            other => return other,
        };
        let body = json!({
            "username": username,
            "wallet_address": wallet.account,
            "challenge": challenge.challenge,
            "signature": wallet.sign(&challenge.message),
        });
        self.send(self.client.post(self.url("/api/auth/register")).json(&body))
            .await
    }

    /// `POST /api/matches`: starts a match.
    pub async fn start_match(&self, token: &str, mode: GameMode) -> Reply {
        self.send(
            self.client
                .post(self.url("/api/matches"))
                .bearer_auth(token)
                .json(&json!({ "mode": mode })),
        )
        .await
    }

    /// `POST /api/matches/{match_id}/result`.
    pub async fn submit_result(
        &self,
        token: &str,
        match_id: Uuid,
        result: &MatchResultSubmission,
    ) -> Reply {
        self.send(
            self.client
                .post(self.url(&format!("/api/matches/{match_id}/result")))
                .bearer_auth(token)
                .json(result),
        )
        .await
    }
}

/// A fresh wallet (key pair) to sign up with.
pub fn random_wallet() -> Wallet {
    Wallet::random()
}

/// A unique, valid username.
pub fn random_username() -> String {
    format!("p{}", &uuid::Uuid::new_v4().simple().to_string()[..15])
}

pub async fn auth_token(reply: Reply) -> Option<String> {
    match reply {
        Reply::Status(200 | 201, response) => response
            .json::<AuthResponse>()
            .await
            .ok()
            .map(|auth| auth.token),
        _ => None,
    }
}

/// The ticket of a `201` to `start_match`: the match's id and seed.
pub async fn ticket(reply: Reply) -> Option<MatchTicket> {
    match reply {
        Reply::Status(201, response) => response.json::<MatchTicket>().await.ok(),
        _ => None,
    }
}
