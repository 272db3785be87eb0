//! Drawing between ticks: with three frames per 60 Hz tick (a 180 Hz screen), a falling
//! ball's looks move every frame, between the body's last two tick positions, while the body
//! itself moves once a tick; and the looks never touch the simulation.

mod common;

use std::time::Duration;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use stellar_heads_game::interpolation::{Interpolated, InterpolationPlugin, Look};
use stellar_heads_game::sim::constants::*;
use stellar_heads_game::sim::{Ball, TICK_HZ};

use common::*;

#[test]
fn looks_move_every_frame_between_the_last_two_ticks() {
    let mut app = started(two_players());
    // The app is already running: its plugins are closed, so the plugin's systems are added
    // by hand.
    InterpolationPlugin.build(&mut app);
    let ball_entity = {
        let world = app.world_mut();
        let mut query = world.query_filtered::<Entity, With<Ball>>();
        query.single(world).unwrap()
    };
    let look = app
        .world_mut()
        .spawn((Look, Transform::default(), ChildOf(ball_entity)))
        .id();
    app.world_mut().entity_mut(ball_entity).insert(Interpolated);
    place_ball(&mut app, Vec2::new(0.0, 300.0), Vec2::ZERO);
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs_f64(
        1.0 / TICK_HZ / 3.0,
    )));

    let mut body_heights = Vec::new();
    let mut drawn_heights = Vec::new();
    for _ in 0..60 {
        app.update();
        body_heights.push(ball(&mut app).0.y);
        drawn_heights.push(
            app.world()
                .get::<GlobalTransform>(look)
                .unwrap()
                .translation()
                .y,
        );
    }
    // The first two ticks (three frames each) are not judged: after the first the body has
    // only one tick state, and the looks start drawing between two from the second on.
    const FIRST_TWO_TICKS: usize = 6;
    // Falling: the body moves on one frame in three, the looks on every frame after the first
    // ticks, never ahead of the body (drawing lags by less than a tick).
    let body_moves = body_heights.windows(2).filter(|w| w[1] < w[0]).count();
    let drawn_moves = drawn_heights[FIRST_TWO_TICKS..]
        .windows(2)
        .filter(|w| w[1] < w[0])
        .count();
    assert!(
        (18..=21).contains(&body_moves),
        "the body moved on {body_moves} of 59 frames"
    );
    assert_eq!(
        drawn_moves,
        drawn_heights.len() - FIRST_TWO_TICKS - 1,
        "the looks stood still on some frames: {drawn_heights:?}"
    );
    for (drawn, body) in drawn_heights
        .iter()
        .zip(&body_heights)
        .skip(FIRST_TWO_TICKS)
    {
        assert!(
            drawn >= body,
            "drawn at {drawn}, ahead of the body at {body}"
        );
        assert!(
            drawn - body < 30.0,
            "drawn at {drawn}, far behind the body at {body}"
        );
    }
    assert!(
        drawn_heights[59] > GROUND_TOP,
        "the ball fell through the ground"
    );
}

#[test]
fn the_simulation_is_the_same_with_interpolated_looks() {
    let play = |with_looks: bool| {
        let mut app = started(two_players());
        if with_looks {
            InterpolationPlugin.build(&mut app);
            let bodies: Vec<Entity> = app
                .world_mut()
                .query_filtered::<Entity, Or<(With<Ball>, With<stellar_heads_game::sim::Player>)>>()
                .iter(app.world())
                .collect();
            for body in bodies {
                app.world_mut().entity_mut(body).insert(Interpolated);
                app.world_mut()
                    .spawn((Look, Transform::default(), ChildOf(body)));
            }
        }
        for tick in 0..600u32 {
            let bits = [2u8, 1, 6, 16][(tick / 37 % 4) as usize];
            run(&mut app, 1, bits, bits ^ 3);
        }
        stellar_heads_game::sim::snapshot(app.world_mut())
    };
    assert_eq!(play(true), play(false));
}
