//! Touch and gamepad controls, beside the keyboard (`input.rs`).
//!
//! Touch: the page's on-screen buttons (`#touch` in game/web/index.html: move left and
//! right, jump, kick). Each button follows its own pointers, so a thumb can hold "right"
//! while the other taps "jump" (multi-touch); a pointer is captured by the button it went
//! down on, so sliding off it does not leave it stuck. Gamepad: the browser's Gamepad API
//! with the standard mapping, polled every frame: the left stick or the d-pad moves, A
//! jumps, B or X kicks, Start kicks off and pauses.
//!
//! Both write [`DeviceInputs`], which the keyboard's system merges into the player's side.
//! The page shows the controls of the device last used: the body's `data-input` is
//! `touch`, `gamepad` or `keyboard` (game.css shows and hides the controls and hints).

use std::cell::RefCell;
use std::rc::Rc;

use bevy::prelude::*;
use protocol::record::input;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, PointerEvent};

#[derive(Debug)]
pub struct DevicesPlugin;

impl Plugin for DevicesPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<DeviceInputs>()
            .add_systems(Startup, attach_touch_controls)
            .add_systems(
                PreUpdate,
                (read_touch, read_gamepad, show_device_in_use)
                    .chain()
                    .in_set(DevicesRead)
                    .after(bevy::input::InputSystem),
            );
    }
}

/// Touch and gamepad are read: the keyboard's merge runs after this.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct DevicesRead;

/// This frame's touch and gamepad inputs for the player's side: what is held (move and
/// jump bits) and what was pressed since the last frame (jump and kick presses), plus the
/// gamepad's Start.
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct DeviceInputs {
    pub held: u8,
    pub pressed: u8,
    pub start: bool,
    /// The gamepad was in use this frame.
    pub gamepad: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Device {
    Keyboard,
    Touch,
    Gamepad,
}

impl Device {
    fn name(self) -> &'static str {
        match self {
            Self::Keyboard => "keyboard",
            Self::Touch => "touch",
            Self::Gamepad => "gamepad",
        }
    }
}

/// What the on-screen buttons hold, shared with their pointer listeners.
#[derive(Default)]
struct TouchState {
    /// For each button (left, right, jump, kick), the pointers down on it.
    pointers: [Vec<i32>; 4],
    /// Presses since the last frame.
    pressed: u8,
    used: bool,
}

/// The input bits of each on-screen button, in `data-touch` order.
const TOUCH_BUTTONS: [(&str, u8, u8); 4] = [
    ("left", input::LEFT, 0),
    ("right", input::RIGHT, 0),
    ("jump", input::JUMP_HELD, input::JUMP_PRESSED),
    ("kick", 0, input::KICK_PRESSED),
];

/// The on-screen buttons' shared state (browser objects: main thread only).
struct TouchControls(Rc<RefCell<TouchState>>);

fn attach_touch_controls(world: &mut World) {
    match listen_to_touch_buttons() {
        Ok(controls) => {
            world.insert_non_send_resource(controls);
        }
        Err(problem) => warn!("no touch controls: {problem}"),
    }
}

fn listen_to_touch_buttons() -> Result<TouchControls, String> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let state = Rc::new(RefCell::new(TouchState::default()));
    for (index, (name, _, press)) in TOUCH_BUTTONS.iter().enumerate() {
        let button = document
            .query_selector(&format!("[data-touch={name}]"))
            .ok()
            .flatten()
            .ok_or_else(|| format!("the game's page has no [data-touch={name}] button"))?;
        let down = {
            let state = Rc::clone(&state);
            let button = button.clone();
            let press = *press;
            Closure::<dyn FnMut(PointerEvent)>::new(move |event: PointerEvent| {
                event.prevent_default();
                // Held until this pointer is lifted, wherever it goes meanwhile.
                let _ = button.set_pointer_capture(event.pointer_id());
                let mut state = state.borrow_mut();
                if !state.pointers[index].contains(&event.pointer_id()) {
                    state.pointers[index].push(event.pointer_id());
                }
                state.pressed |= press;
                state.used = true;
            })
        };
        let up = {
            let state = Rc::clone(&state);
            Closure::<dyn FnMut(PointerEvent)>::new(move |event: PointerEvent| {
                state.borrow_mut().pointers[index].retain(|id| *id != event.pointer_id());
            })
        };
        listen(&button, "pointerdown", &down)?;
        for lifted in ["pointerup", "pointercancel", "lostpointercapture"] {
            listen(&button, lifted, &up)?;
        }
        // The buttons live as long as the page.
        down.forget();
        up.forget();
    }
    Ok(TouchControls(state))
}

fn listen(
    target: &Element,
    event: &str,
    handler: &Closure<dyn FnMut(PointerEvent)>,
) -> Result<(), String> {
    target
        .add_event_listener_with_callback(event, handler.as_ref().unchecked_ref())
        .map_err(|_| format!("cannot listen to {event}"))
}

/// The device the player used last, for the page's controls and hints.
#[derive(Default)]
struct LastUsed(Option<Device>);

fn read_touch(controls: Option<NonSend<TouchControls>>, mut inputs: ResMut<DeviceInputs>) {
    *inputs = DeviceInputs::default();
    let Some(controls) = controls else { return };
    let mut state = controls.0.borrow_mut();
    for (index, (_, held, _)) in TOUCH_BUTTONS.iter().enumerate() {
        if !state.pointers[index].is_empty() {
            inputs.held |= held;
        }
    }
    inputs.pressed |= std::mem::take(&mut state.pressed);
}

/// Standard-mapping buttons (https://w3c.github.io/gamepad/#remapping).
mod pad {
    pub const A: u32 = 0;
    pub const B: u32 = 1;
    pub const X: u32 = 2;
    pub const START: u32 = 9;
    pub const LEFT: u32 = 14;
    pub const RIGHT: u32 = 15;
    /// How far the stick must lean to move.
    pub const DEAD_ZONE: f64 = 0.5;
}

/// The first connected gamepad's state last frame: jump, kick and Start fire on the press.
#[derive(Default)]
struct PadMemory {
    jump: bool,
    kick: bool,
    start: bool,
}

fn read_gamepad(mut inputs: ResMut<DeviceInputs>, mut memory: Local<PadMemory>) {
    let Some(gamepad) = first_gamepad() else {
        *memory = PadMemory::default();
        return;
    };
    let pressed = |index: u32| {
        gamepad
            .buttons()
            .get(index)
            .dyn_into::<web_sys::GamepadButton>()
            .map(|button| button.pressed())
            .unwrap_or_else(|value| {
                // A gamepad object that is not the browser's own (a test's): read it as
                // plain JavaScript.
                js_sys::Reflect::get(&value, &"pressed".into())
                    .ok()
                    .and_then(|pressed| pressed.as_bool())
                    .unwrap_or(false)
            })
    };
    let stick = gamepad.axes().get(0).as_f64().unwrap_or(0.0);
    let mut held = 0;
    if stick < -pad::DEAD_ZONE || pressed(pad::LEFT) {
        held |= input::LEFT;
    }
    if stick > pad::DEAD_ZONE || pressed(pad::RIGHT) {
        held |= input::RIGHT;
    }
    let jump = pressed(pad::A);
    let kick = pressed(pad::B) || pressed(pad::X);
    let start = pressed(pad::START);
    if jump {
        held |= input::JUMP_HELD;
        if !memory.jump {
            inputs.pressed |= input::JUMP_PRESSED;
        }
    }
    if kick && !memory.kick {
        inputs.pressed |= input::KICK_PRESSED;
    }
    inputs.start = start && !memory.start;
    inputs.held |= held;
    inputs.gamepad = held != 0 || jump || kick || start;
    *memory = PadMemory { jump, kick, start };
}

/// The first connected gamepad with the standard mapping, if any.
fn first_gamepad() -> Option<web_sys::Gamepad> {
    let pads = web_sys::window()?.navigator().get_gamepads().ok()?;
    pads.iter()
        .filter(|pad| !pad.is_null() && !pad.is_undefined())
        .map(|pad| pad.unchecked_into::<web_sys::Gamepad>())
        .find(|pad| pad.connected() && pad.mapping() == web_sys::GamepadMappingType::Standard)
}

fn show_device_in_use(
    inputs: Res<DeviceInputs>,
    keyboard: Res<ButtonInput<KeyCode>>,
    controls: Option<NonSend<TouchControls>>,
    mut last: Local<LastUsed>,
) {
    let touched =
        controls.is_some_and(|controls| std::mem::take(&mut controls.0.borrow_mut().used));
    let device = if touched {
        Some(Device::Touch)
    } else if inputs.gamepad {
        Some(Device::Gamepad)
    } else if keyboard.get_just_pressed().next().is_some() {
        Some(Device::Keyboard)
    } else {
        None
    };
    let Some(device) = device.filter(|device| last.0 != Some(*device)) else {
        return;
    };
    last.0 = Some(device);
    if let Some(body) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.body())
    {
        let _ = body.set_attribute("data-input", device.name());
    }
}
