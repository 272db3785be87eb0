//! The computer opponent. It plays with the same inputs a person has (run, jump, kick),
//! decided from what it saw a few ticks ago (its reaction time), so it can be outplayed.
//! It fetches the ball from behind so that running into it pushes it toward the other goal,
//! drops back between the ball and its own goal when the ball is past it, jumps for high
//! balls and kicks when the ball is in reach and in front of it. The hard computer also reads
//! the ball's flight to be where it comes down. Deterministic: from version 4 its reaction
//! time is a tick longer half the time and the rhythm of its jumps and kicks shifts at every
//! kick-off, drawn from the match's seed (`chance`), and nothing else varies.
//! `tests/difficulty.rs` measures that each level beats the one below.

use std::collections::VecDeque;

use avian2d::prelude::*;
use bevy::prelude::*;
use protocol::messages::Side;
use protocol::record::input;
use protocol::{Difficulty, GameMode};

use super::chance::MatchRng;
use super::constants::*;
use super::{Ball, MatchSettings, Player, TickInputs};

/// How a difficulty plays.
#[derive(Debug, Clone, Copy)]
pub struct Skill {
    /// Ticks between seeing the ball and acting on it.
    pub reaction_ticks: usize,
    /// How far from the ideal spot it is content to stand.
    pub slack: f32,
    /// Ticks between chances to jump for a high ball (0: it never jumps).
    pub jump_every: u32,
    /// Ticks between decisions to kick.
    pub kick_every: u32,
    /// Whether it reads the ball's flight (gravity, the end walls) to be where it comes down,
    /// rather than where it is heading in a straight line.
    pub reads_flight: bool,
}

pub fn skill(difficulty: Difficulty) -> Skill {
    match difficulty {
        Difficulty::Easy => Skill {
            reaction_ticks: 18,
            slack: 40.0,
            jump_every: 0,
            kick_every: 20,
            reads_flight: false,
        },
        Difficulty::Normal => Skill {
            reaction_ticks: 9,
            slack: 20.0,
            jump_every: 1,
            kick_every: 8,
            reads_flight: false,
        },
        Difficulty::Hard => Skill {
            reaction_ticks: 3,
            slack: 8.0,
            jump_every: 4,
            kick_every: 1,
            reads_flight: true,
        },
    }
}

/// What the computer remembers between ticks: where the ball was recently.
#[derive(Resource, Debug, Default, Clone)]
pub struct AiMemory {
    ball_history: VecDeque<(Vec2, Vec2)>,
    ticks: u32,
    /// Shifts the ticks on which it may jump and kick; drawn at every kick-off.
    rhythm: u32,
}

impl AiMemory {
    /// A kick-off: a new rhythm (0 in an unseeded match).
    pub fn kickoff(&mut self, rng: &mut MatchRng) {
        self.rhythm = rng.below(60);
    }

    /// This tick's input bits for the computer playing `me`, which sees the ball as it was
    /// `skill.reaction_ticks` ago (or a tick earlier, half the time, in a seeded match).
    pub fn think(
        &mut self,
        skill: Skill,
        me: &Player,
        at: Vec2,
        velocity: Vec2,
        ball: (Vec2, Vec2),
        rng: &mut MatchRng,
    ) -> u8 {
        self.ball_history.push_back(ball);
        while self.ball_history.len() > skill.reaction_ticks + 2 {
            self.ball_history.pop_front();
        }
        self.ticks += 1;
        // Up to a tick slower now and then: never quicker than its level.
        let delay = skill.reaction_ticks + rng.below(2) as usize;
        let newest = self.ball_history.len() - 1;
        let (seen_ball, seen_velocity) = self.ball_history[newest.saturating_sub(delay)];
        decide(
            me,
            at,
            velocity,
            seen_ball,
            seen_velocity,
            skill,
            self.ticks + self.rhythm,
        )
    }
}

pub fn computer_inputs(
    settings: Res<MatchSettings>,
    mut memory: ResMut<AiMemory>,
    mut rng: ResMut<MatchRng>,
    mut inputs: ResMut<TickInputs>,
    players: Query<(&Player, &Position, &LinearVelocity), Without<Ball>>,
    ball: Query<(&Position, &LinearVelocity), With<Ball>>,
) {
    let GameMode::VsComputer { difficulty } = settings.mode else {
        return;
    };
    let Ok((ball_position, ball_velocity)) = ball.single() else {
        return;
    };
    let Some((me, position, velocity)) = players.iter().find(|(p, _, _)| p.side == Side::Right)
    else {
        return;
    };
    inputs.right = memory.think(
        skill(difficulty),
        me,
        position.0,
        velocity.0,
        (ball_position.0, ball_velocity.0),
        &mut rng,
    );
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
    let ball_soon = if skill.reads_flight {
        landing(ball, ball_velocity, at.y + PLAYER_RADIUS + BALL_RADIUS)
    } else {
        ball + ball_velocity * 0.15
    };
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
    // Near the ball it closes in exactly (a kick reaches only 6 px past touching); farther
    // away it is content anywhere within its slack of the ideal spot.
    let slack = if (ball.x - at.x).abs() < PLAYER_RADIUS + BALL_RADIUS + 100.0 {
        2.0
    } else {
        skill.slack
    };
    let mut bits = 0;
    if target_x < at.x - slack {
        bits |= input::LEFT;
    } else if target_x > at.x + slack {
        bits |= input::RIGHT;
    }
    let close = (ball.x - at.x).abs() < PLAYER_RADIUS + BALL_RADIUS + 30.0;
    let high = ball.y > at.y + PLAYER_RADIUS && ball.y < at.y + 200.0;
    if skill.jump_every > 0
        && tick.is_multiple_of(skill.jump_every)
        && close
        && high
        && super::controls::grounded(at, velocity)
    {
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

/// Where a flying ball comes down to `height` (a head's reach), following gravity and the
/// end walls, looking at most a second ahead; a ball already below it is where it is heading.
pub fn landing(ball: Vec2, velocity: Vec2, height: f32) -> Vec2 {
    let gravity = GRAVITY * BALL_GRAVITY_SCALE;
    let wall = HALF_WIDTH - BALL_RADIUS;
    let (mut at, mut v) = (ball, velocity);
    let step = 1.0 / 30.0;
    for _ in 0..30 {
        if at.y <= height && v.y <= 0.0 {
            break;
        }
        v.y -= gravity * step;
        at += v * step;
        if at.x.abs() > wall {
            at.x = at.x.signum() * (2.0 * wall - at.x.abs());
            v.x = -v.x * WALL_RESTITUTION;
        }
    }
    at
}
