//! Registration, wallet-ownership proof and tokens, through the real router and database.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{SECRET, TestApp, Wallet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

#[tokio::test]
async fn signing_up_takes_a_signature_by_the_wallets_key_and_returns_a_working_token() {
    let app = TestApp::spawn().await;
    let wallet = Wallet::random();
    let (challenge, message) = app.challenge(&wallet).await;
    assert!(message.contains(&wallet.address()));
    let response = app
        .register_with("Striker_9", &wallet, &challenge, &wallet.sign(&message))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let body = response.json();
    assert_eq!(body["player"]["username"], "Striker_9");
    assert_eq!(body["player"]["wallet_address"], wallet.address());
    let token = body["token"].as_str().unwrap();
    let me = app.get("/api/me", Some(token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["username"], "Striker_9");
    // Signing in afterwards: the challenge says the wallet has an account now.
    let again = app
        .post(
            "/api/auth/challenge",
            json!({"wallet_address": wallet.address()}),
            None,
        )
        .await;
    assert_eq!(again.json()["registered"], true);
    assert_eq!(app.prove(&wallet).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_address_cannot_be_reserved_without_its_key() {
    // The squatting of the first version, played out: someone who knows only the owner's
    // address tries every way to create an account for it.
    let app = TestApp::spawn().await;
    let owner = Wallet::random();
    let squatter = Wallet::random();
    // No signature at all (the old request).
    let bare = app
        .post(
            "/api/auth/register",
            json!({"username": "squatter", "wallet_address": owner.address()}),
            None,
        )
        .await;
    let body = bare.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(
        body["message"].as_str().unwrap().contains("challenge"),
        "{body}"
    );
    // The owner's challenge signed with the squatter's key.
    let (challenge, message) = app.challenge(&owner).await;
    app.register_with("squatter", &owner, &challenge, &squatter.sign(&message))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_signature");
    // The squatter's own valid proof, naming the owner's address.
    let (challenge, message) = app.challenge(&squatter).await;
    app.register_with("squatter", &owner, &challenge, &squatter.sign(&message))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_challenge");
    // A made-up challenge.
    app.register_with("squatter", &owner, "0.0.AAAA", &squatter.sign("anything"))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_challenge");
    assert_eq!(app.count("players").await, 0);
    // The owner signs up with the name they want.
    let response = app.sign_up("owner", &owner).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
}

#[tokio::test]
async fn a_taken_wallet_or_name_is_a_conflict_that_keeps_the_signed_challenge() {
    let app = TestApp::spawn().await;
    let first = app.register("Keeper").await;
    app.sign_up("Other", &first.wallet)
        .await
        .assert_error(StatusCode::CONFLICT, "wallet_taken");
    // Names are unique regardless of case; the refusal leaves the challenge unused, so the
    // same signature signs up under another name.
    let wallet = Wallet::random();
    let (challenge, message) = app.challenge(&wallet).await;
    let signature = wallet.sign(&message);
    app.register_with("KEEPER", &wallet, &challenge, &signature)
        .await
        .assert_error(StatusCode::CONFLICT, "username_taken");
    assert_eq!(app.count("players").await, 1);
    let response = app
        .register_with("Keeper2", &wallet, &challenge, &signature)
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    // Once used, it is used.
    app.register_with("Keeper3", &wallet, &challenge, &signature)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_challenge");
}

#[tokio::test]
async fn an_address_with_a_bad_checksum_is_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let valid = Wallet::random().address();
    // Change one character: still base32 and 56 long, as the original's check wanted.
    let index = 30;
    let replacement = if &valid[index..=index] == "A" {
        "B"
    } else {
        "A"
    };
    let typo = format!("{}{}{}", &valid[..index], replacement, &valid[index + 1..]);
    let response = app
        .post(
            "/api/auth/register",
            json!({"username": "Typo", "wallet_address": typo}),
            None,
        )
        .await;
    let body = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(body["field"], "wallet_address");
    assert!(
        body["message"].as_str().unwrap().contains("checksum"),
        "{body}"
    );

    let seed = "SBU2RRGLXH3E5CQHTD3ODLDF2BWDCYUSSBLLZ5GNW7JXHDIYKXZWHOKR";
    let response = app
        .post(
            "/api/auth/register",
            json!({"username": "Seed", "wallet_address": seed}),
            None,
        )
        .await;
    let body = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(
        body["message"].as_str().unwrap().contains("secret seed"),
        "{body}"
    );
    assert_eq!(app.count("players").await, 0);
}

#[tokio::test]
async fn bad_usernames_and_bodies_get_clear_4xx_and_write_nothing() {
    let app = TestApp::spawn().await;
    let address = Wallet::random().address();
    let response = app
        .post(
            "/api/auth/register",
            json!({"username": "a b", "wallet_address": address}),
            None,
        )
        .await;
    let body = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(body["field"], "username");

    let unknown_field = app
        .post(
            "/api/auth/register",
            json!({"username": "abc", "wallet_address": address, "admin": true}),
            None,
        )
        .await;
    unknown_field.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let malformed = Request::post("/api/auth/register")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"username\": \"abc\","))
        .unwrap();
    app.send(malformed)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed_request");

    let not_json = Request::post("/api/auth/register")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("username=abc"))
        .unwrap();
    app.send(not_json)
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");

    let huge_name = "x".repeat(200 * 1024);
    let oversized = Request::post("/api/auth/register")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": huge_name, "wallet_address": address}).to_string(),
        ))
        .unwrap();
    app.send(oversized)
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(app.count("players").await, 0);
}

#[tokio::test]
async fn signing_in_takes_a_signature_and_a_wallet_without_account_is_sent_to_sign_up() {
    let app = TestApp::spawn().await;
    let player = app.register("Signer").await;
    let response = app.prove(&player.wallet).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let token = response.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/api/me", Some(&token)).await.json()["username"],
        "Signer"
    );

    // A wallet with no account: the challenge says so, signing in is a 404, and the same
    // signed challenge then creates the account.
    let newcomer = Wallet::random();
    let response = app
        .post(
            "/api/auth/challenge",
            json!({"wallet_address": newcomer.address()}),
            None,
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED);
    let body = response.json();
    assert_eq!(body["registered"], false);
    let (challenge, message) = (
        body["challenge"].as_str().unwrap(),
        body["message"].as_str().unwrap(),
    );
    let signature = newcomer.sign(message);
    app.verify(challenge, &newcomer.address(), &signature)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let created = app
        .register_with("Newcomer", &newcomer, challenge, &signature)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
}

#[tokio::test]
async fn a_challenge_cannot_be_replayed() {
    let app = TestApp::spawn().await;
    let player = app.register("Replayer").await;
    let (challenge, message) = app.challenge(&player.wallet).await;
    let signature = player.wallet.sign(&message);
    let address = player.wallet.address();
    assert_eq!(
        app.verify(&challenge, &address, &signature).await.status,
        StatusCode::OK
    );
    let replay = app.verify(&challenge, &address, &signature).await;
    let body = replay.assert_error(StatusCode::UNAUTHORIZED, "invalid_challenge");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("already been used")
    );
}

#[tokio::test]
async fn an_expired_challenge_is_refused() {
    let app = TestApp::spawn().await;
    let player = app.register("Latecomer").await;
    // Made with the server's own keys, as it would have made it a while ago.
    let expired = app.state.challenges.issue(
        &app.config.site_name,
        &player.wallet.account,
        time::OffsetDateTime::now_utc() - time::Duration::seconds(1),
    );
    let response = app
        .verify(
            &expired.token,
            &player.wallet.address(),
            &player.wallet.sign(&expired.message),
        )
        .await;
    let body = response.assert_error(StatusCode::UNAUTHORIZED, "invalid_challenge");
    assert!(body["message"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn a_challenge_issued_for_another_wallet_is_refused() {
    let app = TestApp::spawn().await;
    let victim = app.register("Victim").await;
    let attacker = app.register("Attacker").await;
    let (challenge, message) = app.challenge(&victim.wallet).await;
    // The attacker signs the victim's challenge with their own key and their own address.
    let response = app
        .verify(
            &challenge,
            &attacker.wallet.address(),
            &attacker.wallet.sign(&message),
        )
        .await;
    response.assert_error(StatusCode::UNAUTHORIZED, "invalid_challenge");
    // Or names the victim's address with their own signature: the signature does not match.
    let response = app
        .verify(
            &challenge,
            &victim.wallet.address(),
            &attacker.wallet.sign(&message),
        )
        .await;
    response.assert_error(StatusCode::UNAUTHORIZED, "invalid_signature");
    // The failed attempt used the challenge up: not even the right signature works now.
    let response = app
        .verify(
            &challenge,
            &victim.wallet.address(),
            &victim.wallet.sign(&message),
        )
        .await;
    response.assert_error(StatusCode::UNAUTHORIZED, "invalid_challenge");
    // Two sessions only: the sign-ups'.
    assert_eq!(app.count("sessions").await, 2);
}

#[tokio::test]
async fn a_malformed_signature_is_a_validation_error_and_keeps_the_challenge() {
    let app = TestApp::spawn().await;
    let player = app.register("Fumbler").await;
    let (challenge, message) = app.challenge(&player.wallet).await;
    let response = app
        .verify(&challenge, &player.wallet.address(), "abc")
        .await;
    let body = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(body["field"], "signature");
    let response = app
        .verify(
            &challenge,
            &player.wallet.address(),
            &player.wallet.sign(&message),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn nobody_can_lock_the_owner_out_by_asking_for_challenges() {
    // The lockout of the first version, played out: a stranger asks for challenges for the
    // owner's address, far more than the ten that used to lock it for five minutes.
    let app = TestApp::spawn().await;
    let owner = app.register("Owner").await;
    let (before, message_before) = app.challenge(&owner.wallet).await;
    let stored = app.count("used_challenges").await;
    for _ in 0..300 {
        app.challenge(&owner.wallet).await;
    }
    // Nothing was stored for them; the owner's challenge from before the flood still works,
    // and so does a fresh one.
    assert_eq!(app.count("used_challenges").await, stored);
    let response = app
        .verify(
            &before,
            &owner.wallet.address(),
            &owner.wallet.sign(&message_before),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(app.prove(&owner.wallet).await.status, StatusCode::OK);
}

#[tokio::test]
async fn signing_out_ends_one_session_and_signing_out_everywhere_ends_them_all() {
    let app = TestApp::spawn().await;
    let player = app.register("Leaver").await;
    let phone = app.prove(&player.wallet).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let tablet = app.prove(&player.wallet).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let sign_out = |path: &'static str, token: String| {
        let app = &app;
        async move { app.post(path, json!({}), Some(&token)).await }
    };
    // Signing out on the laptop (the sign-up's session) ends that token only.
    let response = sign_out("/api/auth/sign-out", player.token.clone()).await;
    assert_eq!(
        response.status,
        StatusCode::NO_CONTENT,
        "{}",
        response.text()
    );
    app.get("/api/me", Some(&player.token))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "session_ended");
    assert_eq!(
        app.get("/api/me", Some(&phone)).await.status,
        StatusCode::OK
    );
    // Signing out everywhere from the phone ends the tablet's too, at once.
    let response = sign_out("/api/auth/sign-out-everywhere", phone.clone()).await;
    assert_eq!(
        response.status,
        StatusCode::NO_CONTENT,
        "{}",
        response.text()
    );
    for token in [&phone, &tablet] {
        app.get("/api/me", Some(token))
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "session_ended");
        app.post(
            "/api/matches",
            json!({"mode": {"kind": "local_two_player"}}),
            Some(token),
        )
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "session_ended");
    }
    // An ended session cannot sign out again; signing in again starts a new one.
    sign_out("/api/auth/sign-out", tablet)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "session_ended");
    let fresh = app.prove(&player.wallet).await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.get("/api/me", Some(&fresh)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn rotating_the_secret_keeps_everyone_signed_in_until_the_old_one_is_dropped() {
    let app = TestApp::spawn().await;
    let player = app.register("Rotator").await;
    let (challenge, message) = app.challenge(&player.wallet).await;
    let new_secret = "a-brand-new-secret-0123456789-abcdefghijklmnop";
    let write_secret = |name: &str, secret: &str| {
        let path = std::env::temp_dir().join(format!("{name}-{}", uuid::Uuid::new_v4()));
        std::fs::write(&path, secret).unwrap();
        path
    };
    let (current, previous) = (
        write_secret("current", new_secret),
        write_secret("previous", SECRET),
    );
    let rotated = app
        .spawn_beside(|config| {
            config.jwt_secret_file = Some(current.clone());
            config.jwt_previous_secret_file = Some(previous.clone());
        })
        .await;
    // Tokens and challenges of the old secret still work on the rotated server.
    assert_eq!(
        rotated.get("/api/me", Some(&player.token)).await.status,
        StatusCode::OK
    );
    let signed_in = rotated
        .verify(
            &challenge,
            &player.wallet.address(),
            &player.wallet.sign(&message),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text());
    let new_token = signed_in.json()["token"].as_str().unwrap().to_owned();
    // New tokens are signed with the new secret: the old server cannot read them.
    app.get("/api/me", Some(&new_token))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_token");
    // Once the previous secret is dropped, its tokens are refused; the new ones keep working.
    let settled = app
        .spawn_beside(|config| config.jwt_secret_file = Some(current.clone()))
        .await;
    settled
        .get("/api/me", Some(&player.token))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_token");
    assert_eq!(
        settled.get("/api/me", Some(&new_token)).await.status,
        StatusCode::OK
    );
    for file in [current, previous] {
        std::fs::remove_file(file).unwrap();
    }
}

fn forge(claims: serde_json::Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

#[tokio::test]
async fn forged_tampered_expired_and_misdirected_tokens_get_401() {
    let app = TestApp::spawn().await;
    let player = app.register("Holder").await;
    let sub = app.get("/api/me", Some(&player.token)).await;
    assert_eq!(sub.status, StatusCode::OK);
    let claims: serde_json::Value = {
        let payload = player.token.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();

    let me = |token: String| {
        let app = &app;
        async move { app.get("/api/me", Some(&token)).await }
    };

    // Tampered payload: a different subject with the original signature.
    let mut parts: Vec<String> = player.token.split('.').map(str::to_owned).collect();
    let mut tampered = claims.clone();
    tampered["sub"] = json!(uuid::Uuid::new_v4().to_string());
    parts[1] = URL_SAFE_NO_PAD.encode(tampered.to_string());
    me(parts.join("."))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_token");

    // A genuine signature over another player's id, with this session's id: the session
    // belongs to someone else.
    let mut borrowed = claims.clone();
    borrowed["sub"] = json!(uuid::Uuid::new_v4().to_string());
    me(forge(borrowed, SECRET.as_bytes()))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "session_ended");
    // No session at all (the tokens issued before sessions existed).
    let mut sessionless = claims.clone();
    sessionless.as_object_mut().unwrap().remove("sid");
    me(forge(sessionless, SECRET.as_bytes()))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_token");

    // Signed with another secret.
    me(forge(
        claims.clone(),
        b"another-secret-another-secret-another",
    ))
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "invalid_token");

    // Expired (beyond the leeway).
    let mut expired = claims.clone();
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    me(forge(expired, SECRET.as_bytes()))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "token_expired");

    // Wrong audience, wrong issuer, missing claims.
    let mut audience = claims.clone();
    audience["aud"] = json!("someone-else");
    me(forge(audience, SECRET.as_bytes()))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_token");
    let mut issuer = claims.clone();
    issuer["iss"] = json!("evil");
    me(forge(issuer, SECRET.as_bytes()))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_token");
    let mut no_exp = claims.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    me(forge(no_exp, SECRET.as_bytes()))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_token");

    // `alg: none` with no signature.
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    me(format!("{header}.{payload}."))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_token");

    // A correctly signed token with another algorithm (HS512) is refused too.
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    me(hs512)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_token");

    // No token, or not a bearer token.
    app.get("/api/me", None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "missing_token");
    let basic = Request::get("/api/me")
        .header(header::AUTHORIZATION, "Basic dXNlcjpwdw==")
        .body(Body::empty())
        .unwrap();
    app.send(basic)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_token");
}

#[tokio::test]
async fn the_upgrade_closes_unproven_accounts_so_the_owner_inherits_nothing() {
    // The database as the first version left it: a squatter registered the owner's address
    // without proof, played, and holds a token; a proven player too.
    let database = pg_harness::fresh_database().await.unwrap();
    let pool = sqlx::PgPool::connect(&database.url).await.unwrap();
    let before_proof = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(
            stellar_heads_backend::db::MIGRATOR
                .migrations
                .iter()
                .filter(|migration| migration.version < 20261124000001)
                .cloned()
                .collect(),
        ),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    before_proof.run(&pool).await.unwrap();
    let owner = Wallet::random();
    let proven = Wallet::random();
    let squatter_id: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO players (username, wallet_address) VALUES ('alice', $1) RETURNING id",
    )
    .bind(owner.address())
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO players (username, wallet_address, verified_at) VALUES ('bob', $1, now())",
    )
    .bind(proven.address())
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, \
                              duration_ticks, mode, difficulty, status) \
         VALUES (gen_random_uuid(), $1, 0, 5, 'loss', 600, 'vs_computer', 'easy', 'forfeited')",
    )
    .bind(squatter_id)
    .execute(&pool)
    .await
    .unwrap();
    let old_token = forge(
        json!({"sub": squatter_id.to_string(), "iss": "stellar-heads", "aud": "stellar-heads-api",
               "iat": time::OffsetDateTime::now_utc().unix_timestamp(),
               "exp": time::OffsetDateTime::now_utc().unix_timestamp() + 3600}),
        SECRET.as_bytes(),
    );

    // The server starts on it and applies the rest.
    let app = TestApp::spawn_on(&database.url, |_| {}).await;
    app.get("/api/me", Some(&old_token))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_token");
    // The squatter's account is closed: no address, no name, off the leaderboard; its
    // rows are kept.
    assert_eq!(app.get("/api/leaderboard", None).await.json()["total"], 0);
    app.get(&format!("/api/players/{}/stats", owner.address()), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(app.count("matches").await, 1);
    // The owner signs up under the name the squatter had, with an empty history.
    let response = app.sign_up("alice", &owner).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let token = response.json()["token"].as_str().unwrap().to_owned();
    let history = app.get("/api/matches/mine", Some(&token)).await.json();
    assert_eq!(history["matches"], json!([]));
    // The proven player keeps their account and signs in with their key.
    let signed_in = app.prove(&proven).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text());
    assert_eq!(signed_in.json()["player"]["username"], "bob");
}
