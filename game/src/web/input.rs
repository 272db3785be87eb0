//! The keyboard, with touch and gamepad (`devices.rs`), into each tick's inputs. Presses are
//! latched until the simulation uses them, so a quick tap between two ticks is never lost.
//! Touch and gamepad play the left side (the one player against the computer, the first of
//! two).

use bevy::input::InputSystem;
use bevy::prelude::*;
use protocol::GameMode;
use protocol::messages::Side;
use protocol::record::input;

use super::Lineup;
use super::devices::{DeviceInputs, DevicesRead};
use crate::sim::TickInputs;

#[derive(Debug)]
pub struct KeyboardPlugin;

impl Plugin for KeyboardPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(
            PreUpdate,
            read_keyboard.after(InputSystem).after(DevicesRead),
        );
    }
}

struct Keys {
    left: &'static [KeyCode],
    right: &'static [KeyCode],
    jump: &'static [KeyCode],
    kick: &'static [KeyCode],
}

/// Alone against the computer: WASD or the arrows, Space to jump, X to kick.
const SOLO: Keys = Keys {
    left: &[KeyCode::KeyA, KeyCode::ArrowLeft],
    right: &[KeyCode::KeyD, KeyCode::ArrowRight],
    jump: &[KeyCode::Space, KeyCode::KeyW, KeyCode::ArrowUp],
    kick: &[KeyCode::KeyX, KeyCode::KeyK],
};

/// Two players on one keyboard: left A/D, W jumps, S kicks; right the arrows, Up jumps,
/// Down kicks.
const LEFT_OF_TWO: Keys = Keys {
    left: &[KeyCode::KeyA],
    right: &[KeyCode::KeyD],
    jump: &[KeyCode::KeyW],
    kick: &[KeyCode::KeyS],
};
const RIGHT_OF_TWO: Keys = Keys {
    left: &[KeyCode::ArrowLeft],
    right: &[KeyCode::ArrowRight],
    jump: &[KeyCode::ArrowUp],
    kick: &[KeyCode::ArrowDown],
};

fn bits(keys: &Keys, keyboard: &ButtonInput<KeyCode>, latched: u8) -> u8 {
    let held = |codes: &[KeyCode]| keyboard.any_pressed(codes.iter().copied());
    let pressed = |codes: &[KeyCode]| keyboard.any_just_pressed(codes.iter().copied());
    let mut bits = latched & (input::JUMP_PRESSED | input::KICK_PRESSED);
    if held(keys.left) {
        bits |= input::LEFT;
    }
    if held(keys.right) {
        bits |= input::RIGHT;
    }
    if held(keys.jump) {
        bits |= input::JUMP_HELD;
    }
    if pressed(keys.jump) {
        bits |= input::JUMP_PRESSED;
    }
    if pressed(keys.kick) {
        bits |= input::KICK_PRESSED;
    }
    bits
}

fn read_keyboard(
    keyboard: Res<ButtonInput<KeyCode>>,
    devices: Res<DeviceInputs>,
    lineup: Res<Lineup>,
    mut inputs: ResMut<TickInputs>,
) {
    if lineup.watching {
        return;
    }
    let from_devices = devices.held | devices.pressed;
    match lineup.mode {
        GameMode::VsComputer { .. } => {
            let left = bits(&SOLO, &keyboard, inputs.get(Side::Left)) | from_devices;
            inputs.set(Side::Left, left);
        }
        GameMode::LocalTwoPlayer => {
            let left = bits(&LEFT_OF_TWO, &keyboard, inputs.get(Side::Left)) | from_devices;
            let right = bits(&RIGHT_OF_TWO, &keyboard, inputs.get(Side::Right));
            inputs.set(Side::Left, left);
            inputs.set(Side::Right, right);
        }
    }
}
