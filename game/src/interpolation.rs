//! Smooth motion between fixed ticks: the simulation steps at 60 Hz, a 120 or 144 Hz screen
//! draws two or more frames per tick, and drawing each body where its last tick left it
//! judders. Each moving body's looks (a [`Look`] child) are drawn between its last two tick
//! states, by how far the clock is into the next tick (`Time<Fixed>::overstep_fraction`).
//!
//! Only the looks move: the body's own `Transform` is the physics' (avian reads a changed
//! `Transform` back into the body's position), so interpolating it would feed into the
//! simulation. A `Look` child's local transform is set so that, under its body's transform,
//! it lands at the interpolated place; the simulation and its records are untouched. Drawing
//! lags the simulation by at most one tick (16.7 ms), as all interpolation does.

use avian2d::prelude::*;
use bevy::prelude::*;
use bevy::transform::TransformSystem;

#[derive(Debug)]
pub struct InterpolationPlugin;

impl Plugin for InterpolationPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(
            FixedPostUpdate,
            remember_tick_states.after(PhysicsSet::Sync),
        )
        .add_systems(
            PostUpdate,
            place_looks.before(TransformSystem::TransformPropagate),
        );
    }
}

/// A moving body drawn between its ticks: its [`Look`] children are.
#[derive(Component, Debug, Default)]
pub struct Interpolated;

/// What a moving body is drawn as: a child entity placed between the body's last two ticks.
#[derive(Component, Debug, Default)]
pub struct Look;

/// A body's state after each of its last two ticks.
#[derive(Component, Debug, Clone, Copy)]
pub struct TickStates {
    previous: (Vec2, f32),
    current: (Vec2, f32),
}

impl TickStates {
    fn at(position: Vec2, angle: f32) -> Self {
        Self {
            previous: (position, angle),
            current: (position, angle),
        }
    }

    /// Where to draw, `alpha` (0..1) of the way from the previous tick to the current one.
    pub fn between(&self, alpha: f32) -> (Vec2, f32) {
        let (from, from_angle) = self.previous;
        let (to, to_angle) = self.current;
        // The shorter way round.
        let turn = (to_angle - from_angle + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU)
            - std::f32::consts::PI;
        (from.lerp(to, alpha), from_angle + turn * alpha)
    }
}

fn remember_tick_states(
    mut commands: Commands,
    mut bodies: Query<(Entity, &Position, &Rotation, Option<&mut TickStates>), With<Interpolated>>,
) {
    for (entity, position, rotation, states) in &mut bodies {
        match states {
            Some(mut states) => {
                states.previous = states.current;
                states.current = (position.0, rotation.as_radians());
            }
            None => {
                commands
                    .entity(entity)
                    .insert(TickStates::at(position.0, rotation.as_radians()));
            }
        }
    }
}

fn place_looks(
    time: Res<Time<Fixed>>,
    bodies: Query<(&TickStates, &Children)>,
    mut looks: Query<&mut Transform, With<Look>>,
) {
    let alpha = time.overstep_fraction();
    for (states, children) in &bodies {
        let (drawn, drawn_angle) = states.between(alpha);
        let (now, now_angle) = states.current;
        // Under the body's transform (at `now`, turned by `now_angle`).
        let unturn = Quat::from_rotation_z(-now_angle);
        for child in children {
            if let Ok(mut look) = looks.get_mut(*child) {
                let offset = unturn * (drawn - now).extend(0.0);
                look.translation.x = offset.x;
                look.translation.y = offset.y;
                look.rotation = Quat::from_rotation_z(drawn_angle - now_angle);
            }
        }
    }
}
