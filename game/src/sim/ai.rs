//! The computer opponent. It plays with the same inputs a person has (run, jump, kick),
//! decided from what it saw a few ticks ago (its reaction time), so it can be outplayed.
//! It fetches the ball from behind so that running into it pushes it toward the other goal,
//! drops back between the ball and its own goal when the ball is past it, jumps for high
//! balls and kicks when the ball is in reach and in front of it. Deterministic: no
//! randomness, only the match state.

use std::collections::VecDeque;

use avian2d::prelude::*;
use bevy::prelude::*;
use protocol::messages::Side;
use protocol::record::input;
use protocol::{Difficulty, GameMode};

use super::constants::*;
use super::{Ball, MatchSettings, Player, TickInputs};

/// How a difficulty plays.
#[derive(Debug, Clone, Copy)]
pub struct Skill {
    /// Ticks between seeing the ball and acting on it.
    pub reaction_ticks: usize,
    /// How far from the ideal spot it is content to stand.
    pub slack: f32,
    /// Whether it jumps for high balls.
    pub jumps: bool,
    /// Ticks between decisions to kick.
    pub kick_every: u32,
}

pub fn skill(difficulty: Difficulty) -> Skill {
    match difficulty {
        Difficulty::Easy => Skill {
            reaction_ticks: 18,
            slack: 40.0,
            jumps: false,
            kick_every: 20,
        },
        Difficulty::Normal => Skill {
            reaction_ticks: 9,
            slack: 20.0,
            jumps: true,
            kick_every: 8,
        },
        Difficulty::Hard => Skill {
            reaction_ticks: 3,
            slack: 8.0,
            jumps: true,
            kick_every: 1,
        },
    }
}

/// What the computer remembers between ticks: where the ball was recently.
#[derive(Resource, Debug, Default, Clone)]
pub struct AiMemory {
    ball_history: VecDeque<(Vec2, Vec2)>,
    ticks: u32,
}

pub fn computer_inputs(
    settings: Res<MatchSettings>,
    mut memory: ResMut<AiMemory>,
    mut inputs: ResMut<TickInputs>,
    players: Query<(&Player, &Position, &LinearVelocity), Without<Ball>>,
    ball: Query<(&Position, &LinearVelocity), With<Ball>>,
) {
    let GameMode::VsComputer { difficulty } = settings.mode else {
        return;
    };
    let skill = skill(difficulty);
    let Ok((ball_position, ball_velocity)) = ball.single() else {
        return;
    };
    memory
        .ball_history
        .push_back((ball_position.0, ball_velocity.0));
    while memory.ball_history.len() > skill.reaction_ticks + 1 {
        memory.ball_history.pop_front();
    }
    memory.ticks += 1;
    let (seen_ball, seen_velocity) = memory.ball_history.front().copied().unwrap_or_default();
    let Some((me, position, velocity)) = players.iter().find(|(p, _, _)| p.side == Side::Right)
    else {
        return;
    };
    let bits = decide(
        me,
        position.0,
        velocity.0,
        seen_ball,
        seen_velocity,
        skill,
        memory.ticks,
    );
    inputs.right = bits;
}

/// One decision: the input bits for this tick.
pub fn decide(
    me: &Player,
    at: Vec2,
    velocity: Vec2,
    ball: Vec2,
    ball_velocity: Vec2,
    skill: Skill,
    tick: u32,
) -> u8 {
    let attack = me.attack_direction();
    let own_goal_x = -attack * HALF_WIDTH;
    // Where the ball will be shortly, so it meets the ball instead of chasing it.
    let ball_soon = ball + ball_velocity * 0.15;
    let ball_is_past_me = (ball_soon.x - at.x) * attack < 0.0;
    let target_x = if ball_is_past_me {
        // Get back around the ball, on the side of our own goal.
        ball_soon.x - attack * (PLAYER_RADIUS + BALL_RADIUS + 30.0)
    } else if (ball_soon.x - own_goal_x).abs() > HALF_WIDTH * 1.2
        && ball_velocity.x * attack > 300.0
    {
        // The ball is far away and flying toward their goal: hold a midfield position.
        own_goal_x + attack * HALF_WIDTH * 0.6
    } else {
        // Behind the ball, so contact pushes it toward their goal.
        ball_soon.x - attack * (PLAYER_RADIUS + BALL_RADIUS - 6.0)
    };
    let mut bits = 0;
    if target_x < at.x - skill.slack {
        bits |= input::LEFT;
    } else if target_x > at.x + skill.slack {
        bits |= input::RIGHT;
    }
    let close = (ball.x - at.x).abs() < PLAYER_RADIUS + BALL_RADIUS + 30.0;
    let high = ball.y > at.y + PLAYER_RADIUS && ball.y < at.y + 200.0;
    if skill.jumps && close && high && super::controls::grounded(at, velocity) {
        bits |= input::JUMP_PRESSED | input::JUMP_HELD;
    } else if velocity.y > 0.0 {
        bits |= input::JUMP_HELD;
    }
    let in_front = (ball.x - at.x) * attack > -PLAYER_RADIUS * 0.5;
    let reachable = super::controls::kick(me, at, ball).is_some();
    if in_front && reachable && tick.is_multiple_of(skill.kick_every) {
        bits |= input::KICK_PRESSED;
    }
    bits
}
