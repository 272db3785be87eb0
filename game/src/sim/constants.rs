//! Sizes and forces, in pixels and seconds. The pitch and bodies are the original game's
//! (1366 x 768 field, heads r=30 mass 1 gravity x20, ball r=24 mass 2 gravity x12, ball
//! restitution 0.8 and friction 0.05, walls bouncing at 0.85, kick reach 60 centre to centre,
//! coyote time 0.2 s, jump cut 0.3x); the base gravity and the speeds are tuned so that a
//! jump lasts about a second. The bounces are what `tests/physics.rs` measures: each material
//! below says how it combines with the others, so that these numbers are the effective ones.

pub const FIELD_WIDTH: f32 = 1366.0;
pub const FIELD_HEIGHT: f32 = 768.0;
pub const HALF_WIDTH: f32 = FIELD_WIDTH / 2.0;
pub const HALF_HEIGHT: f32 = FIELD_HEIGHT / 2.0;
/// The pitch surface.
pub const GROUND_TOP: f32 = -HALF_HEIGHT + 64.0;
pub const WALL_THICKNESS: f32 = 50.0;
/// How much of its speed the ball keeps off the end walls, the ceiling and the crossbars
/// (off the ground and the heads it keeps its own [`BALL_RESTITUTION`]).
pub const WALL_RESTITUTION: f32 = 0.85;

/// avian's length unit: the size of a typical body (a ball is 48 px across, a head 60), so
/// that its speed thresholds (how fast overlaps are pushed apart, below which speed bounces
/// and motion stop) fit a world measured in pixels rather than metres.
pub const LENGTH_UNIT: f32 = 50.0;

/// A goal: the space between the end wall, the ground and the crossbar.
pub const GOAL_DEPTH: f32 = 80.0;
pub const GOAL_HEIGHT: f32 = 220.0;
pub const CROSSBAR_THICKNESS: f32 = 12.0;
/// The goal line: the ball is in when it is wholly beyond this distance from the centre.
pub const GOAL_LINE_X: f32 = HALF_WIDTH - GOAL_DEPTH;

/// Gravity before each body's scale.
pub const GRAVITY: f32 = 50.0;

pub const PLAYER_RADIUS: f32 = 30.0;
pub const PLAYER_MASS: f32 = 1.0;
pub const PLAYER_GRAVITY_SCALE: f32 = 20.0;
pub const RUN_SPEED: f32 = 320.0;
pub const JUMP_SPEED: f32 = 560.0;
/// A jump may start this many ticks after walking off the ground (0.2 s).
pub const COYOTE_TICKS: u32 = 12;
/// Releasing jump while rising keeps this share of the upward speed.
pub const JUMP_CUT: f32 = 0.3;
/// How close the ball must be to a head to be kicked, centre to centre: a 6 px gap
/// between their surfaces.
pub const KICK_RANGE: f32 = 60.0;
pub const KICK_SPEED: f32 = 760.0;
pub const KICK_LIFT: f32 = 260.0;
pub const KICK_COOLDOWN_TICKS: u32 = 15;

pub const BALL_RADIUS: f32 = 24.0;
pub const BALL_MASS: f32 = 2.0;
/// The ball's bounce off the ground and the heads (the share of its speed it keeps).
pub const BALL_RESTITUTION: f32 = 0.8;
/// The ball's friction against every surface; heads have none.
pub const BALL_FRICTION: f32 = 0.05;
pub const BALL_GRAVITY_SCALE: f32 = 12.0;
pub const BALL_MAX_SPEED: f32 = 1500.0;

/// A ball that stays this slow (px/s) above the ground, on a crossbar or a head, for
/// [`STUCK_BALL_TICKS`] (3 s) is dropped back into play from above the centre spot.
pub const STUCK_BALL_SPEED: f32 = 10.0;
pub const STUCK_BALL_TICKS: u32 = 180;

/// Frozen "ready" time before play starts, and the celebration after a goal (both count on
/// the match clock, as in football).
pub const KICKOFF_TICKS: u32 = 60;
pub const GOAL_PAUSE_TICKS: u32 = 90;

pub const LEFT_START_X: f32 = -300.0;
pub const RIGHT_START_X: f32 = 300.0;
pub const PLAYER_START_Y: f32 = GROUND_TOP + PLAYER_RADIUS;
/// The ball drops in from above the centre spot.
pub const BALL_START_Y: f32 = 40.0;
/// From version 4, each kick-off drops the ball up to this far (px) to either side of the
/// centre spot, by the match's seed (`chance`): the same for both sides on average.
pub const KICKOFF_SPREAD: f32 = 24.0;

/// Solver substeps per tick, by simulation version: 8 until version 3; 2 from version 4
/// (the physics tests hold: bounces, kicks, no tunnelling at the fastest ball).
pub fn substeps(version: u32) -> u32 {
    if version >= 4 { 2 } else { 8 }
}
