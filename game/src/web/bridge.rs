//! The game's side of the page <-> game protocol (`protocol::messages`).
//!
//! Only the embedding page is listened to: a message counts only if it comes from our own
//! origin (the page and the game are served together) and from the parent window itself.
//! Everything the game sends goes to that exact origin, never `"*"`.

use std::cell::RefCell;
use std::collections::VecDeque;

use bevy::prelude::*;
use protocol::Outcome;
use protocol::api::MatchResultSubmission;
use protocol::messages::{GameToPage, PROTOCOL_VERSION, PageToGame};
use protocol::record::{MatchRecord, SIM_VERSION};
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::{KickoffRequest, Lineup};
use crate::sim::rules::StartMatch;
use crate::sim::{GoalScored, InputLog, MatchEnded, MatchSettings};

thread_local! {
    /// Messages from the page, waiting for the next frame (the browser calls the listener
    /// outside Bevy's schedule).
    static INBOX: RefCell<VecDeque<PageToGame>> = const { RefCell::new(VecDeque::new()) };
}

/// The embedding page, when there is one.
struct Page {
    parent: web_sys::Window,
    origin: String,
    /// The id the server gave the match being played.
    match_id: Option<Uuid>,
}

impl Page {
    fn post(&self, message: &GameToPage) {
        match serde_json::to_string(message) {
            Ok(json) => {
                if let Err(error) = self
                    .parent
                    .post_message(&JsValue::from_str(&json), &self.origin)
                {
                    warn!("cannot post to the page: {error:?}");
                }
            }
            Err(error) => error!("cannot encode a message: {error}"),
        }
    }
}

#[derive(Debug)]
pub struct PageBridgePlugin;

impl Plugin for PageBridgePlugin {
    fn build(&self, app: &mut App) {
        let Some(page) = find_page() else {
            info!("not embedded: playing standalone");
            return;
        };
        listen(&page);
        app.world_mut().resource_mut::<Lineup>().embedded = true;
        app.insert_non_send_resource(page)
            .add_systems(Startup, announce_ready)
            .add_systems(
                Update,
                (receive, ask_for_kickoff, report_goals, report_result).chain(),
            );
    }
}

/// The parent window and our origin, if we are inside a frame.
fn find_page() -> Option<Page> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    if js_sys::Object::is(&parent, &window) {
        return None;
    }
    let origin = window.location().origin().ok()?;
    Some(Page {
        parent,
        origin,
        match_id: None,
    })
}

fn listen(page: &Page) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let expected_origin = page.origin.clone();
    let parent: JsValue = page.parent.clone().into();
    let listener =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if event.origin() != expected_origin {
                return;
            }
            let from_parent = event
                .source()
                .is_some_and(|source| js_sys::Object::is(&source, &parent));
            if !from_parent {
                return;
            }
            let Some(text) = event.data().as_string() else {
                return;
            };
            match serde_json::from_str::<PageToGame>(&text) {
                Ok(message) => INBOX.with(|inbox| inbox.borrow_mut().push_back(message)),
                Err(error) => warn!("ignoring a malformed message from the page: {error}"),
            }
        });
    if window
        .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref())
        .is_ok()
    {
        // The listener lives as long as the page.
        listener.forget();
    }
}

fn announce_ready(page: NonSend<Page>) {
    page.post(&GameToPage::Ready {
        protocol_version: PROTOCOL_VERSION,
        sim_version: SIM_VERSION,
    });
}

fn receive(
    mut page: NonSendMut<Page>,
    mut lineup: ResMut<Lineup>,
    mut start: EventWriter<StartMatch>,
    mut time: ResMut<Time<Virtual>>,
) {
    while let Some(message) = INBOX.with(|inbox| inbox.borrow_mut().pop_front()) {
        match message {
            PageToGame::Start { player, mode } => {
                lineup.player_name = player.username.to_string();
                lineup.mode = mode;
                lineup.page_ready = true;
            }
            PageToGame::Kickoff { match_id, seed } if lineup.requesting => {
                lineup.requesting = false;
                page.match_id = Some(match_id);
                start.write(StartMatch::play(
                    MatchSettings::new(lineup.mode).with_seed(seed),
                ));
            }
            PageToGame::Kickoff { .. } => warn!("ignoring a kickoff nobody asked for"),
            PageToGame::KickoffRefused { message } => {
                lineup.requesting = false;
                lineup.notice = Some(message);
            }
            PageToGame::Watch {
                player_name,
                record,
            } => match record.frames() {
                Ok(frames) => {
                    lineup.watching = true;
                    lineup.page_ready = true;
                    lineup.player_name = player_name;
                    lineup.mode = record.mode;
                    page.match_id = None;
                    time.unpause();
                    start.write(StartMatch {
                        settings: MatchSettings::of_record(&record),
                        replay: Some(frames),
                    });
                }
                Err(error) => {
                    lineup.notice = Some(format!("This match cannot be played back: {error}"))
                }
            },
            PageToGame::Playback { paused, speed } => {
                if paused {
                    time.pause();
                } else {
                    time.unpause();
                }
                time.set_relative_speed(f32::from(speed.clamp(1, 4)));
            }
        }
    }
}

fn ask_for_kickoff(page: NonSend<Page>, mut requests: EventReader<KickoffRequest>) {
    if requests.read().last().is_some() {
        page.post(&GameToPage::KickoffRequested);
    }
}

fn report_goals(page: NonSend<Page>, mut goals: EventReader<GoalScored>) {
    for goal in goals.read() {
        page.post(&GameToPage::Goal {
            scorer: goal.scorer,
            left: goal.left,
            right: goal.right,
        });
    }
}

fn report_result(
    mut page: NonSendMut<Page>,
    lineup: Res<Lineup>,
    mut ended: EventReader<MatchEnded>,
    settings: Res<MatchSettings>,
    log: Res<InputLog>,
) {
    let Some(end) = ended.read().last().copied() else {
        return;
    };
    if lineup.watching {
        page.post(&GameToPage::ReplayFinished {
            left: end.left,
            right: end.right,
            ticks: end.ticks,
        });
        return;
    }
    // Each match is reported once, under the id the server gave it.
    let Some(match_id) = page.match_id.take() else {
        return;
    };
    page.post(&GameToPage::MatchFinished {
        match_id,
        result: MatchResultSubmission {
            player_score: end.left,
            opponent_score: end.right,
            record: MatchRecord::new(settings.mode, settings.seed, &log.frames),
        },
        outcome: Outcome::from_scores(end.left, end.right),
    });
}
