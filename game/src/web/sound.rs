//! Sound, synthesised with Web Audio (no sound files: nothing to download): a thump for a
//! kick, a knock for a bounce (as loud as the bounce is hard), a referee's whistle at each
//! kick-off and three at the final whistle, and the crowd's roar at a goal.
//!
//! Browsers let a page make sound only after the player has done something (clicked,
//! tapped, pressed a key), so the audio starts at the first gesture. The sound buttons (on the
//! title screen and in the pause menu, `[data-mute]`) and the M key mute and unmute; the choice is kept in the browser (`localStorage`) for the
//! next visit. Muted, no sound is made at all.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use avian2d::prelude::LinearVelocity;
use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{AudioBuffer, AudioContext, AudioContextState, Element, GainNode, OscillatorType};

use crate::sim::{Ball, BallKicked, GoalScored, MatchEnded, MatchPhase, MatchState};

const MUTED_KEY: &str = "stellar-heads:muted";

#[derive(Debug)]
pub struct SoundPlugin;

impl Plugin for SoundPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, attach)
            .add_systems(Update, (mute_key, play).chain());
    }
}

/// The audio graph, made at the first gesture.
struct Voices {
    context: AudioContext,
    master: GainNode,
    /// A second of noise, the crowd's raw material.
    noise: AudioBuffer,
}

/// Shared with the page's listeners (browser objects: main thread only).
struct Sound {
    voices: Rc<RefCell<Option<Voices>>>,
    muted: Rc<Cell<bool>>,
    buttons: Vec<Element>,
}

fn attach(world: &mut World) {
    match listen() {
        Ok(sound) => {
            world.insert_non_send_resource(sound);
        }
        Err(problem) => warn!("no sound: {problem:?}"),
    }
}

fn listen() -> Result<Sound, wasm_bindgen::JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let muted = Rc::new(Cell::new(
        storage()
            .and_then(|s| s.get_item(MUTED_KEY).ok().flatten())
            .as_deref()
            == Some("1"),
    ));
    let voices = Rc::new(RefCell::new(None));
    let found = document.query_selector_all("[data-mute]")?;
    let buttons: Vec<Element> = (0..found.length())
        .filter_map(|index| found.item(index)?.dyn_into::<Element>().ok())
        .collect();
    show_muted(&buttons, muted.get());

    // The first gesture (and any later one, if the browser suspended the audio) starts it.
    let wake = {
        let voices = Rc::clone(&voices);
        Closure::<dyn FnMut()>::new(move || {
            let mut voices = voices.borrow_mut();
            if voices.is_none() {
                match Voices::new() {
                    Ok(made) => *voices = Some(made),
                    Err(problem) => warn!("no sound: {problem:?}"),
                }
            }
            if let Some(voices) = voices.as_ref()
                && voices.context.state() == AudioContextState::Suspended
            {
                let _ = voices.context.resume();
            }
        })
    };
    for gesture in ["pointerdown", "keydown"] {
        window.add_event_listener_with_callback_and_bool(
            gesture,
            wake.as_ref().unchecked_ref(),
            true,
        )?;
    }
    wake.forget();

    let toggle = {
        let (muted, shown) = (Rc::clone(&muted), buttons.clone());
        Closure::<dyn FnMut()>::new(move || set_muted(&muted, &shown, !muted.get()))
    };
    for button in &buttons {
        button.add_event_listener_with_callback("click", toggle.as_ref().unchecked_ref())?;
    }
    toggle.forget();
    Ok(Sound {
        voices,
        muted,
        buttons,
    })
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn set_muted(muted: &Cell<bool>, buttons: &[Element], now: bool) {
    muted.set(now);
    if let Some(storage) = storage() {
        let _ = storage.set_item(MUTED_KEY, if now { "1" } else { "0" });
    }
    show_muted(buttons, now);
}

fn show_muted(buttons: &[Element], muted: bool) {
    for button in buttons {
        let _ = button.set_attribute("aria-pressed", if muted { "true" } else { "false" });
        button.set_text_content(Some(if muted {
            "Sound off (M)"
        } else {
            "Sound on (M)"
        }));
    }
}

fn mute_key(keyboard: Res<ButtonInput<KeyCode>>, sound: Option<NonSend<Sound>>) {
    if let Some(sound) = sound
        && keyboard.just_pressed(KeyCode::KeyM)
    {
        set_muted(&sound.muted, &sound.buttons, !sound.muted.get());
    }
}

/// What the frame before saw: the phase (for the kick-off whistle) and the ball's velocity
/// (a bounce turns it around).
#[derive(Default)]
struct Heard {
    phase: Option<MatchPhase>,
    ball: Option<Vec2>,
}

#[allow(clippy::too_many_arguments)]
fn play(
    sound: Option<NonSend<Sound>>,
    state: Res<MatchState>,
    mut kicks: EventReader<BallKicked>,
    mut goals: EventReader<GoalScored>,
    mut ended: EventReader<MatchEnded>,
    ball: Query<&LinearVelocity, With<Ball>>,
    mut heard: Local<Heard>,
) {
    let kicked = kicks.read().count() > 0;
    let scored = goals.read().count() > 0;
    let finished = ended.read().count() > 0;
    let kicked_off = heard
        .phase
        .is_some_and(|phase| matches!(phase, MatchPhase::Kickoff { .. }))
        && state.phase == MatchPhase::Playing;
    heard.phase = Some(state.phase);
    let velocity = ball.single().ok().map(|velocity| velocity.0);
    let bounce = match (heard.ball, velocity) {
        (Some(before), Some(after)) if !kicked => {
            let turned = |b: f32, a: f32| b.abs() > 120.0 && a * b < 0.0;
            (turned(before.y, after.y) || turned(before.x, after.x))
                .then(|| (before - after).length())
        }
        _ => None,
    };
    heard.ball = velocity;

    let Some(sound) = sound else { return };
    if sound.muted.get() {
        return;
    }
    let voices = sound.voices.borrow();
    let Some(voices) = voices.as_ref() else {
        return;
    };
    if kicked {
        voices.thump(150.0, 55.0, 0.12, 0.7);
    } else if let Some(impact) = bounce {
        voices.thump(320.0, 140.0, 0.06, (impact / 1500.0).clamp(0.05, 0.4));
    }
    if kicked_off {
        voices.whistle(0.0, 0.35);
    }
    if scored {
        voices.crowd();
    }
    if finished {
        for blast in 0..3 {
            voices.whistle(f64::from(blast) * 0.45, if blast == 2 { 0.7 } else { 0.3 });
        }
    }
}

impl Voices {
    fn new() -> Result<Self, wasm_bindgen::JsValue> {
        let context = AudioContext::new()?;
        let master = context.create_gain()?;
        master.gain().set_value(0.8);
        master.connect_with_audio_node(&context.destination())?;
        let rate = context.sample_rate();
        let length = rate as u32;
        let noise = context.create_buffer(1, length, rate)?;
        // White noise from a small generator: it need not be random, only sound like it.
        let mut seed: u32 = 0x1234_5678;
        let samples: Vec<f32> = (0..length)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as f32 / u32::MAX as f32 * 2.0 - 1.0
            })
            .collect();
        noise.copy_to_channel(&samples, 0)?;
        Ok(Self {
            context,
            master,
            noise,
        })
    }

    /// A gain envelope into the master: `peak` at once, fading out over `length` seconds.
    fn envelope(&self, start: f64, peak: f32, length: f64) -> Option<GainNode> {
        let gain = self.context.create_gain().ok()?;
        let level = gain.gain();
        level.set_value_at_time(peak, start).ok()?;
        level
            .exponential_ramp_to_value_at_time(0.001, start + length)
            .ok()?;
        gain.connect_with_audio_node(&self.master).ok()?;
        Some(gain)
    }

    /// A falling tone: a kick (low, long) or a bounce (higher, short).
    fn thump(&self, from: f32, to: f32, length: f64, peak: f32) {
        let now = self.context.current_time();
        let (Some(gain), Ok(tone)) = (
            self.envelope(now, peak, length),
            self.context.create_oscillator(),
        ) else {
            return;
        };
        tone.set_type(OscillatorType::Sine);
        let _ = tone.frequency().set_value_at_time(from, now);
        let _ = tone
            .frequency()
            .exponential_ramp_to_value_at_time(to, now + length);
        let _ = tone.connect_with_audio_node(&gain);
        let _ = tone.start_with_when(now);
        let _ = tone.stop_with_when(now + length);
    }

    /// A referee's whistle: a high tone trilled by a fast wobble.
    fn whistle(&self, delay: f64, length: f64) {
        let start = self.context.current_time() + delay;
        let (Some(gain), Ok(tone), Ok(trill), Ok(depth)) = (
            self.envelope(start, 0.25, length),
            self.context.create_oscillator(),
            self.context.create_oscillator(),
            self.context.create_gain(),
        ) else {
            return;
        };
        tone.frequency().set_value(2900.0);
        trill.frequency().set_value(28.0);
        depth.gain().set_value(120.0);
        let _ = trill.connect_with_audio_node(&depth);
        let _ = depth.connect_with_audio_param(&tone.frequency());
        let _ = tone.connect_with_audio_node(&gain);
        for oscillator in [&tone, &trill] {
            let _ = oscillator.start_with_when(start);
            let _ = oscillator.stop_with_when(start + length);
        }
    }

    /// The crowd: band-passed noise swelling and dying away over two seconds.
    fn crowd(&self) {
        let now = self.context.current_time();
        let (Ok(source), Ok(filter), Ok(gain)) = (
            self.context.create_buffer_source(),
            self.context.create_biquad_filter(),
            self.context.create_gain(),
        ) else {
            return;
        };
        source.set_buffer(Some(&self.noise));
        source.set_loop(true);
        filter.set_type(web_sys::BiquadFilterType::Bandpass);
        filter.frequency().set_value(700.0);
        filter.q().set_value(0.6);
        let level = gain.gain();
        let _ = level.set_value_at_time(0.001, now);
        let _ = level.exponential_ramp_to_value_at_time(0.6, now + 0.25);
        let _ = level.exponential_ramp_to_value_at_time(0.001, now + 2.2);
        let _ = source.connect_with_audio_node(&filter);
        let _ = filter.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&self.master);
        let scheduled: &web_sys::AudioScheduledSourceNode = source.as_ref();
        let _ = scheduled.start_with_when(now);
        let _ = scheduled.stop_with_when(now + 2.2);
    }
}
