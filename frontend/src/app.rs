//! The app: session, router, and the frame every page sits in.

use yew::platform::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;
use crate::session::{SessionAction, SessionProvider, use_session};
use crate::{api, pages};

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <SessionProvider>
            <BrowserRouter>
                <Header />
                <main class="page">
                    <Switch<Route> render={switch} />
                </main>
                <footer class="site-footer">
                    <p>{ "Stellar Heads — head soccer in your browser. Accounts are tied to a Stellar address; no funds ever move." }</p>
                </footer>
            </BrowserRouter>
        </SessionProvider>
    }
}

fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <pages::home::Home /> },
        Route::SignUp => html! { <pages::sign_up::SignUp /> },
        Route::SignIn => html! { <pages::sign_in::SignIn /> },
        Route::Play => html! { <pages::play::Play /> },
        Route::Leaderboard => html! { <pages::leaderboard::Leaderboard /> },
        Route::Matches => html! { <pages::matches::Matches /> },
        Route::Watch { match_id } => html! { <pages::watch::Watch {match_id} /> },
        Route::NotFound => html! { <pages::not_found::NotFound /> },
    }
}

#[function_component(Header)]
fn header() -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let current = use_route::<Route>();
    let nav_link = |route: Route, label: &'static str| {
        let class = classes!("nav-link", (current == Some(route)).then_some("active"));
        html! { <Link<Route> to={route} classes={class}>{ label }</Link<Route>> }
    };
    let account = match &session.session {
        Some(signed_in) => {
            // Forgotten here at once; the server ends the session too, so a copy of the token
            // is refused. (Offline, the token stays valid until it expires: "sign out
            // everywhere" from another device ends it.)
            let sign_out = {
                let session = session.clone();
                let token = signed_in.token.clone();
                Callback::from(move |_: MouseEvent| {
                    let token = token.clone();
                    spawn_local(async move {
                        if let Err(error) = api::sign_out(&token).await {
                            web_sys::console::warn_1(
                                &format!("sign-out: {}", error.message()).into(),
                            );
                        }
                    });
                    session.dispatch(SessionAction::SignedOut);
                    if let Some(navigator) = &navigator {
                        navigator.push(&Route::SignIn);
                    }
                })
            };
            let player = &signed_in.player;
            html! {
                <div class="account">
                    <span class="player-name" id="signed-in-as">{ player.username.to_string() }</span>
                    <button class="button small" id="sign-out" onclick={sign_out}>{ "Sign out" }</button>
                </div>
            }
        }
        None => html! {
            <div class="account">
                { nav_link(Route::SignIn, "Sign in") }
                <Link<Route> to={Route::SignUp} classes="button primary small">{ "Sign up" }</Link<Route>>
            </div>
        },
    };
    html! {
        <header class="site-header">
            <Link<Route> to={Route::Home} classes="brand">
                <span class="brand-ball" aria-hidden="true"></span>{ "Stellar Heads" }
            </Link<Route>>
            <nav aria-label="Main">
                { nav_link(Route::Play, "Play") }
                { nav_link(Route::Leaderboard, "Leaderboard") }
                if session.session.is_some() { { nav_link(Route::Matches, "My matches") } }
            </nav>
            { account }
        </header>
    }
}
