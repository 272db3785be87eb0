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
async fn registration_returns_a_working_token_and_an_unverified_profile() {
    let app = TestApp::spawn().await;
    let wallet = Wallet::random();
    let response = app
        .post(
            "/api/auth/register",
            json!({"username": "Striker_9", "wallet_address": wallet.address()}),
            None,
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let body = response.json();
    assert_eq!(body["player"]["username"], "Striker_9");
    assert_eq!(body["player"]["wallet_address"], wallet.address());
    assert_eq!(body["player"]["verified"], false);
    let token = body["token"].as_str().unwrap();
    let me = app.get("/api/me", Some(token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["username"], "Striker_9");
}

#[tokio::test]
async fn a_taken_wallet_or_name_is_a_conflict_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let first = app.register("Keeper").await;
    let again = app
        .post(
            "/api/auth/register",
            json!({"username": "Other", "wallet_address": first.wallet.address()}),
            None,
        )
        .await;
    again.assert_error(StatusCode::CONFLICT, "wallet_taken");
    // Names are unique regardless of case.
    let same_name = app
        .post(
            "/api/auth/register",
            json!({"username": "KEEPER", "wallet_address": Wallet::random().address()}),
            None,
        )
        .await;
    same_name.assert_error(StatusCode::CONFLICT, "username_taken");
    assert_eq!(app.count("players").await, 1);
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
async fn signing_the_challenge_verifies_the_wallet_and_signs_in() {
    let app = TestApp::spawn().await;
    let player = app.register("Verifier").await;
    let (challenge_id, message) = app.challenge(&player.wallet).await;
    assert!(message.contains(&player.wallet.address()));
    assert!(message.contains(&challenge_id));
    let response = app
        .verify(
            &challenge_id,
            &player.wallet.address(),
            &player.wallet.sign(&message),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let body = response.json();
    assert_eq!(body["player"]["verified"], true);
    let me = app
        .get("/api/me", Some(body["token"].as_str().unwrap()))
        .await;
    assert_eq!(me.json()["verified"], true);
}

#[tokio::test]
async fn a_challenge_cannot_be_replayed() {
    let app = TestApp::spawn().await;
    let player = app.register("Replayer").await;
    let (challenge_id, message) = app.challenge(&player.wallet).await;
    let request = json!({"challenge_id": challenge_id, "wallet_address": player.wallet.address(),
                         "signature": player.wallet.sign(&message)});
    assert_eq!(
        app.post("/api/auth/verify", request.clone(), None)
            .await
            .status,
        StatusCode::OK
    );
    let replay = app.post("/api/auth/verify", request, None).await;
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
    let (challenge_id, message) = app.challenge(&player.wallet).await;
    sqlx::query("UPDATE wallet_challenges SET expires_at = created_at + interval '1 millisecond'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let response = app
        .verify(
            &challenge_id,
            &player.wallet.address(),
            &player.wallet.sign(&message),
        )
        .await;
    let body = response.assert_error(StatusCode::UNAUTHORIZED, "invalid_challenge");
    assert!(body["message"].as_str().unwrap().contains("expired"));
    assert_eq!(
        app.get("/api/me", Some(&player.token)).await.json()["verified"],
        false
    );
}

#[tokio::test]
async fn a_challenge_issued_for_another_wallet_is_refused() {
    let app = TestApp::spawn().await;
    let victim = app.register("Victim").await;
    let attacker = app.register("Attacker").await;
    let (challenge_id, message) = app.challenge(&victim.wallet).await;
    // The attacker signs the victim's challenge with their own key and their own address.
    let response = app
        .verify(
            &challenge_id,
            &attacker.wallet.address(),
            &attacker.wallet.sign(&message),
        )
        .await;
    response.assert_error(StatusCode::UNAUTHORIZED, "invalid_challenge");
    // Or names the victim's address with their own signature: the signature does not match.
    let response = app
        .verify(
            &challenge_id,
            &victim.wallet.address(),
            &attacker.wallet.sign(&message),
        )
        .await;
    response.assert_error(StatusCode::UNAUTHORIZED, "invalid_signature");
    // The failed attempt used the challenge up: not even the right signature works now.
    let response = app
        .verify(
            &challenge_id,
            &victim.wallet.address(),
            &victim.wallet.sign(&message),
        )
        .await;
    response.assert_error(StatusCode::UNAUTHORIZED, "invalid_challenge");
    let verified: i64 =
        sqlx::query_scalar("SELECT count(*) FROM players WHERE verified_at IS NOT NULL")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(verified, 0);
}

#[tokio::test]
async fn a_malformed_signature_is_a_validation_error_and_keeps_the_challenge() {
    let app = TestApp::spawn().await;
    let player = app.register("Fumbler").await;
    let (challenge_id, message) = app.challenge(&player.wallet).await;
    let response = app
        .verify(&challenge_id, &player.wallet.address(), "abc")
        .await;
    let body = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(body["field"], "signature");
    let response = app
        .verify(
            &challenge_id,
            &player.wallet.address(),
            &player.wallet.sign(&message),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn challenges_need_an_account_and_are_capped() {
    let app = TestApp::spawn().await;
    let stranger = Wallet::random();
    let response = app
        .post(
            "/api/auth/challenge",
            json!({"wallet_address": stranger.address()}),
            None,
        )
        .await;
    response.assert_error(StatusCode::NOT_FOUND, "not_found");
    let player = app.register("Spammer").await;
    for _ in 0..10 {
        app.challenge(&player.wallet).await;
    }
    let response = app
        .post(
            "/api/auth/challenge",
            json!({"wallet_address": player.wallet.address()}),
            None,
        )
        .await;
    response.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(app.count("wallet_challenges").await, 10);
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
