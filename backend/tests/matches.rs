//! Storing matches and reading the history, through the real router and database.

mod common;

use axum::http::StatusCode;
use common::{FULL_TIME, TestApp, vs_computer};
use serde_json::json;

#[tokio::test]
async fn the_server_derives_the_outcome_and_stores_a_draw_as_a_draw() {
    let app = TestApp::spawn().await;
    let player = app.register("Drawer").await;
    let win = app.store_match(&player, vs_computer(5, 2, 60 * 95)).await;
    assert_eq!(win.status, StatusCode::CREATED, "{}", win.text());
    assert_eq!(win.json()["outcome"], "win");
    let draw = app.store_match(&player, vs_computer(2, 2, FULL_TIME)).await;
    assert_eq!(draw.status, StatusCode::CREATED);
    assert_eq!(draw.json()["outcome"], "draw");
    let loss = app.store_match(&player, vs_computer(1, 3, FULL_TIME)).await;
    assert_eq!(loss.json()["outcome"], "loss");
    let outcomes: Vec<String> = sqlx::query_scalar("SELECT outcome FROM matches ORDER BY outcome")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(outcomes, ["draw", "loss", "win"]);
}

#[tokio::test]
async fn a_client_cannot_claim_the_outcome() {
    let app = TestApp::spawn().await;
    let player = app.register("Claimer").await;
    let mut submission = vs_computer(0, 3, FULL_TIME);
    submission["won"] = json!(true);
    let response = app.store_match(&player, submission).await;
    response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(app.count("matches").await, 0);
}

#[tokio::test]
async fn a_retry_is_stored_once_and_counted_once() {
    let app = TestApp::spawn().await;
    let player = app.register("Retrier").await;
    let submission = vs_computer(5, 0, 60 * 70);
    let first = app.store_match(&player, submission.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let retry = app.store_match(&player, submission.clone()).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.text());
    assert_eq!(retry.json(), first.json());
    // Concurrent retries too.
    let (a, b) = tokio::join!(
        app.store_match(&player, submission.clone()),
        app.store_match(&player, submission)
    );
    assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(app.count("matches").await, 1);
    let played: i32 = sqlx::query_scalar("SELECT played FROM standings")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(played, 1);
}

#[tokio::test]
async fn a_reused_match_id_with_other_contents_is_a_conflict() {
    let app = TestApp::spawn().await;
    let player = app.register("Reuser").await;
    let other = app.register("Other").await;
    let submission = vs_computer(5, 1, 60 * 80);
    assert_eq!(
        app.store_match(&player, submission.clone()).await.status,
        StatusCode::CREATED
    );
    let mut changed = submission.clone();
    changed["opponent_score"] = json!(2);
    app.store_match(&player, changed)
        .await
        .assert_error(StatusCode::CONFLICT, "match_conflict");
    // Another player cannot claim (or learn about) the same id.
    app.store_match(&other, submission)
        .await
        .assert_error(StatusCode::CONFLICT, "match_conflict");
    assert_eq!(app.count("matches").await, 1);
}

#[tokio::test]
async fn impossible_results_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let player = app.register("Cheater").await;
    let cases = [
        (vs_computer(6, 0, 60 * 100), "player_score"),
        (vs_computer(5, 5, 60 * 100), "player_score"),
        (vs_computer(3, 1, 60 * 100), "duration_ticks"), // nobody reached 5 before time-out
        (vs_computer(1, 0, FULL_TIME + 1), "duration_ticks"),
        (vs_computer(5, 0, 3), "duration_ticks"),
    ];
    for (submission, field) in cases {
        let response = app.store_match(&player, submission.clone()).await;
        let body = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(body["field"], field, "{submission}: {body}");
    }
    let mut negative = vs_computer(0, 0, FULL_TIME);
    negative["player_score"] = json!(-1);
    let body = app
        .store_match(&player, negative)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(body["field"], "player_score");
    let mut bad_mode = vs_computer(0, 0, FULL_TIME);
    bad_mode["mode"] = json!({"kind": "vs_computer", "difficulty": "impossible"});
    app.store_match(&player, bad_mode)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let mut nil_id = vs_computer(0, 0, FULL_TIME);
    nil_id["match_id"] = json!(uuid::Uuid::nil());
    app.store_match(&player, nil_id)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(app.count("matches").await, 0);
    assert_eq!(app.count("standings").await, 0);
}

#[tokio::test]
async fn storing_needs_a_valid_token() {
    let app = TestApp::spawn().await;
    let response = app
        .post("/api/matches", vs_computer(5, 0, 60 * 60), None)
        .await;
    response.assert_error(StatusCode::UNAUTHORIZED, "missing_token");
    let response = app
        .post(
            "/api/matches",
            vs_computer(5, 0, 60 * 60),
            Some("not.a.token"),
        )
        .await;
    response.assert_error(StatusCode::UNAUTHORIZED, "invalid_token");
    assert_eq!(app.count("matches").await, 0);
}

#[tokio::test]
async fn the_database_itself_refuses_impossible_rows() {
    let app = TestApp::spawn().await;
    app.register("Direct").await;
    let attempts = [
        // outcome contradicting the scores
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, duration_ticks, mode, difficulty) \
         SELECT gen_random_uuid(), id, 0, 3, 'win', 10800, 'vs_computer', 'easy' FROM players",
        // score out of range
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, duration_ticks, mode, difficulty) \
         SELECT gen_random_uuid(), id, 7, 0, 'win', 600, 'vs_computer', 'easy' FROM players",
        // timed out early
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, duration_ticks, mode, difficulty) \
         SELECT gen_random_uuid(), id, 1, 0, 'win', 600, 'vs_computer', 'easy' FROM players",
        // unknown player
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, duration_ticks, mode, difficulty) \
         VALUES (gen_random_uuid(), gen_random_uuid(), 5, 0, 'win', 600, 'vs_computer', 'easy')",
        // difficulty without a computer opponent
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, duration_ticks, mode, difficulty) \
         SELECT gen_random_uuid(), id, 5, 0, 'win', 600, 'local_two_player', 'easy' FROM players",
        // a malformed address
        "INSERT INTO players (username, wallet_address) VALUES ('abcd', 'Gnot-an-address')",
    ];
    for sql in attempts {
        assert!(
            sqlx::query(sql).execute(&app.state.db).await.is_err(),
            "accepted: {sql}"
        );
    }
    assert_eq!(app.count("matches").await, 0);
}

#[tokio::test]
async fn history_is_the_callers_own_newest_first_and_paginates_without_overlap() {
    let app = TestApp::spawn().await;
    let player = app.register("Historian").await;
    let other = app.register("Stranger").await;
    let mut ids = Vec::new();
    for goals in 0..5u8 {
        let submission = vs_computer(goals, 5, 60 * 100);
        ids.push(submission["match_id"].as_str().unwrap().to_owned());
        assert_eq!(
            app.store_match(&player, submission).await.status,
            StatusCode::CREATED
        );
    }
    app.store_match(&other, vs_computer(5, 0, 60 * 100)).await;
    let mut seen = Vec::new();
    let mut path = "/api/matches/mine?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = app.get(&path, Some(&player.token)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let body = page.json();
        pages += 1;
        for m in body["matches"].as_array().unwrap() {
            seen.push(m["match_id"].as_str().unwrap().to_owned());
        }
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/matches/mine?limit=2&before={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    ids.reverse();
    assert_eq!(seen, ids, "newest first, each exactly once");
}

#[tokio::test]
async fn bad_history_queries_are_400() {
    let app = TestApp::spawn().await;
    let player = app.register("Querier").await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "before=%21%21",
        "page=2",
    ] {
        let response = app
            .get(&format!("/api/matches/mine?{query}"), Some(&player.token))
            .await;
        response.assert_error(StatusCode::BAD_REQUEST, "malformed_request");
    }
    app.get("/api/matches/mine", None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "missing_token");
}
