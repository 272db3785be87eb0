use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct ControlsProps {
    /// Two players on one keyboard have their own keys.
    #[prop_or_default]
    pub two_players: bool,
}

/// The game's keys (as `game/src/web/input.rs` maps them), touch and gamepad
/// (`game/src/web/devices.rs`).
#[function_component(Controls)]
pub fn controls(props: &ControlsProps) -> Html {
    let k = |key: &str| html! { <kbd>{ key.to_owned() }</kbd> };
    let players = if props.two_players {
        html! {
            <>
                <li><strong>{ "Left player: " }</strong>{ k("A") }{ k("D") }{ " run, " }{ k("W") }{ " jump, " }{ k("S") }{ " kick" }</li>
                <li><strong>{ "Right player: " }</strong>{ k("←") }{ k("→") }{ " run, " }{ k("↑") }{ " jump, " }{ k("↓") }{ " kick" }</li>
            </>
        }
    } else {
        html! {
            <>
                <li>{ k("A") }{ k("D") }{ " or " }{ k("←") }{ k("→") }{ " run" }</li>
                <li>{ k("W") }{ k("↑") }{ " or " }{ k("Space") }{ " jump" }</li>
                <li>{ k("X") }{ " or " }{ k("K") }{ " kick" }</li>
            </>
        }
    };
    html! {
        <ul class="keys">
            { players }
            <li>{ k("Enter") }{ " kick off, " }{ k("P") }{ " or " }{ k("Esc") }{ " pause" }</li>
            <li>{ "On a touch screen, on-screen buttons; a gamepad: stick or d-pad, " }{ k("A") }{ " jump, " }{ k("B") }{ " kick, " }{ k("Start") }{ " kick off and pause" }</li>
        </ul>
    }
}
