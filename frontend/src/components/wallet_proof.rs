//! Proving a wallet is yours, to sign up or to sign in: the server's single-use message,
//! signed with the wallet's key (by Freighter where installed, or by any SEP-53 wallet and
//! pasted here).

use protocol::account::StellarAccountId;
use protocol::api::{AuthResponse, ChallengeResponse, RegisterRequest, VerifyRequest};
use protocol::error::ErrorCode;
use protocol::username::Username;
use web_sys::HtmlTextAreaElement;
use yew::platform::spawn_local;
use yew::prelude::*;
use yew_router::prelude::Link;

use crate::api::{self, ApiError};
use crate::components::notice::{Notice, Tone};
use crate::route::Route;
use crate::wallet::{self, WalletError};

/// What the signature is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofPurpose {
    /// Signing into the wallet's account.
    SignIn,
    /// Creating the wallet's account under this name.
    SignUp(Username),
}

#[derive(Debug, Properties, PartialEq)]
pub struct WalletProofProps {
    pub address: StellarAccountId,
    pub purpose: ProofPurpose,
    /// Called with the new session once the server accepted the signature.
    pub on_verified: Callback<AuthResponse>,
    /// Called with a refusal the page shows itself (a name that is taken, say), instead of
    /// showing it here.
    #[prop_or_default]
    pub on_refused: Option<Callback<ApiError>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Problem {
    Api(ApiError),
    Wallet(WalletError),
    Input(String),
}

#[function_component(WalletProof)]
pub fn wallet_proof(props: &WalletProofProps) -> Html {
    let challenge = use_state(|| None::<ChallengeResponse>);
    let freighter = use_state(|| None::<bool>);
    let problem = use_state(|| None::<Problem>);
    let busy = use_state(|| false);
    let pasted = use_state(String::new);
    // Bumped to ask for a fresh message (each one can be used once).
    let generation = use_state(|| 0_u32);

    {
        let (challenge, problem) = (challenge.clone(), problem.clone());
        use_effect_with((props.address, *generation), move |(address, _)| {
            let address = *address;
            challenge.set(None);
            spawn_local(async move {
                match api::challenge(&address).await {
                    Ok(issued) => challenge.set(Some(issued)),
                    Err(error) => problem.set(Some(Problem::Api(error))),
                }
            });
        });
    }
    {
        let freighter = freighter.clone();
        use_effect_with((), move |_| {
            spawn_local(async move { freighter.set(Some(wallet::freighter_available().await)) });
        });
    }

    // Sends a signature to the server; a used-up message is replaced by a new one.
    let submit = {
        let (challenge, problem, busy, generation) = (
            challenge.clone(),
            problem.clone(),
            busy.clone(),
            generation.clone(),
        );
        let (on_verified, on_refused, purpose) = (
            props.on_verified.clone(),
            props.on_refused.clone(),
            props.purpose.clone(),
        );
        Callback::from(move |signature: String| {
            let Some(issued) = (*challenge).clone() else {
                return;
            };
            let (problem, busy, generation, on_verified, on_refused, purpose) = (
                problem.clone(),
                busy.clone(),
                generation.clone(),
                on_verified.clone(),
                on_refused.clone(),
                purpose.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                let answer = match purpose {
                    ProofPurpose::SignIn => {
                        api::verify(&VerifyRequest {
                            wallet_address: issued.wallet_address,
                            challenge: issued.challenge,
                            signature,
                        })
                        .await
                    }
                    ProofPurpose::SignUp(username) => {
                        api::register(&RegisterRequest {
                            username,
                            wallet_address: issued.wallet_address,
                            challenge: issued.challenge,
                            signature,
                        })
                        .await
                    }
                };
                match answer {
                    Ok(auth) => {
                        problem.set(None);
                        on_verified.emit(auth);
                    }
                    Err(error) => {
                        // A bad signature uses the message up, and a used or expired one
                        // is no good: get the next one ready.
                        if matches!(
                            error.code(),
                            Some(ErrorCode::InvalidSignature | ErrorCode::InvalidChallenge)
                        ) {
                            generation.set(*generation + 1);
                        }
                        match on_refused {
                            Some(on_refused)
                                if matches!(
                                    error.code(),
                                    Some(ErrorCode::UsernameTaken | ErrorCode::ValidationFailed)
                                ) =>
                            {
                                on_refused.emit(error)
                            }
                            _ => problem.set(Some(Problem::Api(error))),
                        }
                    }
                }
                busy.set(false);
            });
        })
    };

    let sign_with_freighter = {
        let (challenge, problem, busy, submit) = (
            challenge.clone(),
            problem.clone(),
            busy.clone(),
            submit.clone(),
        );
        let address = props.address;
        Callback::from(move |_: MouseEvent| {
            let Some(issued) = (*challenge).clone() else {
                return;
            };
            let (problem, busy, submit, address) =
                (problem.clone(), busy.clone(), submit.clone(), address);
            busy.set(true);
            spawn_local(async move {
                let signed = wallet::sign_with_freighter(&issued.message, &address).await;
                busy.set(false);
                match signed {
                    Ok(signature) => submit.emit(signature),
                    Err(error) => problem.set(Some(Problem::Wallet(error))),
                }
            });
        })
    };

    let on_paste_input = {
        let pasted = pasted.clone();
        Callback::from(move |event: InputEvent| {
            let area: HtmlTextAreaElement = event.target_unchecked_into();
            pasted.set(area.value());
        })
    };
    let on_paste_submit = {
        let (pasted, problem, submit) = (pasted.clone(), problem.clone(), submit.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let signature: String = pasted.split_whitespace().collect();
            if signature.is_empty() {
                problem.set(Some(Problem::Input(
                    "Paste the signature your wallet produced (base64).".to_owned(),
                )));
                return;
            }
            submit.emit(signature);
        })
    };

    let problem_view = match &*problem {
        None => Html::default(),
        Some(Problem::Api(error)) if error.code() == Some(ErrorCode::NotFound) => no_account(),
        Some(Problem::Api(error)) if error.code() == Some(ErrorCode::WalletTaken) => has_account(),
        Some(Problem::Api(error)) => {
            html! { <Notice tone={Tone::Error}>{ error.message() }</Notice> }
        }
        Some(Problem::Wallet(error)) => {
            html! { <Notice tone={Tone::Error}>{ error.to_string() }</Notice> }
        }
        Some(Problem::Input(message)) => {
            html! { <Notice tone={Tone::Error}>{ message }</Notice> }
        }
    };

    let Some(issued) = (*challenge).clone() else {
        return html! {
            <div class="wallet-proof">
                { problem_view }
                if problem.is_none() { <p class="muted">{ "Asking the server for a message to sign…" }</p> }
            </div>
        };
    };

    // Say so before the player signs anything in vain.
    match (&props.purpose, issued.registered) {
        (ProofPurpose::SignIn, false) => return no_account(),
        (ProofPurpose::SignUp(_), true) => return has_account(),
        _ => {}
    }

    let freighter_view = match *freighter {
        None => {
            html! { <p class="muted" id="wallet-detect">{ "Looking for a wallet extension…" }</p> }
        }
        Some(true) => html! {
            <button class="button primary" id="sign-freighter" disabled={*busy} onclick={sign_with_freighter}>
                { if *busy { "Waiting for Freighter…" } else { "Sign with Freighter" } }
            </button>
        },
        Some(false) => html! {
            <Notice tone={Tone::Info}>
                <span id="no-wallet">{ "No Stellar wallet extension was found in this browser. " }</span>
                { "Install " }
                <a href="https://www.freighter.app/" target="_blank" rel="noopener noreferrer">{ "Freighter" }</a>
                { " and reload this page, or sign the message below with another wallet and paste the signature." }
            </Notice>
        },
    };

    html! {
        <div class="wallet-proof">
            { problem_view }
            <p>{ "Sign this one-time message with the key of " }<code class="mono">{ issued.wallet_address.to_string() }</code>{ ":" }</p>
            <textarea class="challenge mono" id="challenge-message" readonly=true rows="7" value={issued.message.clone()} />
            <p class="muted small">{ "It proves you hold the wallet; it cannot move funds. It expires at " }{ crate::format::date_time(issued.expires_at) }{ "." }</p>
            { freighter_view }
            <details class="paste" open={*freighter == Some(false)}>
                <summary>{ "Sign with another wallet" }</summary>
                <form onsubmit={on_paste_submit}>
                    <label for="signature">{ "Signature (SEP-53, base64)" }</label>
                    <textarea id="signature" class="mono" rows="3" value={(*pasted).clone()} oninput={on_paste_input} />
                    <button class="button" type="submit" id="submit-signature" disabled={*busy}>{ "Send signature" }</button>
                </form>
            </details>
        </div>
    }
}

fn no_account() -> Html {
    html! {
        <Notice tone={Tone::Error}>
            <span id="no-account">{ "No account uses this wallet yet. " }</span>
            <Link<Route> to={Route::SignUp}>{ "Create one" }</Link<Route>>
            { " first." }
        </Notice>
    }
}

fn has_account() -> Html {
    html! {
        <Notice tone={Tone::Error}>
            <span id="has-account">{ "This wallet already has an account. " }</span>
            <Link<Route> to={Route::SignIn}>{ "Sign in with it" }</Link<Route>>
            { " instead." }
        </Notice>
    }
}
