//! A tiny history router: the current path lives in a signal ([`Route`]); clicks on links
//! to this app's paths and the browser's back and forward buttons change it without a reload.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};

/// The current path and query (`/orders/31337/1?ref=0x..`), set by links and history.
#[derive(Clone, Copy)]
pub(crate) struct Route(pub(crate) RwSignal<String>);

thread_local! {
    // The router's signal, reachable from async tasks that run outside any reactive owner.
    static ROUTE: std::cell::Cell<Option<Route>> = const { std::cell::Cell::new(None) };
}

/// The browser's current path and query.
pub(crate) fn location() -> String {
    let l = web_sys::window().expect("window").location();
    format!("{}{}", l.pathname().unwrap_or_default(), l.search().unwrap_or_default())
}

/// Goes to `to` (a path of this app) without reloading.
pub(crate) fn navigate(to: &str) {
    let w = web_sys::window().expect("window");
    if let Ok(h) = w.history() {
        let _ = h.push_state_with_url(&JsValue::NULL, "", Some(to));
    }
    if let Some(r) = ROUTE.with(|r| r.get()) {
        r.0.set(to.to_owned());
    }
    w.scroll_to_with_x_and_y(0.0, 0.0);
}

/// A query parameter of the current URL.
pub(crate) fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search.trim_start_matches('?').split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| js_sys::decode_uri_component(v).ok().map(String::from)).flatten()
    })
}

/// Makes `route` the app's route and follows link clicks and history into it.
pub(crate) fn install(route: Route) {
    ROUTE.with(|r| r.set(Some(route)));
    let window = web_sys::window().expect("window");
    let on_click = Closure::<dyn FnMut(web_sys::MouseEvent)>::new(move |e: web_sys::MouseEvent| {
        if e.default_prevented()
            || e.button() != 0
            || e.ctrl_key()
            || e.meta_key()
            || e.shift_key()
            || e.alt_key()
        {
            return;
        }
        let Some(a) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("a[href]").ok().flatten())
        else {
            return;
        };
        let href = a.get_attribute("href").unwrap_or_default();
        let internal = href.starts_with('/')
            && !href.starts_with("//")
            && !href.starts_with("/v1/")
            && !href.starts_with("/docs")
            && a.get_attribute("target").is_none()
            && a.get_attribute("download").is_none();
        if internal {
            e.prevent_default();
            if let Ok(h) = web_sys::window().expect("window").history() {
                let _ = h.push_state_with_url(&JsValue::NULL, "", Some(&href));
            }
            route.0.set(href);
            web_sys::window().expect("window").scroll_to_with_x_and_y(0.0, 0.0);
        }
    });
    if let Some(doc) = window.document() {
        let _ = doc.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    }
    on_click.forget();
    let on_pop = Closure::<dyn FnMut()>::new(move || route.0.set(location()));
    let _ = window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
    on_pop.forget();
}
