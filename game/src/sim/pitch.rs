//! The static pitch and the three moving bodies, with their materials.
//!
//! avian combines two bodies' coefficients by the higher-priority rule of the two
//! (`Max` > `Min` > `Average`), so the materials are chosen to make the constants the
//! effective values: the ball's restitution combines by `Max` (it keeps 0.8 of its speed off
//! the ground and the heads, 0.85 off the walls) and its friction by `Min` (0.05 against
//! everything); the heads' restitution and friction combine by `Min` with 0 (a head never
//! bounces or sticks, on anything).

use avian2d::prelude::*;
use bevy::prelude::*;
use protocol::messages::Side;

use super::constants::*;
use super::{Ball, Player};

/// Static geometry: ground, end walls, ceiling and the two crossbars.
#[derive(Component, Debug)]
pub struct PitchPart;

pub fn spawn_pitch(mut commands: Commands) {
    let part = |width: f32, height: f32, x: f32, y: f32, restitution: f32| {
        (
            PitchPart,
            RigidBody::Static,
            Collider::rectangle(width, height),
            Restitution::new(restitution),
            Transform::from_xyz(x, y, 0.0),
        )
    };
    let solid = |width, height, x, y| part(width, height, x, y, WALL_RESTITUTION);
    let span = FIELD_WIDTH + 2.0 * WALL_THICKNESS;
    // The ground gives back nothing of its own: a ball keeps its own restitution off it.
    commands.spawn((
        Name::new("ground"),
        part(span, 200.0, 0.0, GROUND_TOP - 100.0, 0.0),
    ));
    commands.spawn((
        Name::new("ceiling"),
        solid(
            span,
            WALL_THICKNESS,
            0.0,
            HALF_HEIGHT + WALL_THICKNESS / 2.0,
        ),
    ));
    for sign in [-1.0, 1.0] {
        let wall_x = sign * (HALF_WIDTH + WALL_THICKNESS / 2.0);
        commands.spawn((
            Name::new("end wall"),
            solid(WALL_THICKNESS, FIELD_HEIGHT * 2.0, wall_x, 0.0),
        ));
        let bar_x = sign * (HALF_WIDTH - GOAL_DEPTH / 2.0);
        let bar_y = GROUND_TOP + GOAL_HEIGHT + CROSSBAR_THICKNESS / 2.0;
        commands.spawn((
            Name::new("crossbar"),
            solid(GOAL_DEPTH, CROSSBAR_THICKNESS, bar_x, bar_y),
        ));
    }
    spawn_bodies(&mut commands, BALL_START);
}

/// The two heads and the ball, fresh: every kickoff of a match spawns them anew, so that
/// nothing of an earlier match (spin, contacts, solver caches) can reach into this one.
pub fn spawn_bodies(commands: &mut Commands, ball_start: Vec2) {
    for side in [Side::Left, Side::Right] {
        commands.spawn(player_bundle(side));
    }
    commands.spawn(ball_bundle(ball_start));
}

pub fn player_start(side: Side) -> Vec2 {
    match side {
        Side::Left => Vec2::new(LEFT_START_X, PLAYER_START_Y),
        Side::Right => Vec2::new(RIGHT_START_X, PLAYER_START_Y),
    }
}

pub const BALL_START: Vec2 = Vec2::new(0.0, BALL_START_Y);

fn player_bundle(side: Side) -> impl Bundle {
    let start = player_start(side);
    (
        Name::new(match side {
            Side::Left => "left player",
            Side::Right => "right player",
        }),
        Player::new(side),
        RigidBody::Dynamic,
        Collider::circle(PLAYER_RADIUS),
        Mass(PLAYER_MASS),
        LockedAxes::ROTATION_LOCKED,
        GravityScale(PLAYER_GRAVITY_SCALE),
        Friction::new(0.0).with_combine_rule(CoefficientCombine::Min),
        Restitution::new(0.0).with_combine_rule(CoefficientCombine::Min),
        Transform::from_xyz(start.x, start.y, 1.0),
    )
}

fn ball_bundle(start: Vec2) -> impl Bundle {
    (
        Name::new("ball"),
        Ball,
        RigidBody::Dynamic,
        Collider::circle(BALL_RADIUS),
        Mass(BALL_MASS),
        Restitution::new(BALL_RESTITUTION).with_combine_rule(CoefficientCombine::Max),
        Friction::new(BALL_FRICTION).with_combine_rule(CoefficientCombine::Min),
        GravityScale(BALL_GRAVITY_SCALE),
        MaxLinearSpeed(BALL_MAX_SPEED),
        // A hard kick must not tunnel through a crossbar or a head.
        SweptCcd::default(),
        Transform::from_xyz(start.x, start.y, 2.0),
    )
}
