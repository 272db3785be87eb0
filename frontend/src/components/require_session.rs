use yew::prelude::*;
use yew_router::prelude::Redirect;

use crate::route::Route;
use crate::session::{Session, use_session};

#[derive(Debug, Properties, PartialEq)]
pub struct RequireSessionProps {
    /// Renders the page for the signed-in player.
    pub render: Callback<Session, Html>,
}

/// A page for signed-in players: anyone else goes to the sign-in page (which says why, when
/// the server ended the session).
#[function_component(RequireSession)]
pub fn require_session(props: &RequireSessionProps) -> Html {
    let session = use_session();
    match &session.session {
        Some(current) => props.render.emit(current.clone()),
        None => html! { <Redirect<Route> to={Route::SignIn} /> },
    }
}
