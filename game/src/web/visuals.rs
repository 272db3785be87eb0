//! How the pitch, the heads and the ball look. Drawn with plain shapes (no image assets), so
//! the download is the code alone.

use bevy::prelude::*;
use bevy::render::camera::ScalingMode;
use protocol::messages::Side;

use crate::interpolation::{Interpolated, Look};
use crate::sim::constants::*;
use crate::sim::{Ball, Player};

#[derive(Debug)]
pub struct VisualsPlugin;

impl Plugin for VisualsPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(ClearColor(SKY))
            .add_systems(Startup, (spawn_camera, spawn_scenery))
            // Bodies are spawned anew at every kickoff.
            .add_systems(Update, dress_bodies);
    }
}

const SKY: Color = Color::srgb(0.35, 0.62, 0.92);
const GRASS: Color = Color::srgb(0.20, 0.62, 0.25);
const GRASS_DARK: Color = Color::srgb(0.17, 0.55, 0.22);
const SOIL: Color = Color::srgb(0.36, 0.25, 0.16);
const POST: Color = Color::srgb(0.97, 0.97, 0.97);
const NET: Color = Color::srgba(1.0, 1.0, 1.0, 0.25);
const STAND: Color = Color::srgb(0.18, 0.20, 0.30);
const BOARD: Color = Color::srgb(0.10, 0.12, 0.22);
// The overlay shows the names in these colours too (game/web/game.css).
const LEFT_COLOUR: Color = Color::srgb(0.20, 0.45, 0.95);
const RIGHT_COLOUR: Color = Color::srgb(0.90, 0.25, 0.25);
const SKIN: Color = Color::srgb(0.98, 0.82, 0.66);

fn spawn_camera(mut commands: Commands) {
    // The whole pitch is always in view, letterboxed to the window's shape.
    commands.spawn((
        Camera2d,
        Projection::from(OrthographicProjection {
            scaling_mode: ScalingMode::AutoMin {
                min_width: FIELD_WIDTH,
                min_height: FIELD_HEIGHT,
            },
            ..OrthographicProjection::default_2d()
        }),
    ));
}

/// Flat rectangles: one unit square scaled to size, one material per colour, so that the
/// crowd's hundreds of heads draw in a handful of batches.
struct Rects<'a> {
    square: Handle<Mesh>,
    materials: &'a mut Assets<ColorMaterial>,
    by_colour: Vec<(Color, Handle<ColorMaterial>)>,
}

impl<'a> Rects<'a> {
    fn new(meshes: &mut Assets<Mesh>, materials: &'a mut Assets<ColorMaterial>) -> Self {
        Self {
            square: meshes.add(Rectangle::new(1.0, 1.0)),
            materials,
            by_colour: Vec::new(),
        }
    }

    fn rect(
        &mut self,
        colour: Color,
        width: f32,
        height: f32,
        x: f32,
        y: f32,
        z: f32,
    ) -> (Mesh2d, MeshMaterial2d<ColorMaterial>, Transform) {
        let material = match self.by_colour.iter().find(|(known, _)| *known == colour) {
            Some((_, material)) => material.clone(),
            None => {
                let material = self.materials.add(colour);
                self.by_colour.push((colour, material.clone()));
                material
            }
        };
        (
            Mesh2d(self.square.clone()),
            MeshMaterial2d(material),
            Transform::from_xyz(x, y, z).with_scale(Vec3::new(width, height, 1.0)),
        )
    }
}

fn spawn_scenery(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    let mut rects = Rects::new(&mut meshes, &mut materials);
    // Stands behind the pitch: a crowd above an advertising board.
    let stand_height = 190.0;
    commands.spawn(rects.rect(
        STAND,
        FIELD_WIDTH,
        stand_height,
        0.0,
        GROUND_TOP + stand_height / 2.0,
        -5.0,
    ));
    commands.spawn(rects.rect(BOARD, FIELD_WIDTH, 26.0, 0.0, GROUND_TOP + 13.0, -4.0));
    // Spectators: rows of heads in a fixed, varied pattern (the same on every load).
    let crowd = [
        LEFT_COLOUR,
        RIGHT_COLOUR,
        Color::srgb(0.95, 0.8, 0.3),
        Color::srgb(0.9, 0.9, 0.9),
        SKIN,
    ];
    for row in 0..5 {
        for column in 0..58 {
            let index = (row * 7 + column * 3 + column / 5) % crowd.len();
            let x =
                -HALF_WIDTH + 14.0 + column as f32 * 23.5 + if row % 2 == 0 { 0.0 } else { 11.0 };
            let y = GROUND_TOP + 44.0 + row as f32 * 29.0;
            commands.spawn(rects.rect(crowd[index].darker(0.25), 14.0, 14.0, x, y, -4.5));
        }
    }
    // The pitch with mown stripes, and the soil below it.
    let stripes = 12;
    let stripe_width = FIELD_WIDTH / stripes as f32;
    for index in 0..stripes {
        let colour = if index % 2 == 0 { GRASS } else { GRASS_DARK };
        let x = -HALF_WIDTH + stripe_width * (index as f32 + 0.5);
        commands.spawn(rects.rect(colour, stripe_width, 24.0, x, GROUND_TOP - 12.0, -1.0));
    }
    commands.spawn(rects.rect(SOIL, FIELD_WIDTH, 40.0, 0.0, GROUND_TOP - 44.0, -1.0));
    commands.spawn(rects.rect(POST, 4.0, 24.0, 0.0, GROUND_TOP - 12.0, -0.9));
    for sign in [-1.0f32, 1.0] {
        let mouth_x = sign * GOAL_LINE_X;
        let middle_x = sign * (HALF_WIDTH - GOAL_DEPTH / 2.0);
        // Net behind the goal line (drawn in front of the ball: the ball is "in the net").
        commands.spawn(rects.rect(
            NET,
            GOAL_DEPTH,
            GOAL_HEIGHT,
            middle_x,
            GROUND_TOP + GOAL_HEIGHT / 2.0,
            3.0,
        ));
        for line in 1..6 {
            let y = GROUND_TOP + GOAL_HEIGHT * line as f32 / 6.0;
            commands.spawn(rects.rect(NET, GOAL_DEPTH, 2.0, middle_x, y, 3.1));
        }
        // Post and crossbar.
        commands.spawn(rects.rect(
            POST,
            8.0,
            GOAL_HEIGHT,
            mouth_x,
            GROUND_TOP + GOAL_HEIGHT / 2.0,
            3.2,
        ));
        commands.spawn(rects.rect(
            POST,
            GOAL_DEPTH + 8.0,
            CROSSBAR_THICKNESS,
            middle_x - sign * 4.0,
            GROUND_TOP + GOAL_HEIGHT + CROSSBAR_THICKNESS / 2.0,
            3.2,
        ));
    }
}

/// Gives the physics bodies their looks: a big head with a headband and eyes that look
/// toward the other goal, and a patched ball. The looks are a child of the body, drawn
/// between ticks (`crate::interpolation`).
fn dress_bodies(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
    players: Query<(Entity, &Player), Added<Player>>,
    ball: Query<Entity, Added<Ball>>,
) {
    let circle = |meshes: &mut Assets<Mesh>, radius: f32| meshes.add(Circle::new(radius));
    for (entity, player) in &players {
        let team = match player.side {
            Side::Left => LEFT_COLOUR,
            Side::Right => RIGHT_COLOUR,
        };
        let look = player.attack_direction();
        let head = circle(&mut meshes, PLAYER_RADIUS);
        let band = meshes.add(Rectangle::new(PLAYER_RADIUS * 2.0 - 4.0, 10.0));
        let eye = circle(&mut meshes, 7.0);
        let pupil = circle(&mut meshes, 3.5);
        let look = commands
            .spawn((Look, Mesh2d(head), MeshMaterial2d(materials.add(SKIN))))
            .with_children(|parent| {
                parent.spawn((
                    Mesh2d(band),
                    MeshMaterial2d(materials.add(team)),
                    Transform::from_xyz(0.0, 16.0, 0.1),
                ));
                for offset in [-9.0, 9.0] {
                    let x = offset + look * 6.0;
                    parent.spawn((
                        Mesh2d(eye.clone()),
                        MeshMaterial2d(materials.add(Color::WHITE)),
                        Transform::from_xyz(x, 2.0, 0.2),
                    ));
                    parent.spawn((
                        Mesh2d(pupil.clone()),
                        MeshMaterial2d(materials.add(Color::BLACK)),
                        Transform::from_xyz(x + look * 3.0, 2.0, 0.3),
                    ));
                }
            })
            .id();
        commands
            .entity(entity)
            .insert((Interpolated, Visibility::Visible))
            .add_child(look);
    }
    for entity in &ball {
        let body = circle(&mut meshes, BALL_RADIUS);
        let patch = circle(&mut meshes, 6.0);
        let look = commands
            .spawn((
                Look,
                Mesh2d(body),
                MeshMaterial2d(materials.add(Color::WHITE)),
            ))
            .with_children(|parent| {
                for (x, y) in [
                    (0.0, 0.0),
                    (13.0, 9.0),
                    (-13.0, 9.0),
                    (8.0, -14.0),
                    (-8.0, -14.0),
                ] {
                    parent.spawn((
                        Mesh2d(patch.clone()),
                        MeshMaterial2d(materials.add(Color::srgb(0.1, 0.1, 0.12))),
                        Transform::from_xyz(x, y, 0.1),
                    ));
                }
            })
            .id();
        commands
            .entity(entity)
            .insert((Interpolated, Visibility::Visible))
            .add_child(look);
    }
}
