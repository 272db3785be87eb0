//! The page's half of the page <-> game protocol (`protocol::messages`).
//!
//! The game runs in an iframe served from our own origin. The page listens before it loads
//! the frame (so it cannot miss `ready`), accepts a message only when it comes from that
//! origin *and* from the frame's window, and sends only to that exact origin.

use gloo_events::EventListener;
use protocol::messages::{GameToPage, PageToGame};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlIFrameElement, MessageEvent};
use yew::Callback;

/// Where the built game lives in the web root.
pub const GAME_PATH: &str = "/game/index.html";

/// Why a `message` event was not taken as a message from the game.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ignored {
    ForeignOrigin(String),
    OtherWindow,
    NotText,
    Malformed(String),
}

/// Checks a `message` event's origin, sender and contents, in that order.
pub fn accept(
    origin: &str,
    expected_origin: &str,
    from_game_window: bool,
    data: Option<String>,
) -> Result<GameToPage, Ignored> {
    if origin != expected_origin {
        return Err(Ignored::ForeignOrigin(origin.to_owned()));
    }
    if !from_game_window {
        return Err(Ignored::OtherWindow);
    }
    let text = data.ok_or(Ignored::NotText)?;
    serde_json::from_str(&text).map_err(|error| Ignored::Malformed(error.to_string()))
}

fn page_origin() -> String {
    gloo_utils::window()
        .location()
        .origin()
        .expect("a page has an origin")
}

/// Starts listening for the game's messages in `frame`; stops when the listener is dropped.
/// Call before setting the frame's `src`.
pub fn listen(frame: HtmlIFrameElement, on_message: Callback<GameToPage>) -> EventListener {
    let expected_origin = page_origin();
    EventListener::new(&gloo_utils::window(), "message", move |event| {
        let Some(event) = event.dyn_ref::<MessageEvent>() else {
            return;
        };
        let from_game_window = match (event.source(), frame.content_window()) {
            (Some(source), Some(game)) => js_sys::Object::is(&source, &JsValue::from(game)),
            _ => false,
        };
        match accept(
            &event.origin(),
            &expected_origin,
            from_game_window,
            event.data().as_string(),
        ) {
            Ok(message) => on_message.emit(message),
            Err(ignored) => {
                web_sys::console::warn_1(&format!("ignored a message: {ignored:?}").into())
            }
        }
    })
}

/// Asks the browser to fetch the game's WebAssembly (`<link rel="prefetch">`) while the player
/// chooses an opponent, so that the game starts from the cache. The file's hashed name is in
/// the game page's `data-wasm`. Best effort: any failure just leaves it to the game's loader.
pub async fn prefetch() {
    let Ok(response) = gloo_net::http::Request::get(GAME_PATH).send().await else {
        return;
    };
    let Ok(page) = response.text().await else {
        return;
    };
    let Some(name) = wasm_name(&page) else {
        return;
    };
    let document = gloo_utils::document();
    let href = format!("/game/{name}");
    let selector = format!("link[rel=prefetch][href=\"{href}\"]");
    if matches!(document.query_selector(&selector), Ok(Some(_))) {
        return;
    }
    let (Ok(link), Some(head)) = (document.create_element("link"), document.head()) else {
        return;
    };
    let _ = link.set_attribute("rel", "prefetch");
    let _ = link.set_attribute("href", &href);
    let _ = head.append_child(&link);
}

/// The game's WebAssembly file name, from its page's `data-wasm="..."`: a plain file name
/// ending in `.wasm`, or nothing.
pub fn wasm_name(page: &str) -> Option<&str> {
    const ATTRIBUTE: &str = "data-wasm=\"";
    let start = page.find(ATTRIBUTE)? + ATTRIBUTE.len();
    let name = &page[start..start + page[start..].find('"')?];
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    (plain && name.ends_with(".wasm")).then_some(name)
}

/// Loads the game into `frame` (after [`listen`]).
pub fn load(frame: &HtmlIFrameElement) {
    frame.set_src(GAME_PATH);
}

/// Sends a message to the game, to our own origin only.
pub fn send(frame: &HtmlIFrameElement, message: &PageToGame) {
    let Some(game) = frame.content_window() else {
        return;
    };
    let json = serde_json::to_string(message).expect("messages serialise");
    let _ = game.post_message(&JsValue::from_str(&json), &page_origin());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_games_wasm_in_its_page() {
        let page = r#"<div id="loading" data-js="g-1.js" data-wasm="stellar_heads_game-0123abcd_bg.wasm" data-bytes="9">"#;
        assert_eq!(wasm_name(page), Some("stellar_heads_game-0123abcd_bg.wasm"));
        assert_eq!(wasm_name("<html>no game here</html>"), None);
        assert_eq!(wasm_name(r#"data-wasm="../../evil.wasm""#), None);
        assert_eq!(wasm_name(r#"data-wasm="__GAME_WASM__""#), None);
        assert_eq!(wasm_name(r#"data-wasm="unterminated.wasm"#), None);
    }

    const ORIGIN: &str = "https://heads.example";
    const READY: &str = r#"{"type":"ready","data":{"protocol_version":2,"sim_version":3}}"#;

    #[test]
    fn accepts_the_games_messages() {
        assert_eq!(
            accept(ORIGIN, ORIGIN, true, Some(READY.into())),
            Ok(GameToPage::Ready {
                protocol_version: 2,
                sim_version: 3,
            })
        );
    }

    #[test]
    fn ignores_other_origins_and_windows() {
        assert_eq!(
            accept("https://evil.example", ORIGIN, true, Some(READY.into())),
            Err(Ignored::ForeignOrigin("https://evil.example".into()))
        );
        assert_eq!(
            accept(ORIGIN, ORIGIN, false, Some(READY.into())),
            Err(Ignored::OtherWindow)
        );
    }

    #[test]
    fn ignores_what_is_not_a_message() {
        assert_eq!(accept(ORIGIN, ORIGIN, true, None), Err(Ignored::NotText));
        assert!(matches!(
            accept(ORIGIN, ORIGIN, true, Some(r#"{"type":"win"}"#.into())),
            Err(Ignored::Malformed(_))
        ));
    }
}
