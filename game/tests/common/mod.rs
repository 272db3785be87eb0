//! Helpers the simulation's test files share: a started match, bodies placed by hand, and
//! the events heard so far.
// Each test file uses its own subset of these.
#![allow(dead_code)]

use avian2d::prelude::*;
use bevy::prelude::*;
use protocol::GameMode;
use protocol::messages::Side;
use stellar_heads_game::replay::{headless_app, start};
use stellar_heads_game::sim::constants::*;
use stellar_heads_game::sim::{
    Ball, GoalScored, MatchEnded, MatchPhase, MatchSettings, MatchState, Player, TickInputs,
};

pub fn two_players() -> MatchSettings {
    MatchSettings::new(GameMode::LocalTwoPlayer)
}

/// Runs `ticks` ticks, giving both sides `left`/`right` each tick.
pub fn run(app: &mut App, ticks: u32, left: u8, right: u8) {
    for _ in 0..ticks {
        app.world_mut().insert_resource(TickInputs { left, right });
        app.update();
    }
}

pub fn state(app: &App) -> MatchState {
    app.world().resource::<MatchState>().clone()
}

pub fn place_ball(app: &mut App, at: Vec2, velocity: Vec2) {
    let world = app.world_mut();
    let mut query = world.query_filtered::<(&mut Position, &mut LinearVelocity), With<Ball>>();
    let (mut position, mut v) = query.single_mut(world).unwrap();
    position.0 = at;
    v.0 = velocity;
}

pub fn player(app: &mut App, side: Side) -> (Player, Vec2, Vec2) {
    let world = app.world_mut();
    let mut query = world.query::<(&Player, &Position, &LinearVelocity)>();
    query
        .iter(world)
        .find(|(p, _, _)| p.side == side)
        .map(|(p, pos, v)| (*p, pos.0, v.0))
        .unwrap()
}

pub fn ball(app: &mut App) -> (Vec2, Vec2) {
    let world = app.world_mut();
    let mut query = world.query_filtered::<(&Position, &LinearVelocity), With<Ball>>();
    let (position, velocity) = query.single(world).unwrap();
    (position.0, velocity.0)
}

pub fn started(settings: MatchSettings) -> App {
    let mut app = headless_app();
    app.init_resource::<Heard>().add_systems(Last, listen);
    start(&mut app, settings);
    // Through the kickoff freeze.
    run(&mut app, KICKOFF_TICKS + 1, 0, 0);
    assert_eq!(state(&app).phase, MatchPhase::Playing);
    app
}

/// Every goal and final whistle so far (Bevy drops events after two updates, so a system
/// collects them as they happen).
#[derive(Resource, Default)]
pub struct Heard {
    pub goals: Vec<GoalScored>,
    pub ended: Vec<MatchEnded>,
}

pub fn listen(
    mut heard: ResMut<Heard>,
    mut goals: EventReader<GoalScored>,
    mut ended: EventReader<MatchEnded>,
) {
    heard.goals.extend(goals.read().copied());
    heard.ended.extend(ended.read().copied());
}

pub fn heard(app: &App) -> (Vec<GoalScored>, Vec<MatchEnded>) {
    let heard = app.world().resource::<Heard>();
    (heard.goals.clone(), heard.ended.clone())
}

/// Puts a player's head at `at`, at rest.
pub fn place_player(app: &mut App, side: Side, at: Vec2) {
    let world = app.world_mut();
    let mut query = world.query::<(&Player, &mut Position, &mut LinearVelocity)>();
    for (player, mut position, mut velocity) in query.iter_mut(world) {
        if player.side == side {
            position.0 = at;
            velocity.0 = Vec2::ZERO;
        }
    }
}

/// A small seeded generator (xorshift64): the same stream for the same seed, on every machine,
/// for inputs and noise that must be random-looking and reproducible.
pub struct Xorshift(u64);

impl Xorshift {
    pub fn new(seed: u64) -> Self {
        // Zero is xorshift's one fixed point.
        Self(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
