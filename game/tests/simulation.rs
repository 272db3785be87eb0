//! The rules and physics, headless: the same simulation the browser runs, one tick per
//! update.

mod common;

use bevy::prelude::*;
use protocol::messages::Side;
use protocol::record::input;
use protocol::{Difficulty, GameMode};
use stellar_heads_game::sim::SimulationPlugin;
use stellar_heads_game::sim::constants::*;
use stellar_heads_game::sim::{GoalScored, MatchPhase, MatchSettings, snapshot};

use common::*;

#[test]
fn a_ball_in_the_left_goal_scores_for_the_right_side_and_everything_resets() {
    let mut app = started(two_players());
    place_ball(
        &mut app,
        Vec2::new(-GOAL_LINE_X - 10.0, GROUND_TOP + 100.0),
        Vec2::new(-600.0, 0.0),
    );
    run(&mut app, 5, input::RIGHT, input::LEFT);
    let after_goal = state(&app);
    assert_eq!(after_goal.score, [0, 1]);
    assert!(matches!(after_goal.phase, MatchPhase::GoalPause { .. }));
    let (goals, _) = heard(&app);
    assert_eq!(
        goals,
        [GoalScored {
            scorer: Side::Right,
            left: 0,
            right: 1
        }]
    );
    // After the celebration the positions are reset for a new kickoff.
    run(&mut app, GOAL_PAUSE_TICKS, 0, 0);
    assert!(matches!(state(&app).phase, MatchPhase::Kickoff { .. }));
    let (_, left_at, _) = player(&mut app, Side::Left);
    let (_, right_at, _) = player(&mut app, Side::Right);
    assert!((left_at.x - LEFT_START_X).abs() < 1.0 && (right_at.x - RIGHT_START_X).abs() < 1.0);
    // The ball drops in above the centre spot, as far to a side as the match's seed says.
    let (ball_at, _) = ball(&mut app);
    assert!(ball_at.x.abs() <= KICKOFF_SPREAD, "{ball_at}");
}

#[test]
fn five_goals_win_the_match_at_once() {
    let mut settings = two_players();
    settings.goals_to_win = 5;
    let mut app = started(settings);
    for goal in 1..=5u8 {
        place_ball(
            &mut app,
            Vec2::new(GOAL_LINE_X + 40.0, GROUND_TOP + 60.0),
            Vec2::ZERO,
        );
        run(&mut app, 2, 0, 0);
        assert_eq!(state(&app).score, [goal, 0]);
        if goal < 5 {
            run(&mut app, GOAL_PAUSE_TICKS + KICKOFF_TICKS + 1, 0, 0);
        }
    }
    let end = state(&app);
    assert_eq!(end.phase, MatchPhase::Finished);
    let (goals, ended) = heard(&app);
    assert_eq!(goals.len(), 5);
    assert_eq!(ended.len(), 1);
    assert_eq!((ended[0].left, ended[0].right), (5, 0));
    assert!(ended[0].ticks < protocol::rules::MATCH_TICKS);
    // Nothing moves after the final whistle.
    let before = snapshot(app.world_mut());
    run(&mut app, 30, input::RIGHT, input::LEFT);
    assert_eq!(snapshot(app.world_mut()), before);
}

#[test]
fn at_the_time_limit_the_higher_score_wins_and_equal_scores_draw() {
    for (scores, ticks) in [([1u8, 0u8], 600u32), ([0, 0], 300)] {
        let mut settings = two_players();
        settings.match_ticks = ticks;
        let mut app = started(settings);
        if scores[0] == 1 {
            place_ball(
                &mut app,
                Vec2::new(GOAL_LINE_X + 40.0, GROUND_TOP + 60.0),
                Vec2::ZERO,
            );
        }
        run(&mut app, ticks, 0, 0);
        let end = state(&app);
        assert_eq!(end.phase, MatchPhase::Finished);
        assert_eq!(end.score, scores);
        assert_eq!(end.tick, ticks, "a timed-out match lasts exactly the limit");
        let (_, ended) = heard(&app);
        assert_eq!(
            ended.iter().map(|e| e.ticks).collect::<Vec<_>>(),
            [ticks],
            "one final whistle"
        );
        let outcome = protocol::Outcome::from_scores(end.score[0], end.score[1]);
        assert_eq!(
            outcome,
            if scores[0] == 1 {
                protocol::Outcome::Win
            } else {
                protocol::Outcome::Draw
            }
        );
    }
}

#[test]
fn running_and_jumping_with_coyote_time_and_jump_cut() {
    let mut app = started(two_players());
    let (_, start, _) = player(&mut app, Side::Left);
    run(&mut app, 30, input::RIGHT, 0);
    let (_, moved, _) = player(&mut app, Side::Left);
    assert!(
        (moved.x - start.x - RUN_SPEED * 0.5).abs() < 20.0,
        "ran {} px in 0.5 s",
        moved.x - start.x
    );

    // A full jump rises much higher than one cut short by releasing the key.
    let height = |app: &mut App, hold_ticks: u32| {
        run(app, 1, input::JUMP_PRESSED | input::JUMP_HELD, 0);
        let mut top = f32::MIN;
        for tick in 0..90 {
            let held = if tick < hold_ticks {
                input::JUMP_HELD
            } else {
                0
            };
            run(app, 1, held, 0);
            top = top.max(player(app, Side::Left).1.y);
        }
        top - PLAYER_START_Y
    };
    let full = height(&mut app, 90);
    let cut = height(&mut app, 3);
    assert!(full > 120.0, "a full jump rose {full} px");
    assert!(cut < full * 0.5, "a cut jump rose {cut} px of {full}");

    // No jump in mid-air once the coyote time has passed...
    run(&mut app, 1, input::JUMP_PRESSED | input::JUMP_HELD, 0);
    run(&mut app, 40, input::JUMP_HELD, 0);
    let (_, before, velocity) = player(&mut app, Side::Left);
    assert!(
        before.y > PLAYER_START_Y + 50.0 && velocity.y < 0.0,
        "falling"
    );
    run(&mut app, 1, input::JUMP_PRESSED | input::JUMP_HELD, 0);
    let (_, _, after) = player(&mut app, Side::Left);
    assert!(after.y < 0.0, "a second jump in the air must not happen");
}

#[test]
fn a_kick_sends_the_ball_toward_the_opponents_goal() {
    let mut app = started(two_players());
    let (_, head, _) = player(&mut app, Side::Left);
    place_ball(
        &mut app,
        head + Vec2::new(PLAYER_RADIUS + BALL_RADIUS + 4.0, 0.0),
        Vec2::ZERO,
    );
    run(&mut app, 1, input::KICK_PRESSED, 0);
    let (_, velocity) = ball(&mut app);
    assert!(velocity.x > KICK_SPEED * 0.8, "{velocity}");
    assert!(velocity.y > 0.0, "a kick lifts the ball: {velocity}");
    // Out of range, a kick does nothing to the ball.
    place_ball(&mut app, head + Vec2::new(400.0, 200.0), Vec2::ZERO);
    run(&mut app, KICK_COOLDOWN_TICKS + 1, 0, 0);
    let before = ball(&mut app).1;
    run(&mut app, 1, input::KICK_PRESSED, 0);
    let after = ball(&mut app).1;
    assert!((after - before).length() < 30.0, "{before} -> {after}");
}

#[test]
fn the_computer_goes_for_the_ball_and_scores_against_an_idle_opponent() {
    let mut app = started(MatchSettings::new(GameMode::VsComputer {
        difficulty: Difficulty::Hard,
    }));
    let (_, start, _) = player(&mut app, Side::Right);
    run(&mut app, 30, 0, 0);
    let (_, moved, _) = player(&mut app, Side::Right);
    let (ball_at, _) = ball(&mut app);
    assert!(
        (moved.x - ball_at.x).abs() < (start.x - ball_at.x).abs(),
        "it heads for the ball"
    );
    // Within 60 s of play it scores.
    for _ in 0..3600 {
        app.update();
        if state(&app).score[1] > 0 {
            return;
        }
    }
    panic!("the computer did not score in 60 s: {:?}", state(&app));
}

/// Every pair of simulation systems that touch the same data runs in an order the code
/// states, never one the scheduler happens to pick: a determinism the replay relies on.
#[test]
fn no_two_simulation_systems_run_in_an_unstated_order() {
    use bevy::ecs::schedule::{LogLevel, ScheduleBuildSettings};

    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, SimulationPlugin));
    app.edit_schedule(FixedUpdate, |schedule| {
        schedule.set_build_settings(ScheduleBuildSettings {
            ambiguity_detection: LogLevel::Error,
            ..default()
        });
    });
    app.finish();
    app.cleanup();
    let built = app
        .world_mut()
        .try_schedule_scope(FixedUpdate, |world, schedule| schedule.initialize(world))
        .expect("the simulation has a FixedUpdate schedule");
    if let Err(error) = built {
        panic!("{error}");
    }
}
