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
    // Against the normal computer: points x2.
    play(&app, &ana, &[(5, 0), (5, 1)]).await; // 12 points, gd +9
    play(&app, &ben, &[(5, 3), (5, 4)]).await; // 12 points, gd +3
    play(&app, &cy, &[(1, 1), (2, 2), (0, 0)]).await; // 6 points, 0 wins
    play(&app, &dee, &[(5, 2), (0, 5)]).await; // 6 points, 1 win
    // Two-player matches on one keyboard are history, never ranking.
    app.insert_result(&cy, "local_two_player", 5, 0).await;

    let page = app.get("/api/leaderboard", None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let body = page.json();
    assert_eq!(names(&body), ["ana", "ben", "dee", "cy_"]);
    assert_eq!(body["total"], 4);
    let ana_row = &body["entries"][0];
    assert_eq!(ana_row["rank"], 1);
    assert_eq!(ana_row["points"], 12);
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
    let mut path = "/api/leaderboard?limit=3".to_owned();
    let mut pages = Vec::new();
    loop {
        let page = app.get(&path, None).await.json();
        paged.extend(names(&page));
        pages.push(page.clone());
        match page["next"].as_str() {
            Some(next) => path = format!("/api/leaderboard?limit=3&after={next}"),
            None => break,
        }
    }
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0]["previous"], Value::Null);
    // Back from the last page by its `previous` cursor: the middle page again.
    let last = &pages[2];
    let back = app
        .get(
            &format!(
                "/api/leaderboard?limit=3&before={}",
                last["previous"].as_str().unwrap()
            ),
            None,
        )
        .await
        .json();
    assert_eq!(names(&back), names(&pages[1]));
    assert_eq!(back["entries"], pages[1]["entries"]);
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
    assert_eq!(stats["points"], 2, "a draw against the normal computer");
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
        "limit=x",
        // Offsets are gone: cursors only.
        "offset=20",
        "after=garbage",
        "after=1.2.3.4",
        "before=1.2.3.4.5.6",
        "after=1.1.1.1.00000000000000000000000000000000&before=1.1.1.1.00000000000000000000000000000000",
    ] {
        app.get(&format!("/api/leaderboard?{query}"), None)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "malformed_request");
    }
    let empty = app.get("/api/leaderboard", None).await.json();
    assert_eq!(
        empty,
        json!({"entries": [], "total": 0, "limit": 20, "next": null, "previous": null})
    );
}

#[tokio::test]
async fn harder_wins_are_worth_more() {
    let app = TestApp::spawn().await;
    let easy = app.register("easy_winner").await;
    let hard = app.register("hard_winner").await;
    let drawer = app.register("hard_drawer").await;
    // Two easy wins (6) lose to one hard win (9); a hard draw (3) equals one easy win.
    for _ in 0..2 {
        app.insert_result_against(&easy, "vs_computer", "easy", 5, 0)
            .await;
    }
    app.insert_result_against(&hard, "vs_computer", "hard", 5, 4)
        .await;
    app.insert_result_against(&drawer, "vs_computer", "hard", 1, 1)
        .await;
    let board = app.get("/api/leaderboard", None).await.json();
    assert_eq!(names(&board), ["hard_winner", "easy_winner", "hard_drawer"]);
    let points: Vec<i64> = board["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["points"].as_i64().unwrap())
        .collect();
    assert_eq!(points, [9, 6, 3]);
}

#[tokio::test]
async fn ranks_from_the_kept_counts_equal_counting_every_player() {
    let app = TestApp::spawn().await;
    // 400 players with random standings written straight in (the counts follow by trigger),
    // many of them tied.
    let wallets: Vec<String> = (0..400)
        .map(|_| common::Wallet::random().address())
        .collect();
    sqlx::query(
        "INSERT INTO players (username, wallet_address, verified_at) \
         SELECT 'player' || i, w, now() FROM unnest($1::text[]) WITH ORDINALITY AS t(w, i)",
    )
    .bind(&wallets)
    .execute(&app.state.db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO standings (player_id, played, wins, draws, losses, goals_for, \
                                goals_against, points) \
         SELECT id, w + d + l, w, d, l, gf, ga, 3 * w + d \
         FROM (SELECT id, (random() * 3)::int AS w, (random() * 2)::int AS d, \
                      (random() * 2)::int AS l, (random() * 6)::int AS gf, \
                      (random() * 6)::int AS ga FROM players) r",
    )
    .execute(&app.state.db)
    .await
    .unwrap();
    // A few players change, and one leaves: the counts follow updates and deletes too.
    sqlx::query("UPDATE standings SET wins = wins + 1, played = played + 1, points = points + 9 WHERE player_id IN (SELECT id FROM players ORDER BY id LIMIT 20)")
        .execute(&app.state.db)
        .await
        .unwrap();
    sqlx::query("DELETE FROM players WHERE id = (SELECT id FROM players ORDER BY id DESC LIMIT 1)")
        .execute(&app.state.db)
        .await
        .unwrap();
    app.state.top.refresh(&app.state.reads).await.unwrap();

    let expected: Vec<(String, i64)> = sqlx::query_as(
        "SELECT p.wallet_address, rank() OVER (ORDER BY s.points DESC, s.wins DESC, \
                s.goal_difference DESC, s.goals_for DESC) \
         FROM standings s JOIN players p ON p.id = s.player_id \
         ORDER BY s.points DESC, s.wins DESC, s.goal_difference DESC, s.goals_for DESC, \
                  s.player_id DESC",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(expected.len(), 399);
    // Every page, walked by cursor, gives the ranks RANK() gives.
    let mut seen = Vec::new();
    let mut path = "/api/leaderboard?limit=37".to_owned();
    loop {
        let page = app.get(&path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let page = page.json();
        assert_eq!(page["total"], 399);
        for entry in page["entries"].as_array().unwrap() {
            seen.push((
                entry["wallet_address"].as_str().unwrap().to_owned(),
                entry["rank"].as_i64().unwrap(),
            ));
        }
        match page["next"].as_str() {
            Some(next) => path = format!("/api/leaderboard?limit=37&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen, expected);
    // Backwards from the last page by `previous` cursors: the same rows and ranks.
    let mut backwards: Vec<(String, i64)> = Vec::new();
    let mut page = app.get(&path, None).await.json();
    loop {
        let mut rows: Vec<(String, i64)> = page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["wallet_address"].as_str().unwrap().to_owned(),
                    e["rank"].as_i64().unwrap(),
                )
            })
            .collect();
        rows.extend(backwards);
        backwards = rows;
        let Some(previous) = page["previous"].as_str() else {
            break;
        };
        page = app
            .get(
                &format!("/api/leaderboard?limit=37&before={previous}"),
                None,
            )
            .await
            .json();
    }
    assert_eq!(backwards, expected);
    // And every player's stats name the same rank.
    for (wallet, rank) in expected.iter().step_by(7) {
        let stats = app
            .get(&format!("/api/players/{wallet}/stats"), None)
            .await
            .json();
        assert_eq!(stats["rank"], *rank, "{wallet}");
    }
}
