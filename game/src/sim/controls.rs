//! Inputs into motion: running, jumping (with coyote time and jump cut) and kicking.

use avian2d::prelude::*;
use bevy::prelude::*;
use protocol::record::input;

use super::constants::*;
use super::rules::{MatchPhase, MatchState};
use super::{Ball, Player, TickInputs};

/// Standing on the pitch (with a little slack for the contact solver).
pub fn grounded(position: Vec2, velocity: Vec2) -> bool {
    position.y - PLAYER_RADIUS <= GROUND_TOP + 2.0 && velocity.y <= 1.0
}

pub fn apply_controls(
    inputs: Res<TickInputs>,
    state: Res<MatchState>,
    mut players: Query<(&mut Player, &Position, &mut LinearVelocity), Without<Ball>>,
    mut ball: Query<(&Position, &mut LinearVelocity), With<Ball>>,
) {
    let playing = state.phase == MatchPhase::Playing;
    let Ok((ball_position, mut ball_velocity)) = ball.single_mut() else {
        return;
    };
    // Left first, then right: the order of two kicks in one tick is part of the rules.
    let mut ordered: Vec<_> = players.iter_mut().collect();
    ordered.sort_by_key(|(player, _, _)| player.attack_direction() < 0.0);
    for (mut player, position, mut velocity) in ordered {
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
                ball_velocity.0 = kicked;
            }
        }
    }
}

/// The ball's new velocity if it is within reach: mostly toward the opponent's goal, partly
/// along the line from head to ball, and lifted.
pub fn kick(player: &Player, head: Vec2, ball: Vec2) -> Option<Vec2> {
    let offset = ball - head;
    let gap = offset.length() - PLAYER_RADIUS - BALL_RADIUS;
    if gap > KICK_RANGE {
        return None;
    }
    let toward_goal = Vec2::new(player.attack_direction(), 0.0);
    let direction = (toward_goal + offset.normalize_or_zero() * 0.5).normalize_or(toward_goal);
    Some(direction * KICK_SPEED + Vec2::Y * KICK_LIFT)
}
