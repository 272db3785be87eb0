use protocol::api::LeaderboardPage;
use yew::platform::spawn_local;
use yew::prelude::*;
use yew_router::prelude::Link;

use crate::api;
use crate::components::controls::Controls;
use crate::pages::leaderboard::LeaderboardTable;
use crate::route::Route;
use crate::session::use_session;

#[function_component(Home)]
pub fn home() -> Html {
    let session = use_session();
    let top = use_state(|| None::<LeaderboardPage>);
    {
        let top = top.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(page) = api::leaderboard(5, None, None).await {
                    top.set(Some(page));
                }
            });
        });
    }
    let call_to_action = if session.session.is_some() {
        html! { <Link<Route> to={Route::Play} classes="button primary large">{ "Play now" }</Link<Route>> }
    } else {
        html! {
            <>
                <Link<Route> to={Route::SignUp} classes="button primary large">{ "Create an account" }</Link<Route>>
                <Link<Route> to={Route::SignIn} classes="button large">{ "Sign in with your wallet" }</Link<Route>>
                <Link<Route> to={Route::Play} classes="button large practice">{ "Practice without an account" }</Link<Route>>
            </>
        }
    };
    let me = session.session.as_ref().map(|s| s.player.wallet_address);
    html! {
        <>
            <section class="hero">
                <h1>{ "Big heads. One ball. Five goals." }</h1>
                <p class="lead">{ "Stellar Heads is head soccer in your browser: jump, head and kick the ball past the computer (or a friend on the same keyboard). Tie your account to a Stellar address and climb the leaderboard." }</p>
                <div class="actions">{ call_to_action }</div>
            </section>
            <div class="columns">
                <section class="card">
                    <h2>{ "How to play" }</h2>
                    <Controls />
                    <p class="muted">{ "First to five goals wins; otherwise the score after three minutes stands." }</p>
                </section>
                <section class="card">
                    <h2>{ "Top players" }</h2>
                    {
                        match &*top {
                            Some(page) if !page.entries.is_empty() => html! {
                                <>
                                    <LeaderboardTable entries={page.entries.clone()} {me} />
                                    <Link<Route> to={Route::Leaderboard}>{ "Full leaderboard →" }</Link<Route>>
                                </>
                            },
                            Some(_) => html! { <p class="empty">{ "No ranked matches yet: the top spot is free." }</p> },
                            None => html! { <p class="muted">{ "Loading…" }</p> },
                        }
                    }
                </section>
            </div>
        </>
    }
}
