//! A match pauses when the player looks away: the tab is hidden (another tab, a minimised
//! window, a phone's locked screen) or the game loses the keyboard (a click outside it). A
//! player who cannot see or steer the game should not concede goals meanwhile, and a hidden
//! tab is not drawn anyway. The match then waits on the pause panel until the player resumes
//! it (P, Esc or the button); the record is unaffected (pauses are not ticks), and a ranked
//! match's ticket keeps its own time limit meanwhile (the server's `match_ticket_ttl_secs`).

use std::cell::Cell;
use std::rc::Rc;

use bevy::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::Lineup;
use super::hud::Screen;
use crate::sim::MatchState;

#[derive(Debug)]
pub struct AwayPlugin;

impl Plugin for AwayPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, listen)
            .add_systems(PreUpdate, pause_when_away);
    }
}

/// Raised by the page's listeners, lowered once the game has seen it.
struct LookedAway(Rc<Cell<bool>>);

fn listen(world: &mut World) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let away = Rc::new(Cell::new(false));
    let on_visibility = {
        let (away, document) = (away.clone(), document.clone());
        Closure::<dyn FnMut()>::new(move || {
            if document.hidden() {
                away.set(true);
            }
        })
    };
    let on_blur = {
        let away = away.clone();
        Closure::<dyn FnMut()>::new(move || away.set(true))
    };
    let listening = document
        .add_event_listener_with_callback(
            "visibilitychange",
            on_visibility.as_ref().unchecked_ref(),
        )
        .and_then(|()| {
            window.add_event_listener_with_callback("blur", on_blur.as_ref().unchecked_ref())
        });
    if listening.is_err() {
        warn!("cannot tell when the page is hidden: matches will not pause by themselves");
        return;
    }
    // The listeners live as long as the page does.
    on_visibility.forget();
    on_blur.forget();
    world.insert_non_send_resource(LookedAway(away));
}

/// Only a match being played pauses; the flag is lowered whatever the screen, so looking away
/// from the title screen does not pause the next match at its kick-off.
fn pause_when_away(
    away: Option<NonSend<LookedAway>>,
    lineup: Res<Lineup>,
    screen: Res<State<Screen>>,
    mut state: ResMut<MatchState>,
) {
    let Some(away) = away else { return };
    if away.0.replace(false) && *screen.get() == Screen::Playing && !lineup.watching {
        state.paused = true;
    }
}
