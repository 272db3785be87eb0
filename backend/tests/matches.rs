//! Matches: started by the server, re-played before they count, kept with their records;
//! and the history. Through the real router, database and simulation.

mod common;

use axum::http::StatusCode;
use common::{TestApp, idle_match, result_body};
use protocol::record::{MatchRecord, SIM_VERSION, input};
use protocol::{Difficulty, GameMode};
use serde_json::{Value, json};
use stellar_heads_backend::tickets;
use stellar_heads_game::replay::play_scripted;

fn hard() -> Value {
    json!({"kind": "vs_computer", "difficulty": "hard"})
}

#[tokio::test]
async fn a_real_match_is_replayed_stored_with_the_servers_score_and_watchable() {
    let app = TestApp::spawn().await;
    let player = app.register("Replayed").await;
    let response = app.start_match(&player, hard()).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let ticket = response.json();
    assert_eq!(ticket["sim_version"], SIM_VERSION);
    assert_eq!(ticket["mode"], hard());
    assert_eq!(ticket["forfeited"], Value::Null);
    let match_id = ticket["match_id"].as_str().unwrap().to_owned();
    let seed = u32::try_from(ticket["seed"].as_u64().unwrap()).unwrap();
    let played = idle_match(Difficulty::Hard, seed);
    app.backdate(&match_id).await;

    let stored = app.submit(&player, &match_id, result_body(&played)).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text());
    let body = stored.json();
    assert_eq!(body["match_id"], match_id);
    // The score the server stored is the one the re-play reached: the computer's five goals,
    // and whatever the seed's bounces gave the idle player (since simulation version 4 a ball
    // can roll into the computer's own goal off a bounce).
    assert_eq!(
        (
            body["player_score"].as_u64(),
            body["opponent_score"].as_u64()
        ),
        (Some(u64::from(played.1.left)), Some(5))
    );
    assert!(played.1.left < 5, "the idle player lost: {:?}", played.1);
    assert_eq!(body["outcome"], "loss");
    assert_eq!(body["status"], "verified");
    assert_eq!(body["duration_ticks"], played.1.ticks);

    // A retry of the same result is the same match, stored once.
    let again = app.submit(&player, &match_id, result_body(&played)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    // So is the same record encoded otherwise (a run per tick): compared decoded.
    let mut bytes = Vec::new();
    for [left, _] in played.0.frames().unwrap() {
        bytes.extend([1, left]);
    }
    let reencoded = MatchRecord {
        inputs: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes),
        ..played.0.clone()
    };
    assert_ne!(reencoded.inputs, played.0.inputs);
    let again = app
        .submit(
            &player,
            &match_id,
            json!({"player_score": played.1.left, "opponent_score": played.1.right, "record": reencoded}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(app.count("matches").await, 1);
    assert_eq!(app.count("match_tickets").await, 0);

    // Anyone can fetch the record, and it re-plays to the stored score.
    let record = app
        .get(&format!("/api/matches/{match_id}/record"), None)
        .await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.text());
    let replay = record.json();
    assert_eq!(replay["username"], "Replayed");
    let fetched: MatchRecord = serde_json::from_value(replay["record"].clone()).unwrap();
    assert_eq!(fetched, played.0);
    let stats = app
        .get(
            &format!("/api/players/{}/stats", player.wallet.address()),
            None,
        )
        .await
        .json();
    assert_eq!(
        (stats["played"].as_i64(), stats["losses"].as_i64()),
        (Some(1), Some(1))
    );
    let board = app.get("/api/leaderboard", None).await.json();
    assert_eq!(board["entries"][0]["latest_match_id"], match_id);

    // The audit re-plays it and finds nothing wrong.
    let audit = stellar_heads_backend::audit::verify_matches(&app.state.db, 2)
        .await
        .unwrap();
    assert_eq!((audit.replayed, audit.mismatched.len()), (1, 0));
}

/// Watching is public, so anyone can fetch the best records: a copy submitted in another
/// match must not count, as it is or relabelled with that match's seed.
#[tokio::test]
async fn a_published_record_copied_into_another_match_does_not_count() {
    let app = TestApp::spawn().await;
    let leader = app.register("Leader").await;
    let stored = app.play(&leader, Difficulty::Hard).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text());
    let leader_match = stored.json()["match_id"].as_str().unwrap().to_owned();
    let public = app
        .get(&format!("/api/matches/{leader_match}/record"), None)
        .await
        .json();
    let record: MatchRecord = serde_json::from_value(public["record"].clone()).unwrap();
    let claim = |record: &MatchRecord| {
        json!({
            "player_score": public["match"]["player_score"],
            "opponent_score": public["match"]["opponent_score"],
            "record": record,
        })
    };

    let copier = app.register("Copier").await;
    let (match_id, seed) = app.seeded_ticket(&copier, hard()).await;
    app.backdate(&match_id).await;
    assert_ne!(seed, record.seed, "two tickets drew one seed");
    // As published: the record says which match it was played in.
    let body = app
        .submit(&copier, &match_id, claim(&record))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_record");
    assert_eq!(body["field"], "record.seed", "{body}");
    // Relabelled with this match's seed: the server re-plays it, and it plays differently
    // (another score, or a match that does not end where the record does).
    let relabelled = MatchRecord {
        seed,
        ..record.clone()
    };
    let response = app.submit(&copier, &match_id, claim(&relabelled)).await;
    assert_eq!(
        response.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        response.text()
    );
    let body = response.json();
    let code = body["code"].as_str().unwrap();
    assert!(
        ["result_mismatch", "invalid_record"].contains(&code),
        "{body}"
    );
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("re-playing") || message.contains("does not play out"),
        "{body}"
    );
    assert_eq!(
        app.count("matches").await,
        1,
        "only the leader's match is stored"
    );
    // The copier's own match still counts when really played.
    let played = idle_match(Difficulty::Hard, seed);
    let own = app.submit(&copier, &match_id, result_body(&played)).await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.text());
}

#[tokio::test]
async fn hand_typed_and_forged_results_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let player = app.register("Forger").await;
    let (match_id, seed) = app.seeded_ticket(&player, hard()).await;
    app.backdate(&match_id).await;
    let played = idle_match(Difficulty::Hard, seed);

    // The old hand-typed 5-0: no record at all.
    app.submit(
        &player,
        &match_id,
        json!({"player_score": 5, "opponent_score": 0}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // A real record with a claimed score it does not play out to.
    let mut claim = result_body(&played);
    claim["player_score"] = json!(5);
    claim["opponent_score"] = json!(0);
    app.submit(&player, &match_id, claim)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "result_mismatch");

    // An idle computer: left scores at will against a right side that never moves, recorded
    // as a two-player match and submitted as a win against the computer.
    let attack = |tick: u32| {
        let mut bits = if tick % 240 < 110 {
            input::RIGHT
        } else {
            input::LEFT
        };
        if tick.is_multiple_of(11) {
            bits |= input::KICK_PRESSED;
        }
        [bits, 0]
    };
    let (two_player, result) = play_scripted(GameMode::LocalTwoPlayer, seed, attack);
    for record in [
        MatchRecord {
            mode: serde_json::from_value(hard()).unwrap(),
            ..two_player.clone()
        },
        MatchRecord::new(
            serde_json::from_value(hard()).unwrap(),
            seed,
            &two_player.frames().unwrap(),
        ),
    ] {
        let forged =
            json!({"player_score": result.left, "opponent_score": result.right, "record": record});
        let response = app.submit(&player, &match_id, forged).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            response.text()
        );
        let code = response.json()["code"].as_str().unwrap().to_owned();
        assert!(
            ["result_mismatch", "invalid_record", "validation_failed"].contains(&code.as_str()),
            "{code}"
        );
    }

    // Those cost the match re-plays (see the next test); the cases below, on a fresh match
    // (the first is closed as a forfeit, if it was still open), are refused before one.
    let (match_id, seed) = app.seeded_ticket(&player, hard()).await;
    app.backdate(&match_id).await;
    let played = idle_match(Difficulty::Hard, seed);
    let record = &played.0;
    let with = |change: &dyn Fn(&mut MatchRecord)| {
        let mut forged = record.clone();
        change(&mut forged);
        json!({"player_score": 0, "opponent_score": 5, "record": forged})
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            with(&|r| r.inputs.truncate(r.inputs.len() - 4)),
            "invalid_record",
        ),
        (with(&|r| r.inputs = "not base64!".into()), "invalid_record"),
        (
            with(&|r| r.inputs = "A".repeat(protocol::record::MAX_INPUTS_LEN + 4)),
            "invalid_record",
        ),
        (
            with(&|r| r.ticks = protocol::rules::MATCH_TICKS + 1),
            "invalid_record",
        ),
        (
            with(&|r| *r = MatchRecord::new(r.mode, r.seed, &vec![[0, 0]; 400])),
            "invalid_record",
        ),
        (with(&|r| r.sim_version = SIM_VERSION + 1), "outdated_game"),
        // An older version the game still plays (for watching) does not count either.
        (with(&|r| r.sim_version = SIM_VERSION - 1), "outdated_game"),
        // The record of another match (its seed).
        (with(&|r| r.seed = r.seed.wrapping_add(1)), "invalid_record"),
        (
            with(&|r| {
                r.mode = GameMode::VsComputer {
                    difficulty: Difficulty::Easy,
                }
            }),
            "invalid_record",
        ),
    ];
    for (body, code) in cases {
        app.submit(&player, &match_id, body)
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, code);
    }
    assert_eq!(app.count("matches WHERE status = 'verified'").await, 0);
    let metrics = app.state.metrics.render(&app.state.pools());
    assert!(
        metrics.contains(r#"stellar_heads_match_replays_total{result="mismatch"}"#),
        "{metrics}"
    );
    // The genuine result still counts afterwards.
    let stored = app.submit(&player, &match_id, result_body(&played)).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text());
}

/// One account cannot fill every verifier with one ticket: a match gets at most
/// `MAX_REPLAYS` re-plays, and the last failed one closes it as a forfeit.
#[tokio::test]
async fn results_that_do_not_replay_cost_the_match() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let player = std::sync::Arc::new(app.register("Burst").await);
    let (match_id, seed) = app.seeded_ticket(&player, hard()).await;
    app.backdate(&match_id).await;
    let played = idle_match(Difficulty::Hard, seed);
    let mut claim = result_body(&played);
    claim["player_score"] = json!(5);
    claim["opponent_score"] = json!(0);
    // A burst at once: no more than MAX_REPLAYS of them are re-played.
    let burst: Vec<_> = (0..12)
        .map(|_| {
            let (app, player, claim) = (app.clone(), player.clone(), claim.clone());
            let match_id = match_id.clone();
            tokio::spawn(async move { app.submit(&player, &match_id, claim).await })
        })
        .collect();
    let mut codes = Vec::new();
    for response in burst {
        let response = response.await.unwrap();
        codes.push(response.json()["code"].as_str().unwrap().to_owned());
    }
    let mismatches = codes
        .iter()
        .filter(|code| *code == "result_mismatch")
        .count();
    let closed = codes.iter().filter(|code| *code == "match_closed").count();
    assert_eq!(
        (mismatches, closed),
        (
            tickets::MAX_REPLAYS as usize,
            12 - tickets::MAX_REPLAYS as usize
        ),
        "{codes:?}"
    );
    let metrics = app.state.metrics.render(&app.state.pools());
    assert!(
        metrics.contains(&format!(
            "stellar_heads_match_replays_total{{result=\"mismatch\"}} {}",
            tickets::MAX_REPLAYS
        )),
        "{metrics}"
    );
    // The match is closed, as a forfeit: even its genuine result no longer counts.
    app.submit(&player, &match_id, result_body(&played))
        .await
        .assert_error(StatusCode::CONFLICT, "match_closed");
    let history = app
        .get("/api/matches/mine", Some(&player.token))
        .await
        .json();
    assert_eq!(history["matches"][0]["status"], "forfeited", "{history}");
}

#[tokio::test]
async fn a_result_sooner_than_the_match_could_be_played_is_refused() {
    let app = TestApp::spawn().await;
    let player = app.register("Hasty").await;
    let match_id = app.ticket(&player, hard()).await;
    let response = app
        .submit(
            &player,
            &match_id,
            result_body(&idle_match(Difficulty::Hard, 0)),
        )
        .await;
    let body = response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "result_too_early");
    assert!(
        body["message"].as_str().unwrap().contains("was started"),
        "{body}"
    );
    assert_eq!(app.count("matches").await, 0);
}

#[tokio::test]
async fn only_the_players_own_open_match_can_be_finished() {
    let app = TestApp::spawn().await;
    let owner = app.register("Owner").await;
    let thief = app.register("Thief").await;
    let (match_id, seed) = app.seeded_ticket(&owner, hard()).await;
    let played = idle_match(Difficulty::Hard, seed);
    app.backdate(&match_id).await;
    app.submit(&thief, &match_id, result_body(&played))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.submit(
        &owner,
        &uuid::Uuid::new_v4().to_string(),
        result_body(&played),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        app.submit(&owner, &match_id, result_body(&played))
            .await
            .status,
        StatusCode::CREATED
    );
    // Someone else's stored match is not theirs to resubmit either.
    app.submit(&thief, &match_id, result_body(&played))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    // Unranked matches are not public.
    let local = app
        .ticket(&owner, json!({"kind": "local_two_player"}))
        .await;
    app.get(&format!("/api/matches/{local}/record"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn an_abandoned_ranked_match_is_a_loss() {
    let app = TestApp::spawn().await;
    let player = app.register("Quitter").await;
    // Starting another match forfeits the open ranked one.
    let (first, seed) = app.seeded_ticket(&player, hard()).await;
    let played = idle_match(Difficulty::Hard, seed);
    let second = app.start_match(&player, hard()).await.json();
    assert_eq!(second["forfeited"], first);
    app.backdate(&first).await;
    app.submit(&player, &first, result_body(&played))
        .await
        .assert_error(StatusCode::CONFLICT, "match_closed");
    // Letting a ticket expire forfeits it too (the sweeper's work, run here directly).
    let second = second["match_id"].as_str().unwrap().to_owned();
    sqlx::query("UPDATE match_tickets SET started_at = now() - interval '2 hours', expires_at = now() - interval '1 second' WHERE id = $1::uuid")
        .bind(&second)
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(tickets::close_expired(&app.state.db).await.unwrap(), 1);
    // An unranked match left open is simply closed: nothing to forfeit.
    app.ticket(&player, json!({"kind": "local_two_player"}))
        .await;
    app.ticket(&player, json!({"kind": "local_two_player"}))
        .await;

    let history = app
        .get("/api/matches/mine", Some(&player.token))
        .await
        .json();
    let matches = history["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 2);
    for stored in matches {
        assert_eq!(stored["status"], "forfeited");
        assert_eq!(stored["outcome"], "loss");
        assert_eq!(
            (
                stored["player_score"].as_u64(),
                stored["opponent_score"].as_u64()
            ),
            (Some(0), Some(5))
        );
    }
    let stats = app
        .get(
            &format!("/api/players/{}/stats", player.wallet.address()),
            None,
        )
        .await
        .json();
    assert_eq!(
        (stats["played"].as_i64(), stats["losses"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(app.count("match_tickets").await, 1);
}

#[tokio::test]
async fn storing_needs_a_valid_token() {
    let app = TestApp::spawn().await;
    let start = json!({"mode": {"kind": "vs_computer", "difficulty": "easy"}});
    let response = app.post("/api/matches", start.clone(), None).await;
    response.assert_error(StatusCode::UNAUTHORIZED, "missing_token");
    let response = app.post("/api/matches", start, Some("not.a.token")).await;
    response.assert_error(StatusCode::UNAUTHORIZED, "invalid_token");
    assert_eq!(app.count("matches").await, 0);
}

#[tokio::test]
async fn the_database_itself_refuses_impossible_rows() {
    let app = TestApp::spawn().await;
    app.register("Direct").await;
    let attempts = [
        // outcome contradicting the scores
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, duration_ticks, mode, difficulty, status) \
         SELECT gen_random_uuid(), id, 0, 3, 'win', 10800, 'vs_computer', 'easy', 'unverified' FROM players",
        // score out of range
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, duration_ticks, mode, difficulty, status) \
         SELECT gen_random_uuid(), id, 7, 0, 'win', 600, 'vs_computer', 'easy', 'unverified' FROM players",
        // timed out early
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, duration_ticks, mode, difficulty, status) \
         SELECT gen_random_uuid(), id, 1, 0, 'win', 600, 'vs_computer', 'easy', 'unverified' FROM players",
        // unknown player
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, duration_ticks, mode, difficulty, status) \
         VALUES (gen_random_uuid(), gen_random_uuid(), 5, 0, 'win', 600, 'vs_computer', 'easy', 'unverified')",
        // difficulty without a computer opponent
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, duration_ticks, mode, difficulty, status) \
         SELECT gen_random_uuid(), id, 5, 0, 'win', 600, 'local_two_player', 'easy', 'unverified' FROM players",
        // verified without a record
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, duration_ticks, mode, difficulty, status) \
         SELECT gen_random_uuid(), id, 5, 0, 'win', 600, 'vs_computer', 'easy', 'verified' FROM players",
        // a forfeit that is not a 0-5 loss
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, duration_ticks, mode, difficulty, status) \
         SELECT gen_random_uuid(), id, 4, 5, 'loss', 600, 'vs_computer', 'easy', 'forfeited' FROM players",
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
    for goals in 0..5 {
        ids.push(app.insert_result(&player, "vs_computer", goals, 5).await);
    }
    app.insert_result(&other, "vs_computer", 5, 0).await;
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
        // A well-formed cursor naming a time PostgreSQL cannot store: refused, not a 500.
        "before=LTMxNTM2NDQ3MDAwMDAwMDAwMC4wMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDA",
    ] {
        let response = app
            .get(&format!("/api/matches/mine?{query}"), Some(&player.token))
            .await;
        response.assert_error(StatusCode::BAD_REQUEST, "malformed_request");
    }
    app.get("/api/matches/mine", None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "missing_token");
    // A match id that is not one gets the JSON error body too.
    app.get("/api/matches/not-a-uuid/record", None)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed_request");
    app.post(
        "/api/matches/42/result",
        serde_json::json!({}),
        Some(&player.token),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "malformed_request");
}
