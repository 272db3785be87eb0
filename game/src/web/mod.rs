//! The browser game: window, keyboard, touch and gamepad, sound, visuals drawn between ticks, the HTML overlay (title, score, banners,
//! menus) and the page bridge around the headless simulation. Compiled only for wasm32.

mod away;
mod bridge;
mod devices;
mod engine;
mod hud;
mod input;
mod sound;
mod visuals;

use bevy::asset::AssetMetaCheck;
use bevy::prelude::*;
use protocol::{Difficulty, GameMode};
use wasm_bindgen::prelude::*;

use crate::sim::SimulationPlugin;

/// What the next kickoff will be: chosen on the title screen, or set by the page.
#[derive(Resource, Debug, Clone)]
pub struct Lineup {
    pub mode: GameMode,
    /// The signed-in player's name from the page; "You" when playing standalone.
    pub player_name: String,
    /// Inside the site's page: wait for its `Start` before kicking off.
    pub embedded: bool,
    /// The page has said who is playing.
    pub page_ready: bool,
    /// Asked the page to start a match; waiting for its `Kickoff`.
    pub requesting: bool,
    /// Why the last kick-off was refused, shown on the title screen.
    pub notice: Option<String>,
    /// Playing a stored match back: no kick-offs, no keyboard.
    pub watching: bool,
}

impl Default for Lineup {
    fn default() -> Self {
        Self {
            mode: GameMode::VsComputer {
                difficulty: Difficulty::Normal,
            },
            player_name: "You".into(),
            embedded: false,
            page_ready: false,
            requesting: false,
            notice: None,
            watching: false,
        }
    }
}

impl Lineup {
    pub fn can_kick_off(&self) -> bool {
        !self.watching && !self.requesting && (!self.embedded || self.page_ready)
    }
}

/// The player asked to kick off inside the site: the bridge asks the page for a match.
#[derive(Event, Debug, Clone, Copy)]
pub struct KickoffRequest;

/// Marks the moment the first frame has been drawn (`performance.mark`), for the page and the
/// browser tests' start-up figures. FrameCount reaches 1 once frame 0, rendered after the
/// main world's update, has been submitted.
fn mark_first_frame(frames: Res<bevy::diagnostic::FrameCount>, mut marked: Local<bool>) {
    if *marked || frames.0 < 1 {
        return;
    }
    *marked = true;
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        let _ = performance.mark("stellar-heads:first-frame");
    }
}

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    App::new()
        .add_plugins(
            engine::EnginePlugins
                .set(engine::BrowserWindowPlugin {
                    primary_window: Window {
                        title: "Stellar Heads".into(),
                        canvas: Some("#game".into()),
                        fit_canvas_to_parent: true,
                        // Arrow keys and space must move players, not scroll the page.
                        prevent_default_event_handling: true,
                        ..default()
                    },
                })
                // Nothing is loaded from the server, so never ask it for `.meta` files.
                .set(AssetPlugin {
                    meta_check: AssetMetaCheck::Never,
                    ..default()
                }),
        )
        .init_resource::<Lineup>()
        .add_plugins((
            SimulationPlugin,
            input::KeyboardPlugin,
            devices::DevicesPlugin,
            sound::SoundPlugin,
            crate::interpolation::InterpolationPlugin,
            visuals::VisualsPlugin,
            hud::HudPlugin,
            away::AwayPlugin,
            bridge::PageBridgePlugin,
        ))
        .add_systems(First, mark_first_frame)
        .run();
}
