//! The simulation: pitch, players, ball, rules and the computer opponent, stepped at a fixed
//! 60 Hz by Bevy's `FixedUpdate` and avian2d's physics in `FixedPostUpdate`.
//!
//! It is a pure function of its inputs: the only thing that enters each tick is the
//! [`TickInputs`] of both sides, which it also records, so the same inputs give the same
//! match on any machine (avian2d's `enhanced-determinism`, no clock, no randomness). It has
//! no rendering, window or audio, and runs headless under `MinimalPlugins` in tests and on a
//! server.

pub mod ai;
pub mod chance;
pub mod constants;
pub mod controls;
pub mod pitch;
pub mod rules;

use avian2d::dynamics::solver::schedule::{SubstepSchedule, SubstepSolverSet};
use avian2d::prelude::*;
use bevy::prelude::*;
use protocol::GameMode;
use protocol::messages::Side;
use protocol::record::{MatchRecord, SIM_VERSION};

pub use rules::{MatchPhase, MatchState};

/// The fixed step. Physics, rules and the computer opponent all advance by exactly this.
pub const TICK_HZ: f64 = protocol::rules::TICKS_PER_SECOND as f64;

/// Inputs of both sides for the coming tick (bits from [`protocol::record::input`]).
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickInputs {
    pub left: u8,
    pub right: u8,
}

impl TickInputs {
    pub fn get(&self, side: Side) -> u8 {
        match side {
            Side::Left => self.left,
            Side::Right => self.right,
        }
    }

    pub fn set(&mut self, side: Side, bits: u8) {
        match side {
            Side::Left => self.left = bits,
            Side::Right => self.right = bits,
        }
    }
}

/// Who controls the right side, and whose inputs are recorded; which simulation version
/// plays the match, with which seed.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchSettings {
    pub mode: GameMode,
    /// Goals to win and ticks to play (the protocol's rules unless a test shortens them).
    pub goals_to_win: u8,
    pub match_ticks: u32,
    /// The simulation version whose rules apply: [`SIM_VERSION`] for a match played now,
    /// a record's own for a record played back.
    pub version: u32,
    /// The match's seed ([`chance`]).
    pub seed: u32,
}

impl MatchSettings {
    /// A match of the current version with seed 0 (practice, tests).
    pub fn new(mode: GameMode) -> Self {
        Self {
            mode,
            goals_to_win: protocol::rules::GOALS_TO_WIN,
            match_ticks: protocol::rules::MATCH_TICKS,
            version: SIM_VERSION,
            seed: 0,
        }
    }

    pub fn with_seed(self, seed: u32) -> Self {
        Self { seed, ..self }
    }

    /// The settings a record was played with: its mode, version and seed.
    pub fn of_record(record: &MatchRecord) -> Self {
        Self {
            version: record.sim_version,
            seed: record.seed,
            ..Self::new(record.mode)
        }
    }
}

impl Default for MatchSettings {
    fn default() -> Self {
        Self::new(GameMode::VsComputer {
            difficulty: protocol::Difficulty::Normal,
        })
    }
}

/// Every tick's inputs so far: the match record.
#[derive(Resource, Debug, Default, Clone)]
pub struct InputLog {
    pub frames: Vec<[u8; 2]>,
}

/// Announced once per goal, after the score changed.
#[derive(Event, Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoalScored {
    pub scorer: Side,
    pub left: u8,
    pub right: u8,
}

/// Announced when a kick sends the ball off (for sound; not part of the simulation's state).
#[derive(Event, Debug, Clone, Copy, PartialEq, Eq)]
pub struct BallKicked;

/// Announced once when the match ends.
#[derive(Event, Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchEnded {
    pub left: u8,
    pub right: u8,
    pub ticks: u32,
}

/// Where inputs come from. The people's sides are written by the input plugin (web) or the
/// test, or, while `frames` is set, fed back from a record; the computer's side is always
/// played by [`ai`]. Set by [`rules::StartMatch`].
#[derive(Resource, Debug, Clone, Default)]
pub struct ReplaySource {
    pub frames: Option<Vec<[u8; 2]>>,
}

/// The simulation's steps within a tick, in order.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimSet {
    /// Phase changes, goals and the clock's end, from the last physics step's result.
    Rules,
    /// Inputs for this tick: the computer, or a replay.
    Inputs,
    /// Inputs into the record.
    Record,
    /// Inputs into movement, jumps and kicks.
    Controls,
    /// The clock.
    Clock,
}

/// avian's `PhysicsPlugins::default()`, in its order, minus three plugins the simulation never
/// calls: `PhysicsTypeRegistrationPlugin` (registers avian's types for reflection: editors,
/// scenes), `SpatialQueryPlugin` (ray and shape casts) and `PhysicsInterpolationPlugin` (no
/// entity asks for interpolation). Together they were 2.1 MB of the game's 22 MB wasm before
/// wasm-opt. (Disabling them in the group would not do: a disabled plugin is still compiled
/// in.) `tests/determinism.rs` checks that matches play exactly as before.
fn physics_plugins() -> bevy::app::PluginGroupBuilder {
    use avian2d::collision::broad_phase::BroadPhasePlugin;
    use avian2d::collision::collider::{
        ColliderBackendPlugin, collider_hierarchy::ColliderHierarchyPlugin,
        collider_transform::ColliderTransformPlugin,
    };
    use avian2d::collision::narrow_phase::NarrowPhasePlugin;
    use avian2d::dynamics::ccd::CcdPlugin;
    use avian2d::dynamics::integrator::IntegratorPlugin;
    use avian2d::dynamics::rigid_body::mass_properties::MassPropertyPlugin;
    use avian2d::dynamics::sleeping::SleepingPlugin;
    use avian2d::dynamics::solver::{SolverPlugin, schedule::SolverSchedulePlugin};
    use avian2d::prepare::PreparePlugin;
    use avian2d::schedule::PhysicsSchedulePlugin;
    use avian2d::sync::SyncPlugin;
    use bevy::ecs::schedule::ScheduleLabel;

    let schedule = FixedPostUpdate.intern();
    bevy::app::PluginGroupBuilder::start::<PhysicsPlugins>()
        .add(PhysicsSchedulePlugin::new(schedule))
        .add(PreparePlugin::new(schedule))
        .add(MassPropertyPlugin::new(schedule))
        .add(ColliderHierarchyPlugin)
        .add(ColliderTransformPlugin::new(schedule))
        .add(ColliderBackendPlugin::<Collider>::new(schedule))
        .add(NarrowPhasePlugin::<Collider>::default())
        .add(BroadPhasePlugin::<()>::default())
        .add(IntegratorPlugin::default())
        .add(SolverPlugin::new_with_length_unit(constants::LENGTH_UNIT))
        .add(SolverSchedulePlugin)
        .add(CcdPlugin)
        .add(SleepingPlugin)
        .add(SyncPlugin::new(schedule))
}

/// A run condition that never holds.
fn never() -> bool {
    false
}

#[derive(Debug)]
pub struct SimulationPlugin;

impl Plugin for SimulationPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins(physics_plugins())
            .insert_resource(Time::<Fixed>::from_hz(TICK_HZ))
            .insert_resource(Gravity(Vec2::NEG_Y * constants::GRAVITY))
            // Substeps keep the heads' and ball's contacts stable at a 60 Hz tick; each
            // match sets its version's count (`rules::start_requested_match`).
            .insert_resource(SubstepCount(constants::substeps(SIM_VERSION)))
            // No joints: avian's XPBD joint solver and its velocity projection would run
            // 15 systems in every substep for nothing (their results are exactly zero).
            .configure_sets(
                SubstepSchedule,
                (
                    SubstepSolverSet::SolveXpbdConstraints,
                    SubstepSolverSet::XpbdVelocityProjection,
                )
                    .run_if(never),
            )
            .init_resource::<MatchSettings>()
            .init_resource::<MatchState>()
            .init_resource::<TickInputs>()
            .init_resource::<InputLog>()
            .init_resource::<ReplaySource>()
            .init_resource::<ai::AiMemory>()
            .init_resource::<chance::MatchRng>()
            .add_event::<GoalScored>()
            .add_event::<BallKicked>()
            .add_event::<MatchEnded>()
            .add_event::<rules::StartMatch>()
            .configure_sets(
                FixedUpdate,
                (
                    SimSet::Rules,
                    SimSet::Inputs,
                    SimSet::Record,
                    SimSet::Controls,
                    SimSet::Clock,
                )
                    .chain(),
            )
            .add_systems(Startup, pitch::spawn_pitch)
            .add_systems(
                FixedUpdate,
                (
                    rules::start_requested_match.before(SimSet::Rules),
                    (rules::advance_phase, rules::drop_stuck_ball)
                        .chain()
                        .in_set(SimSet::Rules),
                    // A record first, then the computer: the computer's side is never
                    // taken from a record.
                    (rules::replay_inputs, ai::computer_inputs)
                        .chain()
                        .in_set(SimSet::Inputs)
                        .run_if(rules::in_match),
                    rules::record_inputs
                        .in_set(SimSet::Record)
                        .run_if(rules::in_match),
                    controls::apply_controls
                        .in_set(SimSet::Controls)
                        .run_if(rules::in_match),
                    rules::advance_clock
                        .in_set(SimSet::Clock)
                        .run_if(rules::in_match),
                ),
            )
            .add_systems(
                FixedUpdate,
                rules::pause_physics_outside_matches.after(SimSet::Clock),
            );
    }
}

/// A player's head: the whole player, as in head soccer.
#[derive(Component, Debug, Clone, Copy)]
pub struct Player {
    pub side: Side,
    /// Ticks since the player last stood on the ground (coyote time counts these).
    pub airborne_ticks: u32,
    /// Whether the current jump may still be cut short by releasing the jump key.
    pub rising_from_jump: bool,
    /// Ticks until the next kick is allowed.
    pub kick_cooldown: u32,
}

impl Player {
    pub fn new(side: Side) -> Self {
        Self {
            side,
            airborne_ticks: 0,
            rising_from_jump: false,
            kick_cooldown: 0,
        }
    }

    /// +1 for the left player (attacks the right goal), -1 for the right.
    pub fn attack_direction(&self) -> f32 {
        match self.side {
            Side::Left => 1.0,
            Side::Right => -1.0,
        }
    }
}

#[derive(Component, Debug, Clone, Copy)]
pub struct Ball;

/// A snapshot of everything that moves, for determinism checks and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub ball: (Vec2, Vec2),
    pub players: Vec<(Side, Vec2, Vec2)>,
    pub score: [u8; 2],
    pub tick: u32,
}

pub fn snapshot(world: &mut World) -> Snapshot {
    let ball = {
        let mut query = world.query_filtered::<(&Position, &LinearVelocity), With<Ball>>();
        let (position, velocity) = query.single(world).expect("one ball");
        (position.0, velocity.0)
    };
    let mut players: Vec<_> = world
        .query::<(&Player, &Position, &LinearVelocity)>()
        .iter(world)
        .map(|(player, position, velocity)| (player.side, position.0, velocity.0))
        .collect();
    players.sort_by_key(|(side, _, _)| matches!(side, Side::Right));
    let state = world.resource::<MatchState>();
    Snapshot {
        ball,
        players,
        score: state.score,
        tick: state.tick,
    }
}
