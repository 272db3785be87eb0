//! Inputs into motion: running, jumping (with coyote time and jump cut) and kicking.

use avian2d::prelude::*;
use bevy::prelude::*;
use protocol::record::input;

use super::constants::*;
use super::rules::{MatchPhase, MatchState};
use super::{Ball, BallKicked, Player, TickInputs};

/// Standing on the pitch (with a little slack for the contact solver).
pub fn grounded(position: Vec2, velocity: Vec2) -> bool {
    position.y - PLAYER_RADIUS <= GROUND_TOP + 2.0 && velocity.y <= 1.0
}

pub fn apply_controls(
    inputs: Res<TickInputs>,
    state: Res<MatchState>,
    mut players: Query<(&mut Player, &Position, &mut LinearVelocity), Without<Ball>>,
    mut ball: Query<(&Position, &mut LinearVelocity), With<Ball>>,
    mut kicked_events: EventWriter<BallKicked>,
) {
    let playing = state.phase == MatchPhase::Playing;
    let Ok((ball_position, mut ball_velocity)) = ball.single_mut() else {
        return;
    };
    // Two kicks in one tick are settled by `settle_kicks`, whatever the order here.
    let mut kicks = Vec::with_capacity(2);
    for (mut player, position, mut velocity) in &mut players {
        let bits = if playing { inputs.get(player.side) } else { 0 };
        let on_ground = grounded(position.0, velocity.0);
        player.airborne_ticks = if on_ground {
            0
        } else {
            player.airborne_ticks.saturating_add(1)
        };

        let direction = f32::from(u8::from(bits & input::RIGHT != 0))
            - f32::from(u8::from(bits & input::LEFT != 0));
        velocity.x = direction * RUN_SPEED;

        if bits & input::JUMP_PRESSED != 0
            && player.airborne_ticks <= COYOTE_TICKS
            && !player.rising_from_jump
        {
            velocity.y = JUMP_SPEED;
            player.rising_from_jump = true;
            // The coyote window is spent.
            player.airborne_ticks = COYOTE_TICKS + 1;
        } else if player.rising_from_jump {
            if velocity.y <= 0.0 {
                player.rising_from_jump = false;
            } else if bits & input::JUMP_HELD == 0 {
                velocity.y *= JUMP_CUT;
                player.rising_from_jump = false;
            }
        }

        player.kick_cooldown = player.kick_cooldown.saturating_sub(1);
        if bits & input::KICK_PRESSED != 0 && player.kick_cooldown == 0 {
            player.kick_cooldown = KICK_COOLDOWN_TICKS;
            if let Some(kicked) = kick(&player, position.0, ball_position.0) {
                kicks.push(((position.0 - ball_position.0).length(), kicked));
            }
        }
    }
    if let Some(kicked) = settle_kicks(&kicks) {
        ball_velocity.0 = kicked;
        kicked_events.write(BallKicked);
    }
}

/// The ball's velocity when one or two heads kick it in the same tick: the closer head's
/// kick, or, when both are equally close (within a pixel), the average of the two, so that
/// neither side wins a tie by the order the systems see the players in.
/// Each kick is (distance from head to ball, kicked velocity).
pub fn settle_kicks(kicks: &[(f32, Vec2)]) -> Option<Vec2> {
    match kicks {
        [] => None,
        [(_, only)] => Some(*only),
        [(first_distance, first), (second_distance, second), ..] => {
            Some(if (first_distance - second_distance).abs() <= 1.0 {
                (*first + *second) * 0.5
            } else if first_distance < second_distance {
                *first
            } else {
                *second
            })
        }
    }
}

/// The ball's new velocity if it is within reach (centre to centre): away from the head,
/// bent toward the opponent's goal, and lifted. However the ball lies, it leaves the head:
/// a ball behind the kicker goes backward, never through the kicker's own head.
pub fn kick(player: &Player, head: Vec2, ball: Vec2) -> Option<Vec2> {
    let offset = ball - head;
    if offset.length() > KICK_RANGE {
        return None;
    }
    let toward_goal = Vec2::new(player.attack_direction(), 0.0);
    let away = offset.normalize_or(Vec2::Y);
    // `away` outweighs the bend, so the direction is always within 90° of `away`.
    let direction = (away + toward_goal * 0.5).normalize_or(away);
    Some(direction * KICK_SPEED + Vec2::Y * KICK_LIFT)
}
