//! Phases, goals, the clock and the record.

use avian2d::prelude::*;
use bevy::prelude::*;
use protocol::messages::Side;
use protocol::record::{input, recorded_sides};

use super::ai::AiMemory;
use super::chance::MatchRng;
use super::constants::substeps as substeps_of;
use super::constants::*;
use super::pitch::{BALL_START, player_start, spawn_bodies};
use super::{
    Ball, GoalScored, InputLog, MatchEnded, MatchSettings, Player, ReplaySource, TickInputs,
};

/// The heads and the ball, as the reset after a goal and at kickoff moves them.
type PlayerBodies<'w, 's> = Query<
    'w,
    's,
    (
        &'static mut Player,
        &'static mut Position,
        &'static mut LinearVelocity,
        &'static mut AngularVelocity,
    ),
    Without<Ball>,
>;
type BallBody<'w, 's> = Query<
    'w,
    's,
    (
        &'static mut Position,
        &'static mut LinearVelocity,
        &'static mut AngularVelocity,
    ),
    With<Ball>,
>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchPhase {
    /// Before the first kickoff: the title screen.
    #[default]
    Waiting,
    /// Positions are set; play starts when `remaining` reaches zero.
    Kickoff {
        remaining: u32,
    },
    Playing,
    /// After a goal, before the positions reset.
    GoalPause {
        remaining: u32,
    },
    Finished,
}

#[derive(Resource, Debug, Clone, Default)]
pub struct MatchState {
    pub phase: MatchPhase,
    /// Goals of the left and the right side.
    pub score: [u8; 2],
    /// Ticks played: the match clock.
    pub tick: u32,
    /// Paused by a player: no tick advances (not part of the record).
    pub paused: bool,
    pub last_scorer: Option<Side>,
    /// Ticks the ball has stayed still above the ground (the stuck-ball rule).
    pub ball_stuck_ticks: u32,
}

impl MatchState {
    pub fn goals(&self, side: Side) -> u8 {
        self.score[side_index(side)]
    }

    pub fn ticks_left(&self, settings: &MatchSettings) -> u32 {
        settings.match_ticks.saturating_sub(self.tick)
    }

    /// Between the first kickoff and the final whistle, paused or not.
    pub fn under_way(&self) -> bool {
        matches!(
            self.phase,
            MatchPhase::Kickoff { .. } | MatchPhase::Playing | MatchPhase::GoalPause { .. }
        )
    }
}

pub fn side_index(side: Side) -> usize {
    match side {
        Side::Left => 0,
        Side::Right => 1,
    }
}

/// The heads and the ball: what a kickoff spawns anew.
type MovingBody = Or<(With<Player>, With<Ball>)>;

/// Starts (or restarts) a match from scratch with these settings: played by people and the
/// computer, or, with `replay`, played back from a record's frames.
#[derive(Event, Debug, Clone)]
pub struct StartMatch {
    pub settings: MatchSettings,
    pub replay: Option<Vec<[u8; 2]>>,
}

impl StartMatch {
    pub fn play(settings: MatchSettings) -> Self {
        Self {
            settings,
            replay: None,
        }
    }
}

/// Whether ticks are being played (the clock runs).
pub fn in_match(state: Res<MatchState>) -> bool {
    !state.paused && state.under_way()
}

/// Resets every piece of simulation state, so that a rematch or a restart plays exactly as
/// the same inputs do in a fresh app (which is how the server re-plays it).
#[allow(clippy::too_many_arguments)]
pub fn start_requested_match(
    mut commands: Commands,
    mut requests: EventReader<StartMatch>,
    mut settings: ResMut<MatchSettings>,
    mut state: ResMut<MatchState>,
    mut log: ResMut<InputLog>,
    mut inputs: ResMut<TickInputs>,
    mut memory: ResMut<AiMemory>,
    mut rng: ResMut<MatchRng>,
    mut substeps: ResMut<SubstepCount>,
    mut source: ResMut<ReplaySource>,
    bodies: Query<Entity, MovingBody>,
) {
    let Some(request) = requests.read().last().cloned() else {
        return;
    };
    *settings = request.settings;
    *rng = MatchRng::new(settings.version, settings.seed);
    substeps.0 = substeps_of(settings.version);
    source.frames = request.replay;
    *state = MatchState {
        phase: MatchPhase::Kickoff {
            remaining: KICKOFF_TICKS,
        },
        ..MatchState::default()
    };
    log.frames.clear();
    *inputs = TickInputs::default();
    *memory = AiMemory::default();
    let ball_start = rng.kickoff_ball();
    memory.kickoff(&mut rng);
    for body in &bodies {
        commands.entity(body).despawn();
    }
    spawn_bodies(&mut commands, ball_start);
}

fn reset_positions(
    players: &mut PlayerBodies<'_, '_>,
    ball: &mut BallBody<'_, '_>,
    ball_start: Vec2,
) {
    for (mut player, mut position, mut velocity, mut spin) in players.iter_mut() {
        *player = Player::new(player.side);
        position.0 = player_start(player.side);
        velocity.0 = Vec2::ZERO;
        spin.0 = 0.0;
    }
    if let Ok((mut position, mut velocity, mut spin)) = ball.single_mut() {
        position.0 = ball_start;
        velocity.0 = Vec2::ZERO;
        spin.0 = 0.0;
    }
}

/// The side that scores when the ball is wholly inside a goal: a ball in the left goal is
/// the right side's goal.
pub fn goal_at(ball: Vec2) -> Option<Side> {
    let under_bar = ball.y < GROUND_TOP + GOAL_HEIGHT;
    if !under_bar {
        return None;
    }
    if ball.x + BALL_RADIUS < -GOAL_LINE_X {
        Some(Side::Right)
    } else if ball.x - BALL_RADIUS > GOAL_LINE_X {
        Some(Side::Left)
    } else {
        None
    }
}

#[allow(clippy::too_many_arguments)]
pub fn advance_phase(
    mut state: ResMut<MatchState>,
    settings: Res<MatchSettings>,
    mut goals: EventWriter<GoalScored>,
    mut ended: EventWriter<MatchEnded>,
    mut players: PlayerBodies<'_, '_>,
    mut ball: BallBody<'_, '_>,
    mut rng: ResMut<MatchRng>,
    mut memory: ResMut<AiMemory>,
) {
    if state.paused {
        return;
    }
    match state.phase {
        MatchPhase::Waiting | MatchPhase::Finished => return,
        MatchPhase::Kickoff { remaining } => {
            state.phase = if remaining <= 1 {
                MatchPhase::Playing
            } else {
                MatchPhase::Kickoff {
                    remaining: remaining - 1,
                }
            };
        }
        MatchPhase::Playing => {
            let ball_position = ball
                .single()
                .map(|(position, _, _)| position.0)
                .unwrap_or(BALL_START);
            if let Some(scorer) = goal_at(ball_position) {
                state.score[side_index(scorer)] += 1;
                state.last_scorer = Some(scorer);
                goals.write(GoalScored {
                    scorer,
                    left: state.score[0],
                    right: state.score[1],
                });
                state.phase = if state.goals(scorer) >= settings.goals_to_win {
                    MatchPhase::Finished
                } else {
                    MatchPhase::GoalPause {
                        remaining: GOAL_PAUSE_TICKS,
                    }
                };
            }
        }
        MatchPhase::GoalPause { remaining } => {
            if remaining <= 1 {
                let ball_start = rng.kickoff_ball();
                memory.kickoff(&mut rng);
                reset_positions(&mut players, &mut ball, ball_start);
                state.phase = MatchPhase::Kickoff {
                    remaining: KICKOFF_TICKS,
                };
            } else {
                state.phase = MatchPhase::GoalPause {
                    remaining: remaining - 1,
                };
            }
        }
    }
    // The final whistle: at the time limit, whatever is happening.
    if state.phase != MatchPhase::Finished && state.tick >= settings.match_ticks {
        state.phase = MatchPhase::Finished;
    }
    if state.phase == MatchPhase::Finished {
        ended.write(MatchEnded {
            left: state.score[0],
            right: state.score[1],
            ticks: state.tick,
        });
    }
}

/// The stuck-ball rule: a ball that stays still above the ground (on a crossbar, on a head)
/// for [`STUCK_BALL_TICKS`] is dropped back into play from above the centre spot, as at a
/// kickoff; the players stay where they are.
pub fn drop_stuck_ball(mut state: ResMut<MatchState>, mut ball: BallBody<'_, '_>) {
    if state.paused {
        return;
    }
    if state.phase != MatchPhase::Playing {
        state.ball_stuck_ticks = 0;
        return;
    }
    let Ok((mut position, mut velocity, mut spin)) = ball.single_mut() else {
        return;
    };
    let above_ground = position.y > GROUND_TOP + BALL_RADIUS + 4.0;
    if !above_ground || velocity.length() > STUCK_BALL_SPEED {
        state.ball_stuck_ticks = 0;
        return;
    }
    state.ball_stuck_ticks += 1;
    if state.ball_stuck_ticks >= STUCK_BALL_TICKS {
        state.ball_stuck_ticks = 0;
        position.0 = BALL_START;
        velocity.0 = Vec2::ZERO;
        spin.0 = 0.0;
    }
}

/// Feeds a recorded match back in, tick by tick: the people's sides only. The computer's
/// side is always played by the computer (it runs after this), whatever a record holds.
pub fn replay_inputs(
    source: Res<ReplaySource>,
    state: Res<MatchState>,
    settings: Res<MatchSettings>,
    mut inputs: ResMut<TickInputs>,
) {
    if let Some(frames) = &source.frames {
        let [left, right] = frames.get(state.tick as usize).copied().unwrap_or([0, 0]);
        inputs.left = left;
        if recorded_sides(settings.mode) == 2 {
            inputs.right = right;
        }
    }
}

pub fn record_inputs(inputs: Res<TickInputs>, mut log: ResMut<InputLog>) {
    log.frames.push([inputs.left, inputs.right]);
}

/// One tick played; presses are used up by the tick that saw them.
pub fn advance_clock(mut state: ResMut<MatchState>, mut inputs: ResMut<TickInputs>) {
    state.tick += 1;
    let presses = input::JUMP_PRESSED | input::KICK_PRESSED;
    inputs.left &= !presses;
    inputs.right &= !presses;
}

/// Physics stands still on the title screen, when paused and after the final whistle.
pub fn pause_physics_outside_matches(state: Res<MatchState>, mut time: ResMut<Time<Physics>>) {
    let running = in_match(state);
    if running && time.is_paused() {
        time.unpause();
    } else if !running && !time.is_paused() {
        time.pause();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_ball_must_cross_the_line() {
        let low = GROUND_TOP + BALL_RADIUS;
        assert_eq!(
            goal_at(Vec2::new(-GOAL_LINE_X - BALL_RADIUS - 1.0, low)),
            Some(Side::Right)
        );
        assert_eq!(
            goal_at(Vec2::new(-GOAL_LINE_X - BALL_RADIUS + 1.0, low)),
            None
        );
        assert_eq!(
            goal_at(Vec2::new(GOAL_LINE_X + BALL_RADIUS + 1.0, low)),
            Some(Side::Left)
        );
        // Over the crossbar is no goal.
        assert_eq!(
            goal_at(Vec2::new(
                GOAL_LINE_X + 40.0,
                GROUND_TOP + GOAL_HEIGHT + 30.0
            )),
            None
        );
    }
}
