//! The title screen, the score and clock, kickoff and goal banners, pause, and the final
//! whistle with a rematch, as HTML in the game's page (game/web/index.html), driven from
//! here: the browser lays out and draws the text, so the game carries no UI toolkit, no text
//! shaper and no font. Mouse, touch, keyboard and gamepad all work: Enter (Start) kicks off,
//! P or Esc (Start, or the on-screen pause button) pauses, R restarts.
//!
//! Each frame the systems compute what the overlay should show ([`HudView`]) and touch the
//! page only when that changed.

use std::cell::RefCell;
use std::rc::Rc;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use protocol::{Difficulty, GameMode, Outcome};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Document, Element, HtmlElement};

use super::devices::DeviceInputs;
use super::{KickoffRequest, Lineup};
use crate::sim::rules::StartMatch;
use crate::sim::{MatchPhase, MatchSettings, MatchState};

#[derive(Debug)]
pub struct HudPlugin;

impl Plugin for HudPlugin {
    fn build(&self, app: &mut App) {
        app.add_event::<KickoffRequest>()
            .init_state::<Screen>()
            .add_systems(Startup, attach)
            .add_systems(
                Update,
                (follow_the_match, keyboard_commands, clicks, render).chain(),
            );
    }
}

/// The screen the player sees: the title, a match being played, the pause menu, the final
/// whistle. It follows the match rather than driving it: the phase and the pause are the
/// simulation's own state (the phase is what a record re-plays), so each frame
/// [`follow_the_match`] moves the screen to where the match is, and the overlay, the commands
/// and the pause when the player looks away (`away.rs`) go by the screen.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    #[default]
    Title,
    Playing,
    Paused,
    Finished,
}

impl Screen {
    fn of(state: &MatchState) -> Self {
        match state.phase {
            MatchPhase::Waiting => Self::Title,
            MatchPhase::Finished => Self::Finished,
            _ if state.paused => Self::Paused,
            _ => Self::Playing,
        }
    }

    /// Between the first kick-off and the final whistle, paused or not.
    fn in_match(self) -> bool {
        matches!(self, Self::Playing | Self::Paused)
    }
}

fn follow_the_match(
    state: Res<MatchState>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    let now = Screen::of(&state);
    if *screen.get() != now {
        next.set(now);
    }
}

/// What a button in the page does (its `data-action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Choose(GameMode),
    KickOff,
    Pause,
    Resume,
    Restart,
    Quit,
}

impl Action {
    fn parse(text: &str) -> Option<Self> {
        let vs_computer = |difficulty| Some(Self::Choose(GameMode::VsComputer { difficulty }));
        match text {
            "kickoff" => Some(Self::KickOff),
            "pause" => Some(Self::Pause),
            "resume" => Some(Self::Resume),
            "restart" => Some(Self::Restart),
            "quit" => Some(Self::Quit),
            "mode:easy" => vs_computer(Difficulty::Easy),
            "mode:normal" => vs_computer(Difficulty::Normal),
            "mode:hard" => vs_computer(Difficulty::Hard),
            "mode:two" => Some(Self::Choose(GameMode::LocalTwoPlayer)),
            _ => None,
        }
    }
}

/// The page's overlay elements, and the clicks its buttons queued since the last frame.
/// Browser objects live on the main thread only: a non-send resource.
struct Overlay {
    title: Element,
    hud: Element,
    banner: Element,
    paused: Element,
    over: Element,
    texts: Vec<(Text, Element)>,
    modes: Vec<(GameMode, Element)>,
    kick_offs: Vec<Element>,
    clicked: Rc<RefCell<Vec<Action>>>,
}

/// The texts the overlay shows, by element id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    LeftName,
    Score,
    RightName,
    Clock,
    Banner,
    Lineup,
    Waiting,
    Result,
    FinalScore,
}

impl Text {
    const ALL: [(Self, &'static str); 9] = [
        (Self::LeftName, "hud-left"),
        (Self::Score, "hud-score"),
        (Self::RightName, "hud-right"),
        (Self::Clock, "hud-clock"),
        (Self::Banner, "banner-text"),
        (Self::Lineup, "title-lineup"),
        (Self::Waiting, "title-waiting"),
        (Self::Result, "over-result"),
        (Self::FinalScore, "over-score"),
    ];
}

/// Everything the overlay shows; compared frame to frame, written to the page on change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct HudView {
    title: bool,
    hud: bool,
    banner: bool,
    paused: bool,
    over: bool,
    kick_off_shown: bool,
    chosen: Option<GameMode>,
    texts: Vec<String>,
}

fn by_id(document: &Document, id: &str) -> Result<Element, String> {
    document
        .get_element_by_id(id)
        .ok_or_else(|| format!("the game's page has no #{id}"))
}

fn attach(world: &mut World) {
    match find_overlay() {
        Ok(overlay) => {
            world.insert_non_send_resource(overlay);
        }
        // A page without the overlay still plays (the page bridge drives it); say why.
        Err(problem) => warn!("no overlay: {problem}"),
    }
}

fn find_overlay() -> Result<Overlay, String> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let clicked = Rc::new(RefCell::new(Vec::new()));
    let buttons = document
        .query_selector_all("[data-action]")
        .map_err(|_| "cannot list the buttons")?;
    let mut modes = Vec::new();
    let mut kick_offs = Vec::new();
    for index in 0..buttons.length() {
        let Some(button) = buttons
            .item(index)
            .and_then(|node| node.dyn_into::<Element>().ok())
        else {
            continue;
        };
        let name = button.get_attribute("data-action").unwrap_or_default();
        let action = Action::parse(&name).ok_or_else(|| format!("unknown data-action {name:?}"))?;
        match action {
            Action::Choose(mode) => modes.push((mode, button.clone())),
            Action::KickOff => kick_offs.push(button.clone()),
            Action::Pause | Action::Resume | Action::Restart | Action::Quit => {}
        }
        let queue = Rc::clone(&clicked);
        let on_click = Closure::<dyn FnMut()>::new(move || queue.borrow_mut().push(action));
        button
            .add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())
            .map_err(|_| "cannot listen to a button")?;
        // The buttons live as long as the page.
        on_click.forget();
    }
    // A click anywhere on the page (a button, a panel, the canvas) leaves the keyboard with
    // the game: the site tells players "click the game, then Enter".
    let canvas = by_id(&document, "game")?
        .dyn_into::<HtmlElement>()
        .map_err(|_| "#game is not an element that takes focus")?;
    let focus_game = Closure::<dyn FnMut()>::new(move || {
        let _ = canvas.focus();
    });
    document
        .add_event_listener_with_callback("click", focus_game.as_ref().unchecked_ref())
        .map_err(|_| "cannot listen to clicks")?;
    focus_game.forget();
    let texts = Text::ALL
        .iter()
        .map(|(text, id)| by_id(&document, id).map(|element| (*text, element)))
        .collect::<Result<_, _>>()?;
    Ok(Overlay {
        title: by_id(&document, "title")?,
        hud: by_id(&document, "hud")?,
        banner: by_id(&document, "banner")?,
        paused: by_id(&document, "paused")?,
        over: by_id(&document, "over")?,
        texts,
        modes,
        kick_offs,
        clicked,
    })
}

/// What kicking off takes: the lineup, and a way to start a match or to ask the page for one.
#[derive(SystemParam)]
struct Kickoff<'w> {
    lineup: ResMut<'w, Lineup>,
    start: EventWriter<'w, StartMatch>,
    ask: EventWriter<'w, KickoffRequest>,
}

impl Kickoff<'_> {
    /// Starts a match at once when playing alone; inside the site, asks the page, which has
    /// the server start it (the bridge kicks off when the page answers).
    fn kick_off(&mut self) {
        if !self.lineup.can_kick_off() {
            return;
        }
        if self.lineup.embedded {
            self.lineup.requesting = true;
            self.lineup.notice = None;
            self.ask.write(KickoffRequest);
        } else {
            // Alone, nothing is submitted: any seed will do, and a fresh one each match.
            let seed = getrandom::u32().unwrap_or_default();
            self.start.write(StartMatch::play(
                MatchSettings::new(self.lineup.mode).with_seed(seed),
            ));
        }
    }
}

/// Enter (or a gamepad's Start) kicks off, P, Esc (or Start) pause and resume, R restarts.
fn keyboard_commands(
    keyboard: Res<ButtonInput<KeyCode>>,
    devices: Res<DeviceInputs>,
    screen: Res<State<Screen>>,
    mut state: ResMut<MatchState>,
    mut kickoff: Kickoff,
) {
    let screen = *screen.get();
    let start = keyboard.just_pressed(KeyCode::Enter) || devices.start;
    if start && matches!(screen, Screen::Title | Screen::Finished) {
        kickoff.kick_off();
    }
    if screen.in_match()
        && !kickoff.lineup.watching
        && (keyboard.any_just_pressed([KeyCode::KeyP, KeyCode::Escape]) || devices.start)
    {
        state.paused = !state.paused;
    }
    if screen.in_match() && keyboard.just_pressed(KeyCode::KeyR) {
        kickoff.kick_off();
    }
}

fn clicks(
    overlay: Option<NonSend<Overlay>>,
    screen: Res<State<Screen>>,
    mut state: ResMut<MatchState>,
    mut kickoff: Kickoff,
) {
    let Some(overlay) = overlay else { return };
    let screen = *screen.get();
    let clicked = std::mem::take(&mut *overlay.clicked.borrow_mut());
    for action in clicked {
        match action {
            // The page decides the mode when the game is embedded.
            Action::Choose(mode) if !kickoff.lineup.embedded => kickoff.lineup.mode = mode,
            Action::Choose(_) => {}
            Action::KickOff if matches!(screen, Screen::Title | Screen::Finished) => {
                kickoff.kick_off();
            }
            Action::KickOff => {}
            Action::Pause if screen == Screen::Playing && !kickoff.lineup.watching => {
                state.paused = true;
            }
            Action::Pause => {}
            Action::Resume => state.paused = false,
            // The pause menu's restart: as R.
            Action::Restart if screen.in_match() => kickoff.kick_off(),
            // Back to the title screen; a ranked match left like this is forfeited when its
            // ticket runs out (the site says so before kick-off).
            Action::Quit if screen.in_match() && !kickoff.lineup.watching => {
                *state = MatchState::default();
            }
            Action::Restart | Action::Quit => {}
        }
    }
}

fn opponent_name(mode: GameMode) -> String {
    match mode {
        GameMode::VsComputer { difficulty } => format!("CPU ({})", difficulty.as_str()),
        GameMode::LocalTwoPlayer => "Player 2".into(),
    }
}

fn text(text: Text, state: &MatchState, settings: &MatchSettings, lineup: &Lineup) -> String {
    let seconds_left = state.ticks_left(settings).div_ceil(60);
    match text {
        Text::Clock => format!("{}:{:02}", seconds_left / 60, seconds_left % 60),
        Text::LeftName => lineup.player_name.clone(),
        Text::RightName => opponent_name(lineup.mode),
        Text::Banner => match state.phase {
            MatchPhase::Kickoff { remaining } if remaining > 20 => "READY".into(),
            MatchPhase::Kickoff { .. } => "GO!".into(),
            MatchPhase::GoalPause { .. } => "GOAL!".into(),
            _ => String::new(),
        },
        Text::Lineup => format!("{} vs {}", lineup.player_name, opponent_name(lineup.mode)),
        Text::Waiting => {
            if let Some(notice) = &lineup.notice {
                notice.clone()
            } else if lineup.requesting {
                "Starting the match...".into()
            } else if lineup.can_kick_off() {
                String::new()
            } else {
                "Connecting to the site...".into()
            }
        }
        Text::Result if lineup.watching => "FULL TIME".into(),
        Text::Result => {
            let outcome = Outcome::from_scores(state.score[0], state.score[1]);
            match (settings.mode, outcome) {
                (_, Outcome::Draw) => "DRAW".into(),
                (GameMode::VsComputer { .. }, Outcome::Win) => "YOU WIN!".into(),
                (GameMode::VsComputer { .. }, Outcome::Loss) => "YOU LOSE".into(),
                (GameMode::LocalTwoPlayer, Outcome::Win) => {
                    format!("{} WINS!", lineup.player_name.to_uppercase())
                }
                (GameMode::LocalTwoPlayer, Outcome::Loss) => "PLAYER 2 WINS!".into(),
            }
        }
        Text::Score | Text::FinalScore => format!("{} - {}", state.score[0], state.score[1]),
    }
}

fn view(screen: Screen, state: &MatchState, settings: &MatchSettings, lineup: &Lineup) -> HudView {
    let in_banner = matches!(
        state.phase,
        MatchPhase::Kickoff { .. } | MatchPhase::GoalPause { .. }
    );
    HudView {
        title: screen == Screen::Title,
        hud: screen != Screen::Title,
        banner: in_banner && screen == Screen::Playing,
        paused: screen == Screen::Paused,
        over: screen == Screen::Finished,
        // A playback has no rematch: the page plays the record again ("Restart").
        kick_off_shown: !lineup.watching,
        chosen: (!lineup.embedded).then_some(lineup.mode),
        texts: Text::ALL
            .iter()
            .map(|(which, _)| text(*which, state, settings, lineup))
            .collect(),
    }
}

fn show(element: &Element, shown: bool) {
    if element.has_attribute("hidden") == shown {
        let _ = element.toggle_attribute_with_force("hidden", !shown);
    }
}

fn render(
    overlay: Option<NonSend<Overlay>>,
    screen: Res<State<Screen>>,
    state: Res<MatchState>,
    settings: Res<MatchSettings>,
    lineup: Res<Lineup>,
    mut shown: Local<Option<HudView>>,
) {
    let Some(overlay) = overlay else { return };
    let next = view(*screen.get(), &state, &settings, &lineup);
    if shown.as_ref() == Some(&next) {
        return;
    }
    show(&overlay.title, next.title);
    show(&overlay.hud, next.hud);
    show(&overlay.banner, next.banner);
    show(&overlay.paused, next.paused);
    show(&overlay.over, next.over);
    for button in &overlay.kick_offs {
        show(button, next.kick_off_shown);
    }
    for (mode, button) in &overlay.modes {
        let _ = button
            .class_list()
            .toggle_with_force("chosen", next.chosen == Some(*mode));
    }
    for ((_, element), value) in overlay.texts.iter().zip(&next.texts) {
        if element.text_content().as_deref() != Some(value.as_str()) {
            element.set_text_content(Some(value));
        }
    }
    *shown = Some(next);
}
