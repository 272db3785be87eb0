//! Sizes and forces, in pixels and seconds. The pitch, bodies and rules are the original
//! game's (1366 x 768 field, heads r=30 mass 1 gravity x20, ball r=24 mass 2 restitution 0.8
//! friction 0.05 gravity x12, kick range 60, coyote time 0.2 s, jump cut 0.3x); the base
//! gravity and speeds are tuned so that a jump lasts about a second.

pub const FIELD_WIDTH: f32 = 1366.0;
pub const FIELD_HEIGHT: f32 = 768.0;
pub const HALF_WIDTH: f32 = FIELD_WIDTH / 2.0;
pub const HALF_HEIGHT: f32 = FIELD_HEIGHT / 2.0;
/// The pitch surface.
pub const GROUND_TOP: f32 = -HALF_HEIGHT + 64.0;
pub const WALL_THICKNESS: f32 = 50.0;

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
/// How close the ball must be to a head (gap between their surfaces) to be kicked.
pub const KICK_RANGE: f32 = 60.0;
pub const KICK_SPEED: f32 = 760.0;
pub const KICK_LIFT: f32 = 260.0;
pub const KICK_COOLDOWN_TICKS: u32 = 15;

pub const BALL_RADIUS: f32 = 24.0;
pub const BALL_MASS: f32 = 2.0;
pub const BALL_RESTITUTION: f32 = 0.8;
pub const BALL_FRICTION: f32 = 0.05;
pub const BALL_GRAVITY_SCALE: f32 = 12.0;
pub const BALL_MAX_SPEED: f32 = 1500.0;

/// Frozen "ready" time before play starts, and the celebration after a goal (both count on
/// the match clock, as in football).
pub const KICKOFF_TICKS: u32 = 60;
pub const GOAL_PAUSE_TICKS: u32 = 90;

pub const LEFT_START_X: f32 = -300.0;
pub const RIGHT_START_X: f32 = 300.0;
pub const PLAYER_START_Y: f32 = GROUND_TOP + PLAYER_RADIUS;
/// The ball drops in from above the centre spot.
pub const BALL_START_Y: f32 = 40.0;
