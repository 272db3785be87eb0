//! The leaderboard and player stats, through the real router and database.

mod common;

use axum::http::StatusCode;
use common::{Player, TestApp};
use serde_json::{Value, json};

async fn play(app: &TestApp, player: &Player, results: &[(u8, u8)]) {
    for &(ours, theirs) in results {
        app.insert_result(player, "vs_computer", ours.into(), theirs.into())
            .await;
    }
}

fn names(page: &Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["username"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn ranks_by_points_then_wins_then_goal_difference() {
    let app = TestApp::spawn().await;
    let ana = app.register("ana").await;
    let ben = app.register("ben").await;
    let cy = app.register("cy_").await;
    let dee = app.register("dee").await;
    play(&app, &ana, &[(5, 0), (5, 1)]).await; // 6 points, gd +9
    play(&app, &ben, &[(5, 3), (5, 4)]).await; // 6 points, gd +3
    play(&app, &cy, &[(1, 1), (2, 2), (0, 0)]).await; // 3 points, 0 wins
    play(&app, &dee, &[(5, 2), (0, 5)]).await; // 3 points, 1 win
    // Two-player matches on one keyboard are history, never ranking.
    app.insert_result(&cy, "local_two_player", 5, 0).await;

    let page = app.get("/api/leaderboard", None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let body = page.json();
    assert_eq!(names(&body), ["ana", "ben", "dee", "cy_"]);
    assert_eq!(body["total"], 4);
    let ana_row = &body["entries"][0];
    assert_eq!(ana_row["rank"], 1);
    assert_eq!(ana_row["points"], 6);
    assert_eq!(ana_row["goals_for"], 10);
    assert_eq!(ana_row["goals_against"], 1);
    assert_eq!(
        body["entries"][3]["played"], 3,
        "the local match is not counted"
    );
}

#[tokio::test]
async fn equal_players_share_a_rank_and_pages_are_stable() {
    let app = TestApp::spawn().await;
    let mut players = Vec::new();
    for index in 0..7 {
        let player = app.register(&format!("twin{index}")).await;
        play(&app, &player, &[(5, 2)]).await;
        players.push(player);
    }
    let top = app.register("top").await;
    play(&app, &top, &[(5, 0), (5, 0)]).await;

    let full = app.get("/api/leaderboard?limit=100", None).await.json();
    let ranks: Vec<i64> = full["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rank"].as_i64().unwrap())
        .collect();
    assert_eq!(ranks, [1, 2, 2, 2, 2, 2, 2, 2]);
    let mut paged = Vec::new();
    for offset in (0..8).step_by(3) {
        let page = app
            .get(&format!("/api/leaderboard?limit=3&offset={offset}"), None)
            .await
            .json();
        assert_eq!(page["offset"], offset);
        paged.extend(names(&page));
    }
    assert_eq!(
        paged,
        names(&full),
        "pages concatenate to the full order, no overlap or gap"
    );
    // The same request twice gives the same order.
    assert_eq!(
        names(&app.get("/api/leaderboard?limit=100", None).await.json()),
        names(&full)
    );
}

#[tokio::test]
async fn stats_agree_with_the_leaderboard() {
    let app = TestApp::spawn().await;
    let first = app.register("first").await;
    let second = app.register("second").await;
    let idle = app.register("idle").await;
    play(&app, &first, &[(5, 0)]).await;
    play(&app, &second, &[(2, 2)]).await;

    let stats = app
        .get(
            &format!("/api/players/{}/stats", second.wallet.address()),
            None,
        )
        .await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text());
    let stats = stats.json();
    assert_eq!(stats["rank"], 2);
    assert_eq!(stats["draws"], 1);
    assert_eq!(stats["points"], 1);
    assert_eq!(stats["username"], "second");

    let idle_stats = app
        .get(
            &format!("/api/players/{}/stats", idle.wallet.address()),
            None,
        )
        .await
        .json();
    assert_eq!(idle_stats["rank"], Value::Null);
    assert_eq!(idle_stats["played"], 0);

    let unknown = common::Wallet::random().address();
    app.get(&format!("/api/players/{unknown}/stats"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let body = app
        .get("/api/players/GNOTANADDRESS/stats", None)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(body["field"], "wallet_address");
}

#[tokio::test]
async fn bad_leaderboard_queries_are_400() {
    let app = TestApp::spawn().await;
    for query in [
        "limit=0",
        "limit=101",
        "offset=-1",
        "offset=100001",
        "limit=x",
    ] {
        app.get(&format!("/api/leaderboard?{query}"), None)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "malformed_request");
    }
    let empty = app.get("/api/leaderboard", None).await.json();
    assert_eq!(
        empty,
        json!({"entries": [], "total": 0, "limit": 20, "offset": 0})
    );
}
