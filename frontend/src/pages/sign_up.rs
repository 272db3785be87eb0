use protocol::account::StellarAccountId;
use protocol::error::ErrorCode;
use protocol::username::Username;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::ApiError;
use crate::components::field::TextField;
use crate::components::notice::{Notice, Tone};
use crate::components::wallet_proof::{ProofPurpose, WalletProof};
use crate::format;
use crate::route::Route;
use crate::session::{SessionAction, use_session};

/// The form's fields, checked with the same rules the server applies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignUpForm {
    pub username: String,
    pub wallet_address: String,
}

impl SignUpForm {
    pub fn username_error(&self) -> Option<String> {
        Username::parse(self.username.trim())
            .err()
            .map(|e| format::sentence(&e))
    }

    pub fn wallet_error(&self) -> Option<String> {
        StellarAccountId::parse(self.wallet_address.trim())
            .err()
            .map(|e| format::sentence(&e))
    }

    /// The name and address, once both are valid.
    pub fn parsed(&self) -> Option<(Username, StellarAccountId)> {
        Some((
            Username::parse(self.username.trim()).ok()?,
            StellarAccountId::parse(self.wallet_address.trim()).ok()?,
        ))
    }
}

/// Signing up is proving the wallet: the account is created only for a signature by the
/// address's key over the server's one-time message, so nobody can take an address that is
/// not theirs.
#[function_component(SignUp)]
pub fn sign_up() -> Html {
    let session = use_session();
    let navigator = use_navigator().expect("inside the router");
    let form = use_state(SignUpForm::default);
    // Errors show once a field has been typed in, or after a submit attempt.
    let submitted = use_state(|| false);
    let server_error = use_state(|| None::<ApiError>);
    // The name and address being proved, once the form is sent.
    let proving = use_state(|| None::<(Username, StellarAccountId)>);

    if session.session.is_some() {
        return html! { <Redirect<Route> to={Route::Play} /> };
    }

    let set = |update: fn(&mut SignUpForm, String)| {
        let (form, server_error, proving) = (form.clone(), server_error.clone(), proving.clone());
        Callback::from(move |value: String| {
            let mut next = (*form).clone();
            update(&mut next, value);
            form.set(next);
            server_error.set(None);
            proving.set(None);
        })
    };
    let onsubmit = {
        let (form, submitted, proving) = (form.clone(), submitted.clone(), proving.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            submitted.set(true);
            proving.set(form.parsed());
        })
    };
    let on_verified = {
        let session = session.clone();
        Callback::from(move |auth| {
            session.dispatch(SessionAction::SignedIn(auth));
            navigator.push(&Route::Play);
        })
    };
    // A name taken meanwhile: back to the form, the error at the name.
    let on_refused = {
        let (server_error, proving) = (server_error.clone(), proving.clone());
        Callback::from(move |error: ApiError| {
            server_error.set(Some(error));
            proving.set(None);
        })
    };

    let show = |typed: &str| *submitted || !typed.is_empty();
    let server_field_error = |field: &str| {
        server_error
            .as_ref()
            .filter(|e| field_of(e) == Some(field))
            .map(ApiError::message)
    };
    let username_error = show(&form.username)
        .then(|| form.username_error())
        .flatten()
        .or_else(|| server_field_error("username"));
    let wallet_error = show(&form.wallet_address)
        .then(|| form.wallet_error())
        .flatten()
        .or_else(|| server_field_error("wallet_address"));
    let form_error = server_error.as_ref().filter(|e| field_of(e).is_none());

    html! {
        <section class="card narrow" id="sign-up">
            <h1>{ "Create your account" }</h1>
            <p class="muted">{ "Pick a name for the leaderboard and give the Stellar address (G…) your account is tied to. Then sign a one-time message with that wallet: only the holder of an address can create its account." }</p>
            if let Some(error) = form_error {
                <Notice tone={Tone::Error}>{ error.message() }</Notice>
            }
            <form onsubmit={onsubmit} novalidate=true>
                <TextField id="username" label="Player name" value={form.username.clone()}
                    on_input={set(|f, v| f.username = v)} error={username_error}
                    hint={AttrValue::from("3 to 20 letters, digits, '_' or '-'.")}
                    autocomplete="username" placeholder="striker_42" />
                <TextField id="wallet_address" label="Stellar address" value={form.wallet_address.clone()}
                    on_input={set(|f, v| f.wallet_address = v)} error={wallet_error}
                    hint={AttrValue::from("Your public key: 56 characters starting with G. Never your secret key (S…).")}
                    autocomplete="off" placeholder="G…" monospace=true />
                if proving.is_none() {
                    <button class="button primary" type="submit" id="create-account">{ "Continue" }</button>
                }
            </form>
            if let Some((username, address)) = &*proving {
                <WalletProof address={*address} purpose={ProofPurpose::SignUp(username.clone())}
                    {on_verified} on_refused={Some(on_refused)} />
            }
            <p class="muted small">{ "Already playing? " }<Link<Route> to={Route::SignIn}>{ "Sign in" }</Link<Route>></p>
        </section>
    }
}

/// The form field an error is about: the server names it for validation errors, and a
/// conflict is about the value that is taken.
fn field_of(error: &ApiError) -> Option<&str> {
    error.field().or(match error.code()? {
        ErrorCode::UsernameTaken => Some("username"),
        ErrorCode::WalletTaken => Some("wallet_address"),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDRESS: &str = "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ";

    #[test]
    fn a_valid_form_parses() {
        let form = SignUpForm {
            username: " ada ".into(),
            wallet_address: ADDRESS.into(),
        };
        assert_eq!(form.username_error(), None);
        assert_eq!(form.wallet_error(), None);
        assert_eq!(form.parsed().unwrap().0.as_str(), "ada");
    }

    #[test]
    fn invalid_fields_say_what_is_wrong() {
        let form = SignUpForm {
            username: "a".into(),
            wallet_address: format!("{}A", &ADDRESS[..55]),
        };
        assert!(
            form.username_error()
                .unwrap()
                .starts_with("The name is too short")
        );
        assert!(form.wallet_error().unwrap().contains("checksum"));
        assert_eq!(form.parsed(), None);
        let secret = SignUpForm {
            username: "ada".into(),
            wallet_address: format!("S{}", &ADDRESS[1..]),
        };
        assert!(
            secret
                .wallet_error()
                .unwrap()
                .contains("not an account address")
        );
    }
}
