use yew::prelude::*;
use yew_router::prelude::Link;

use crate::components::notice::{Notice, Tone};
use crate::components::require_session::RequireSession;
use crate::components::wallet_proof::WalletProof;
use crate::route::Route;
use crate::session::{Session, SessionAction, use_session};

/// "Verify my wallet": a guest account proves it holds its wallet and gets the verified mark.
#[function_component(Verify)]
pub fn verify() -> Html {
    html! { <RequireSession render={Callback::from(|session: Session| html! { <VerifyFor {session} /> })} /> }
}

#[derive(Debug, Properties, PartialEq)]
struct VerifyForProps {
    session: Session,
}

#[function_component(VerifyFor)]
fn verify_for(props: &VerifyForProps) -> Html {
    let session = use_session();
    let on_verified = Callback::from(move |auth| session.dispatch(SessionAction::SignedIn(auth)));
    let player = &props.session.player;
    html! {
        <section class="card narrow" id="verify">
            <h1>{ "Verify your wallet" }</h1>
            if player.verified {
                <Notice tone={Tone::Success}>
                    <span id="verified">{ format!("{} is verified: the leaderboard shows a ✓ next to your name.", player.wallet_address) }</span>
                </Notice>
                <Link<Route> to={Route::Play} classes="button primary">{ "Play" }</Link<Route>>
            } else {
                <p class="muted">{ "Verified players are marked on the leaderboard, and can sign in on any device with their wallet." }</p>
                <WalletProof address={player.wallet_address} {on_verified} />
            }
        </section>
    }
}
