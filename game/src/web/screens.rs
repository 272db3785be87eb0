//! The title screen, the score and clock, kickoff and goal banners, pause, and the final
//! whistle with a rematch. Mouse and keyboard both work: Enter kicks off, P or Esc pauses,
//! R restarts.

use bevy::prelude::*;
use protocol::{Difficulty, GameMode, Outcome};

use super::visuals::{LEFT_COLOUR, RIGHT_COLOUR};
use super::{KickoffRequest, Lineup};
use crate::sim::rules::StartMatch;
use crate::sim::{MatchPhase, MatchSettings, MatchState};

#[derive(Debug)]
pub struct ScreensPlugin;

impl Plugin for ScreensPlugin {
    fn build(&self, app: &mut App) {
        app.add_event::<KickoffRequest>()
            .add_systems(Startup, spawn_screens)
            .add_systems(
                Update,
                (
                    keyboard_commands,
                    buttons,
                    show_screens,
                    hide_kick_off_when_watching,
                    update_texts,
                )
                    .chain(),
            );
    }
}

/// Which overlay a node belongs to.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    Title,
    Hud,
    Banner,
    Paused,
    GameOver,
}

/// Texts that change.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Score,
    Clock,
    LeftName,
    RightName,
    Banner,
    Lineup,
    Result,
    FinalScore,
    Waiting,
}

#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Choose(GameMode),
    KickOff,
    Resume,
}

const PANEL: Color = Color::srgba(0.05, 0.07, 0.15, 0.85);
const BUTTON: Color = Color::srgb(0.16, 0.20, 0.36);
const BUTTON_CHOSEN: Color = Color::srgb(0.95, 0.70, 0.15);
const GOLD: Color = Color::srgb(1.0, 0.84, 0.25);

fn text(value: &str, size: f32, colour: Color) -> (Text, TextFont, TextColor) {
    (
        Text::new(value),
        TextFont {
            font_size: size,
            ..default()
        },
        TextColor(colour),
    )
}

fn overlay(screen: Screen) -> impl Bundle {
    (
        screen,
        Node {
            position_type: PositionType::Absolute,
            width: Val::Percent(100.0),
            height: Val::Percent(100.0),
            flex_direction: FlexDirection::Column,
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            row_gap: Val::Px(14.0),
            ..default()
        },
        Visibility::Hidden,
    )
}

fn panel() -> impl Bundle {
    (
        Node {
            flex_direction: FlexDirection::Column,
            align_items: AlignItems::Center,
            row_gap: Val::Px(14.0),
            padding: UiRect::axes(Val::Px(40.0), Val::Px(28.0)),
            ..default()
        },
        BackgroundColor(PANEL),
        BorderRadius::all(Val::Px(16.0)),
    )
}

fn button(action: Action, label: &str) -> impl Bundle {
    (
        Button,
        action,
        Node {
            padding: UiRect::axes(Val::Px(22.0), Val::Px(10.0)),
            justify_content: JustifyContent::Center,
            ..default()
        },
        BackgroundColor(BUTTON),
        BorderRadius::all(Val::Px(10.0)),
        children![text(label, 24.0, Color::WHITE)],
    )
}

const MODES: [(GameMode, &str); 4] = [
    (
        GameMode::VsComputer {
            difficulty: Difficulty::Easy,
        },
        "Easy",
    ),
    (
        GameMode::VsComputer {
            difficulty: Difficulty::Normal,
        },
        "Normal",
    ),
    (
        GameMode::VsComputer {
            difficulty: Difficulty::Hard,
        },
        "Hard",
    ),
    (GameMode::LocalTwoPlayer, "2 players"),
];

fn spawn_screens(mut commands: Commands) {
    commands.spawn(overlay(Screen::Title)).with_children(|root| {
        root.spawn(panel()).with_children(|panel| {
            panel.spawn(text("STELLAR HEADS", 64.0, GOLD));
            panel.spawn((Label::Lineup, text("", 26.0, Color::WHITE)));
            panel
                .spawn(Node { column_gap: Val::Px(10.0), ..default() })
                .with_children(|row| {
                    for (mode, name) in MODES {
                        row.spawn(button(Action::Choose(mode), name));
                    }
                });
            panel.spawn(button(Action::KickOff, "Kick off  (Enter)"));
            panel.spawn((Label::Waiting, text("", 20.0, Color::srgb(0.8, 0.8, 0.9))));
            panel.spawn(text(
                "Move A/D or arrows - jump Space/W - kick X\nTwo players: A/D W S  and  arrows (Down kicks)\nP pauses - R restarts",
                18.0,
                Color::srgb(0.75, 0.78, 0.9),
            ));
        });
    });

    // The score bar: names in team colours, score, clock.
    commands
        .spawn((
            Screen::Hud,
            Node {
                position_type: PositionType::Absolute,
                top: Val::Px(12.0),
                width: Val::Percent(100.0),
                justify_content: JustifyContent::Center,
                ..default()
            },
            Visibility::Hidden,
        ))
        .with_children(|root| {
            root.spawn((
                Node {
                    column_gap: Val::Px(24.0),
                    align_items: AlignItems::Center,
                    padding: UiRect::axes(Val::Px(24.0), Val::Px(8.0)),
                    ..default()
                },
                BackgroundColor(PANEL),
                BorderRadius::all(Val::Px(12.0)),
            ))
            .with_children(|bar| {
                bar.spawn((Label::LeftName, text("", 26.0, LEFT_COLOUR.lighter(0.2))));
                bar.spawn((Label::Score, text("0 - 0", 40.0, Color::WHITE)));
                bar.spawn((Label::RightName, text("", 26.0, RIGHT_COLOUR.lighter(0.2))));
                bar.spawn((Label::Clock, text("3:00", 30.0, GOLD)));
            });
        });

    commands
        .spawn(overlay(Screen::Banner))
        .with_children(|root| {
            root.spawn((Label::Banner, text("", 96.0, GOLD)));
        });

    commands
        .spawn(overlay(Screen::Paused))
        .with_children(|root| {
            root.spawn(panel()).with_children(|panel| {
                panel.spawn(text("PAUSED", 56.0, GOLD));
                panel.spawn(button(Action::Resume, "Resume  (P)"));
            });
        });

    commands
        .spawn(overlay(Screen::GameOver))
        .with_children(|root| {
            root.spawn(panel()).with_children(|panel| {
                panel.spawn((Label::Result, text("", 60.0, GOLD)));
                panel.spawn((Label::FinalScore, text("", 36.0, Color::WHITE)));
                panel.spawn(button(Action::KickOff, "Rematch  (Enter)"));
            });
        });
}

/// Starts a match at once when playing alone; inside the site, asks the page, which has the
/// server start it (the bridge kicks off when the page answers).
fn kick_off(
    lineup: &mut Lineup,
    start: &mut EventWriter<StartMatch>,
    ask: &mut EventWriter<KickoffRequest>,
) {
    if !lineup.can_kick_off() {
        return;
    }
    if lineup.embedded {
        lineup.requesting = true;
        lineup.notice = None;
        ask.write(KickoffRequest);
    } else {
        start.write(StartMatch::play(MatchSettings::new(lineup.mode)));
    }
}

fn keyboard_commands(
    keyboard: Res<ButtonInput<KeyCode>>,
    mut lineup: ResMut<Lineup>,
    mut state: ResMut<MatchState>,
    mut start: EventWriter<StartMatch>,
    mut ask: EventWriter<KickoffRequest>,
) {
    let in_progress = matches!(
        state.phase,
        MatchPhase::Kickoff { .. } | MatchPhase::Playing | MatchPhase::GoalPause { .. }
    );
    if keyboard.just_pressed(KeyCode::Enter)
        && matches!(state.phase, MatchPhase::Waiting | MatchPhase::Finished)
    {
        kick_off(&mut lineup, &mut start, &mut ask);
    }
    if in_progress
        && !lineup.watching
        && keyboard.any_just_pressed([KeyCode::KeyP, KeyCode::Escape])
    {
        state.paused = !state.paused;
    }
    if in_progress && keyboard.just_pressed(KeyCode::KeyR) {
        kick_off(&mut lineup, &mut start, &mut ask);
    }
}

/// A playback has no rematch: the page plays the record again ("Restart").
fn hide_kick_off_when_watching(
    lineup: Res<Lineup>,
    mut kick_offs: Query<(&Action, &mut Visibility), With<Button>>,
) {
    if !lineup.is_changed() {
        return;
    }
    for (action, mut visibility) in &mut kick_offs {
        if *action == Action::KickOff {
            *visibility = if lineup.watching {
                Visibility::Hidden
            } else {
                Visibility::Inherited
            };
        }
    }
}

fn buttons(
    mut pressed: Query<(&Interaction, &Action, &mut BackgroundColor), With<Button>>,
    mut lineup: ResMut<Lineup>,
    mut state: ResMut<MatchState>,
    mut start: EventWriter<StartMatch>,
    mut ask: EventWriter<KickoffRequest>,
) {
    for (interaction, action, mut colour) in &mut pressed {
        if *interaction == Interaction::Pressed {
            match action {
                // The page decides the mode when the game is embedded.
                Action::Choose(mode) if !lineup.embedded => lineup.mode = *mode,
                Action::Choose(_) => {}
                Action::KickOff => kick_off(&mut lineup, &mut start, &mut ask),
                Action::Resume => state.paused = false,
            }
        }
        let chosen = matches!(action, Action::Choose(mode) if *mode == lineup.mode);
        colour.0 = match (chosen, interaction) {
            (true, _) => BUTTON_CHOSEN,
            (false, Interaction::Hovered) => BUTTON.lighter(0.1),
            (false, _) => BUTTON,
        };
    }
}

fn show_screens(state: Res<MatchState>, mut screens: Query<(&Screen, &mut Visibility)>) {
    let banner = matches!(
        state.phase,
        MatchPhase::Kickoff { .. } | MatchPhase::GoalPause { .. }
    ) && !state.paused;
    for (screen, mut visibility) in &mut screens {
        let shown = match screen {
            Screen::Title => state.phase == MatchPhase::Waiting,
            Screen::Hud => !matches!(state.phase, MatchPhase::Waiting),
            Screen::Banner => banner,
            Screen::Paused => state.paused,
            Screen::GameOver => state.phase == MatchPhase::Finished,
        };
        *visibility = if shown {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
    }
}

fn opponent_name(mode: GameMode) -> String {
    match mode {
        GameMode::VsComputer { difficulty } => format!("CPU ({})", difficulty.as_str()),
        GameMode::LocalTwoPlayer => "Player 2".into(),
    }
}

fn update_texts(
    state: Res<MatchState>,
    settings: Res<MatchSettings>,
    lineup: Res<Lineup>,
    mut labels: Query<(&Label, &mut Text)>,
) {
    let seconds_left = state.ticks_left(&settings).div_ceil(60);
    for (label, mut text) in &mut labels {
        let value = match label {
            Label::Clock => format!("{}:{:02}", seconds_left / 60, seconds_left % 60),
            Label::LeftName => lineup.player_name.clone(),
            Label::RightName => opponent_name(lineup.mode),
            Label::Banner => match state.phase {
                MatchPhase::Kickoff { remaining } if remaining > 20 => "READY".into(),
                MatchPhase::Kickoff { .. } => "GO!".into(),
                MatchPhase::GoalPause { .. } => "GOAL!".into(),
                _ => String::new(),
            },
            Label::Lineup => format!("{} vs {}", lineup.player_name, opponent_name(lineup.mode)),
            Label::Waiting => {
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
            Label::Result if lineup.watching => "FULL TIME".into(),
            Label::Result => {
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
            Label::Score | Label::FinalScore => format!("{} - {}", state.score[0], state.score[1]),
        };
        if text.0 != value {
            text.0 = value;
        }
    }
}
