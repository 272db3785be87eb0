//! The physics as designed: the bounces the constants name, measured in a running match, the
//! kick's reach and direction, two kicks in one tick, the stuck-ball rule, and overlaps
//! resolved at a speed that fits a world measured in pixels.

mod common;

use bevy::prelude::*;
use protocol::messages::Side;
use protocol::record::input;
use stellar_heads_game::sim::Player;
use stellar_heads_game::sim::constants::*;
use stellar_heads_game::sim::controls::{kick, settle_kicks};

use common::*;

/// Both heads out of the way, by their own goals.
fn clear_the_pitch(app: &mut bevy::app::App) {
    place_player(
        app,
        Side::Left,
        Vec2::new(-HALF_WIDTH + 200.0, PLAYER_START_Y),
    );
    place_player(
        app,
        Side::Right,
        Vec2::new(HALF_WIDTH - 200.0, PLAYER_START_Y),
    );
}

/// The share of its speed along `normal` the ball keeps in its first bounce: the fastest it
/// moves into the surface, then the fastest it moves away within the next ticks.
fn rebound(app: &mut bevy::app::App, normal: Vec2, ticks: u32) -> f32 {
    let mut into = 0.0f32;
    let mut away = 0.0f32;
    for _ in 0..ticks {
        run(app, 1, 0, 0);
        let along = ball(app).1.dot(normal);
        if away == 0.0 && along < 0.0 {
            into = into.max(-along);
        } else if along > 0.0 && into > 0.0 {
            away = away.max(along);
            if along < away {
                break;
            }
        }
    }
    assert!(into > 100.0, "the ball never hit the surface ({into} px/s)");
    away / into
}

fn assert_near(what: &str, measured: f32, expected: f32) {
    assert!(
        (measured - expected).abs() <= 0.05,
        "{what}: the ball kept {measured:.3} of its speed, the constants say {expected}"
    );
}

#[test]
fn the_ball_bounces_off_the_ground_with_its_own_restitution() {
    let mut app = started(two_players());
    clear_the_pitch(&mut app);
    place_ball(&mut app, Vec2::new(0.0, GROUND_TOP + 300.0), Vec2::ZERO);
    let kept = rebound(&mut app, Vec2::Y, 120);
    assert_near("off the ground", kept, BALL_RESTITUTION);
}

#[test]
fn the_ball_bounces_off_the_walls_and_the_crossbar_as_the_original_did() {
    let mut app = started(two_players());
    clear_the_pitch(&mut app);
    // High above the goal, flying at the right end wall.
    place_ball(&mut app, Vec2::new(400.0, 150.0), Vec2::new(800.0, 0.0));
    let kept = rebound(&mut app, Vec2::NEG_X, 60);
    assert_near("off the end wall", kept, WALL_RESTITUTION);

    let bar_top = GROUND_TOP + GOAL_HEIGHT + CROSSBAR_THICKNESS;
    let bar_x = HALF_WIDTH - GOAL_DEPTH / 2.0;
    place_ball(&mut app, Vec2::new(bar_x, bar_top + 200.0), Vec2::ZERO);
    let kept = rebound(&mut app, Vec2::Y, 120);
    assert_near("off the crossbar", kept, WALL_RESTITUTION);
}

#[test]
fn the_ball_bounces_off_a_head_and_heads_never_bounce() {
    let mut app = started(two_players());
    clear_the_pitch(&mut app);
    let head = Vec2::new(0.0, PLAYER_START_Y);
    place_player(&mut app, Side::Left, head);
    place_ball(&mut app, head + Vec2::new(0.0, 250.0), Vec2::ZERO);
    // The head (half the ball's mass) gives under the ball and is pressed into the ground,
    // so the bounce is measured between the two: they part at the speed the constant names.
    let mut met = 0.0f32;
    let mut parted = 0.0f32;
    for _ in 0..120 {
        run(&mut app, 1, 0, 0);
        let closing = player(&mut app, Side::Left).2.y - ball(&mut app).1.y;
        if parted == 0.0 && closing > 0.0 {
            met = met.max(closing);
        } else if closing < 0.0 && met > 0.0 {
            parted = parted.max(-closing);
            if -closing < parted {
                break;
            }
        }
    }
    assert!(met > 100.0, "the ball never reached the head");
    assert_near("off a head", parted / met, BALL_RESTITUTION);

    // A head dropped on the ground stays there.
    clear_the_pitch(&mut app);
    place_ball(
        &mut app,
        Vec2::new(300.0, GROUND_TOP + BALL_RADIUS),
        Vec2::ZERO,
    );
    place_player(&mut app, Side::Left, Vec2::new(0.0, PLAYER_START_Y + 200.0));
    let mut landed_at = None;
    for tick in 0..90 {
        run(&mut app, 1, 0, 0);
        let (_, at, velocity) = player(&mut app, Side::Left);
        if landed_at.is_none() && at.y < PLAYER_START_Y + 3.0 {
            landed_at = Some(tick);
        }
        if landed_at.is_some() {
            assert!(velocity.y < 30.0, "the head bounced: {velocity}");
        }
    }
    assert!(landed_at.is_some(), "the head never landed");
}

#[test]
fn kicks_reach_sixty_pixels_centre_to_centre_and_never_go_into_the_kicker() {
    let head = Vec2::new(0.0, 0.0);
    for side in [Side::Left, Side::Right] {
        let player = Player::new(side);
        for degrees in (0..360).step_by(5) {
            let towards = Vec2::from_angle((degrees as f32).to_radians());
            for distance in [PLAYER_RADIUS + BALL_RADIUS - 10.0, 55.0, KICK_RANGE - 0.5] {
                let ball = head + towards * distance;
                let velocity = kick(&player, head, ball)
                    .unwrap_or_else(|| panic!("no kick at {distance} px, {degrees}°"));
                assert!(
                    velocity.dot(towards) > 0.3 * KICK_SPEED,
                    "{side:?} kicks a ball at {degrees}° toward its own head: {velocity}"
                );
            }
            assert_eq!(
                kick(&player, head, head + towards * (KICK_RANGE + 0.5)),
                None
            );
        }
    }

    // In a match: a ball just behind the kicker leaves backward, and stays clear of the head.
    let mut app = started(two_players());
    clear_the_pitch(&mut app);
    let head = Vec2::new(0.0, PLAYER_START_Y);
    place_player(&mut app, Side::Left, head);
    place_ball(
        &mut app,
        Vec2::new(
            -(PLAYER_RADIUS + BALL_RADIUS + 2.0),
            GROUND_TOP + BALL_RADIUS,
        ),
        Vec2::ZERO,
    );
    run(&mut app, 1, input::KICK_PRESSED, 0);
    let (at, velocity) = ball(&mut app);
    assert!(velocity.x < -KICK_SPEED * 0.5, "{velocity}");
    for _ in 0..20 {
        run(&mut app, 1, 0, 0);
        let (ball_at, _) = ball(&mut app);
        let (_, head_at, _) = player(&mut app, Side::Left);
        assert!(
            ball_at.distance(head_at) > at.distance(head),
            "the ball came back"
        );
    }
}

/// Both heads kick in the same tick: the closer one's kick is the one that counts, whichever
/// side it is on, and a tie is settled the same for both sides.
#[test]
fn two_kicks_in_one_tick_are_settled_fairly() {
    let kicked = |left_gap: f32, right_gap: f32, left: u8, right: u8| {
        let mut app = started(two_players());
        let ball_at = Vec2::new(0.0, GROUND_TOP + BALL_RADIUS);
        let touching = PLAYER_RADIUS + BALL_RADIUS;
        place_player(
            &mut app,
            Side::Left,
            Vec2::new(-touching - left_gap, ball_at.y),
        );
        place_player(
            &mut app,
            Side::Right,
            Vec2::new(touching + right_gap, ball_at.y),
        );
        place_ball(&mut app, ball_at, Vec2::ZERO);
        run(&mut app, 1, left, right);
        ball(&mut app).1
    };
    let kick = input::KICK_PRESSED;
    let tie = kicked(2.0, 2.0, kick, kick);
    assert!(tie.x.abs() < 1.0, "a tie favours a side: {tie}");
    assert!(tie.y > 0.0, "a tie sends the ball up: {tie}");
    // The closer head's kick alone, as if the other had not kicked.
    assert_eq!(kicked(1.0, 5.0, kick, kick), kicked(1.0, 5.0, kick, 0));
    assert_eq!(kicked(5.0, 1.0, kick, kick), kicked(5.0, 1.0, 0, kick));
}

#[test]
fn settling_two_kicks_is_symmetric() {
    let left = Vec2::new(700.0, 300.0);
    let right = Vec2::new(-700.0, 300.0);
    for (kicks, settled) in [
        (vec![], None),
        (vec![(55.0, left)], Some(left)),
        (vec![(55.0, left), (58.0, right)], Some(left)),
        (vec![(58.0, left), (55.0, right)], Some(right)),
        (
            vec![(55.0, left), (55.5, right)],
            Some(Vec2::new(0.0, 300.0)),
        ),
    ] {
        assert_eq!(settle_kicks(&kicks), settled, "{kicks:?}");
        let reversed: Vec<_> = kicks.iter().rev().copied().collect();
        assert_eq!(settle_kicks(&reversed), settled, "{reversed:?}");
    }
}

#[test]
fn a_ball_stuck_on_a_crossbar_is_dropped_back_into_play() {
    let mut app = started(two_players());
    clear_the_pitch(&mut app);
    let bar_top = GROUND_TOP + GOAL_HEIGHT + CROSSBAR_THICKNESS;
    let on_bar = Vec2::new(HALF_WIDTH - GOAL_DEPTH / 2.0, bar_top + BALL_RADIUS);
    place_ball(&mut app, on_bar, Vec2::ZERO);
    run(&mut app, STUCK_BALL_TICKS - 10, 0, 0);
    let (still, _) = ball(&mut app);
    assert!(still.distance(on_bar) < 2.0, "the ball rolled off: {still}");
    run(&mut app, 10, 0, 0);
    let (dropped, _) = ball(&mut app);
    assert!(
        dropped.x.abs() < 1.0 && dropped.y > GROUND_TOP + 200.0,
        "the ball was not dropped at the centre: {dropped}"
    );
    assert_eq!(state(&app).score, [0, 0]);
}

/// With avian's length unit at 1 (a metre-sized world), a ball sunk into the ground rose at
/// about 4 px/s; scaled to the pixel world it is out within a few ticks.
#[test]
fn overlaps_resolve_at_a_speed_that_fits_the_pixel_world() {
    let mut app = started(two_players());
    clear_the_pitch(&mut app);
    let resting = GROUND_TOP + BALL_RADIUS;
    place_ball(&mut app, Vec2::new(0.0, resting - 12.0), Vec2::ZERO);
    run(&mut app, 10, 0, 0);
    let (at, _) = ball(&mut app);
    assert!(
        at.y > resting - 1.0,
        "after 10 ticks the ball is still {} px deep",
        resting - at.y
    );
}

/// The fastest ball a match has (its speed cap), fired straight at the thinnest things on the
/// pitch: up and down through a crossbar along its length, at a head, at the end wall and at
/// the ground. It never comes out on the other side (a tick is 25 px at that speed, more than
/// a crossbar is thick).
#[test]
fn the_fastest_ball_never_passes_through_a_crossbar_a_head_or_a_wall() {
    let bar_y = GROUND_TOP + GOAL_HEIGHT + CROSSBAR_THICKNESS / 2.0;
    let bar_x = HALF_WIDTH - GOAL_DEPTH / 2.0;
    let clearance = CROSSBAR_THICKNESS / 2.0 + BALL_RADIUS;
    for offset in [-30.0, -15.0, 0.0, 15.0, 30.0] {
        for upward in [true, false] {
            let mut app = started(two_players());
            clear_the_pitch(&mut app);
            let sign = if upward { -1.0 } else { 1.0 };
            let from = Vec2::new(bar_x + offset, bar_y + sign * (clearance + 40.0));
            place_ball(&mut app, from, Vec2::new(0.0, -sign * BALL_MAX_SPEED));
            for tick in 0..20 {
                run(&mut app, 1, 0, 0);
                let (at, _) = ball(&mut app);
                assert!(
                    (at.y - bar_y) * sign > 0.0,
                    "through the crossbar ({} at x {offset:+}): {at} after {tick} ticks",
                    if upward { "upward" } else { "downward" },
                );
            }
        }
    }

    // A head: the ball stays on its side of the head's centre.
    let mut app = started(two_players());
    clear_the_pitch(&mut app);
    let head = Vec2::new(0.0, PLAYER_START_Y);
    place_player(&mut app, Side::Left, head);
    place_ball(
        &mut app,
        head - Vec2::new(160.0, 0.0),
        Vec2::new(BALL_MAX_SPEED, 0.0),
    );
    for tick in 0..20 {
        run(&mut app, 1, 0, 0);
        let (at, _) = ball(&mut app);
        let (_, head_at, _) = player(&mut app, Side::Left);
        assert!(
            at.x < head_at.x,
            "through a head: ball {at}, head {head_at} after {tick} ticks"
        );
    }

    // The end wall above the goal, and the ground.
    let mut app = started(two_players());
    clear_the_pitch(&mut app);
    place_ball(
        &mut app,
        Vec2::new(HALF_WIDTH - 150.0, 150.0),
        Vec2::new(BALL_MAX_SPEED, 0.0),
    );
    for _ in 0..20 {
        run(&mut app, 1, 0, 0);
        assert!(
            ball(&mut app).0.x <= HALF_WIDTH - BALL_RADIUS + 1.0,
            "through the end wall"
        );
    }
    place_ball(
        &mut app,
        Vec2::new(0.0, GROUND_TOP + 150.0),
        Vec2::new(0.0, -BALL_MAX_SPEED),
    );
    for _ in 0..20 {
        run(&mut app, 1, 0, 0);
        assert!(
            ball(&mut app).0.y >= GROUND_TOP + BALL_RADIUS - 1.0,
            "through the ground"
        );
    }
}
