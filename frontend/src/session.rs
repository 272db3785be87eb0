//! The signed-in player: the token from the API, kept in `localStorage` so a reload keeps the
//! player signed in, and shared with every component as a Yew context.

use std::rc::Rc;

use gloo_storage::{LocalStorage, Storage};
use protocol::api::{AuthResponse, PlayerProfile};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use yew::prelude::*;

const STORAGE_KEY: &str = "stellar-heads.session";

/// A token and who it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub player: PlayerProfile,
}

impl Session {
    pub fn is_expired_at(&self, unix_seconds: i64) -> bool {
        self.expires_at.unix_timestamp() <= unix_seconds
    }
}

impl From<AuthResponse> for Session {
    fn from(auth: AuthResponse) -> Self {
        Self {
            token: auth.token,
            expires_at: auth.expires_at,
            player: auth.player,
        }
    }
}

/// The session and a one-off notice for the sign-in page ("your session expired").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionState {
    pub session: Option<Session>,
    pub notice: Option<String>,
}

#[derive(Debug)]
pub enum SessionAction {
    SignedIn(AuthResponse),
    ProfileChanged(PlayerProfile),
    SignedOut,
    /// The server rejected the token; the message says why, on the sign-in page.
    Rejected(String),
    NoticeShown,
}

impl Reducible for SessionState {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: SessionAction) -> Rc<Self> {
        let next = match action {
            SessionAction::SignedIn(auth) => SessionState {
                session: Some(auth.into()),
                notice: None,
            },
            SessionAction::ProfileChanged(player) => SessionState {
                session: self
                    .session
                    .clone()
                    .map(|session| Session { player, ..session }),
                notice: self.notice.clone(),
            },
            SessionAction::SignedOut => SessionState {
                session: None,
                notice: Some("You are signed out.".to_owned()),
            },
            SessionAction::Rejected(message) => SessionState {
                session: None,
                notice: Some(message),
            },
            SessionAction::NoticeShown => SessionState {
                session: self.session.clone(),
                notice: None,
            },
        };
        Rc::new(next)
    }
}

pub type SessionHandle = UseReducerHandle<SessionState>;

/// What to tell a player whose token the server refused.
pub const SESSION_ENDED: &str =
    "Your session has ended (it expired or is no longer valid). Please sign in again.";

/// Seconds since the epoch, from the browser's clock.
pub fn now_unix_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// The stored session, if it is still valid; an expired one is removed with a notice.
fn load() -> SessionState {
    match LocalStorage::get::<Session>(STORAGE_KEY) {
        Ok(session) if !session.is_expired_at(now_unix_seconds()) => SessionState {
            session: Some(session),
            notice: None,
        },
        Ok(_) => {
            LocalStorage::delete(STORAGE_KEY);
            SessionState {
                session: None,
                notice: Some(SESSION_ENDED.to_owned()),
            }
        }
        Err(_) => SessionState::default(),
    }
}

fn save(session: Option<&Session>) {
    match session {
        Some(session) => {
            // A full or disabled storage only costs the player a sign-in after a reload.
            let _ = LocalStorage::set(STORAGE_KEY, session);
        }
        None => LocalStorage::delete(STORAGE_KEY),
    }
}

#[derive(Debug, Properties, PartialEq)]
pub struct SessionProviderProps {
    pub children: Html,
}

/// Provides the session to everything inside it and keeps `localStorage` in step.
#[function_component(SessionProvider)]
pub fn session_provider(props: &SessionProviderProps) -> Html {
    let state = use_reducer(load);
    use_effect_with(state.session.clone(), |session| save(session.as_ref()));
    html! {
        <ContextProvider<SessionHandle> context={state}>
            { props.children.clone() }
        </ContextProvider<SessionHandle>>
    }
}

#[hook]
pub fn use_session() -> SessionHandle {
    use_context::<SessionHandle>().expect("components are rendered inside SessionProvider")
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::username::Username;

    fn auth(name: &str) -> AuthResponse {
        AuthResponse {
            token: "t".into(),
            expires_at: OffsetDateTime::from_unix_timestamp(1_000).unwrap(),
            player: PlayerProfile {
                username: Username::parse(name).unwrap(),
                wallet_address: "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"
                    .parse()
                    .unwrap(),
                created_at: OffsetDateTime::from_unix_timestamp(0).unwrap(),
            },
        }
    }

    #[test]
    fn a_rejected_token_signs_out_with_the_reason() {
        let state = Rc::new(SessionState::default())
            .reduce(SessionAction::SignedIn(auth("ada")))
            .reduce(SessionAction::Rejected(SESSION_ENDED.into()));
        assert_eq!(state.session, None);
        assert_eq!(state.notice.as_deref(), Some(SESSION_ENDED));
        let state = state.reduce(SessionAction::NoticeShown);
        assert_eq!(state.notice, None);
    }

    #[test]
    fn a_new_profile_keeps_the_token() {
        let state = Rc::new(SessionState::default())
            .reduce(SessionAction::SignedIn(auth("ada")))
            .reduce(SessionAction::ProfileChanged(auth("ada_lovelace").player));
        let session = state.session.clone().unwrap();
        assert_eq!(session.token, "t");
        assert_eq!(session.player.username.as_str(), "ada_lovelace");
    }

    #[test]
    fn expiry_is_checked_against_the_clock() {
        let session = Session::from(auth("ada"));
        assert!(!session.is_expired_at(999));
        assert!(session.is_expired_at(1_000));
    }

    #[test]
    fn sessions_survive_storage() {
        let session = Session::from(auth("ada_lovelace"));
        let json = serde_json::to_string(&session).unwrap();
        assert_eq!(serde_json::from_str::<Session>(&json).unwrap(), session);
    }
}
