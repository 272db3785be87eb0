use protocol::account::StellarAccountId;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::field::TextField;
use crate::components::notice::{Notice, Tone};
use crate::components::wallet_proof::{ProofPurpose, WalletProof};
use crate::format;
use crate::route::Route;
use crate::session::{SessionAction, use_session};

/// Signing in is proving the wallet: the server signs a player in only for a signature over
/// its one-time message.
#[function_component(SignIn)]
pub fn sign_in() -> Html {
    let session = use_session();
    let navigator = use_navigator().expect("inside the router");
    // Why the player is here (an ended session), kept for this visit of the page.
    let notice = use_state(|| session.notice.clone());
    {
        let session = session.clone();
        use_effect_with((), move |_| {
            if session.notice.is_some() {
                session.dispatch(SessionAction::NoticeShown);
            }
        });
    }
    let typed = use_state(String::new);
    let submitted = use_state(|| false);
    let proving = use_state(|| None::<StellarAccountId>);

    if session.session.is_some() {
        return html! { <Redirect<Route> to={Route::Play} /> };
    }

    let parsed = StellarAccountId::parse(typed.trim());
    let error = (*submitted || !typed.is_empty())
        .then(|| parsed.as_ref().err().map(format::sentence))
        .flatten();
    let on_input = {
        let (typed, proving) = (typed.clone(), proving.clone());
        Callback::from(move |value: String| {
            typed.set(value);
            proving.set(None);
        })
    };
    let onsubmit = {
        let (submitted, proving, parsed) = (submitted.clone(), proving.clone(), parsed.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            submitted.set(true);
            proving.set(parsed.clone().ok());
        })
    };
    let on_verified = {
        let session = session.clone();
        Callback::from(move |auth| {
            session.dispatch(SessionAction::SignedIn(auth));
            navigator.push(&Route::Play);
        })
    };

    html! {
        <section class="card narrow" id="sign-in">
            <h1>{ "Sign in" }</h1>
            if let Some(message) = &*notice {
                <Notice tone={Tone::Info}><span id="session-notice">{ message }</span></Notice>
            }
            <p class="muted">{ "Enter your account's Stellar address, then sign a one-time message with that wallet." }</p>
            <form onsubmit={onsubmit} novalidate=true>
                <TextField id="wallet_address" label="Stellar address" value={(*typed).clone()}
                    {on_input} {error} autocomplete="off" placeholder="G…" monospace=true />
                if proving.is_none() {
                    <button class="button primary" type="submit" id="continue">{ "Continue" }</button>
                }
            </form>
            if let Some(address) = &*proving {
                <WalletProof address={*address} purpose={ProofPurpose::SignIn} {on_verified} />
            }
            <p class="muted small">{ "New here? " }<Link<Route> to={Route::SignUp}>{ "Create an account" }</Link<Route>></p>
        </section>
    }
}
