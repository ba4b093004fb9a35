//! The Co-Intent web app: Leptos with client-side rendering, compiled to WASM and served by
//! `cointent serve` from the same origin as the API. `script/build-app` builds it into
//! `app/dist/` (cargo for `wasm32-unknown-unknown`, the `wasm-bindgen` CLI, `wasm-opt -Oz`).
//!
//! Bird's-eye view:
//! - [`wallet`]: EIP-6963 discovery and EIP-1193 requests through wasm-bindgen, chain
//!   switching, transaction states, signatures.
//! - `net`: `fetch` for the API (same origin) and for JSON-RPC to a chain's public RPC URL.
//! - `eth`: the contract glue: terms from the API's JSON, calldata from `cointent-abi`,
//!   custom errors turned into sentences, amounts.
//! - `pages`: one module per page; a tiny history router picks the page from the path.
//!
//! Browsing needs no wallet: everything read comes from the API or straight from the chain.

mod eth;
mod net;
mod pages;
pub mod wallet;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue, closure::Closure, prelude::wasm_bindgen};

/// The current path and query (`/orders/31337/1?ref=0x..`), set by links and history.
#[derive(Clone, Copy)]
pub(crate) struct Route(pub(crate) RwSignal<String>);

fn location() -> String {
    let l = web_sys::window().expect("window").location();
    format!("{}{}", l.pathname().unwrap_or_default(), l.search().unwrap_or_default())
}

thread_local! {
    // The router's signal, reachable from async tasks that run outside any reactive owner.
    static ROUTE: std::cell::Cell<Option<Route>> = const { std::cell::Cell::new(None) };
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

fn install_router(route: Route) {
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

/// The whole app: header with navigation and wallet, the page for the current path, and
/// the transaction status line.
#[component]
pub fn App() -> impl IntoView {
    let route = Route(RwSignal::new(location()));
    provide_context(route);
    ROUTE.with(|r| r.set(Some(route)));
    install_router(route);
    let w = wallet::Wallet::init();
    provide_context(w);
    let page = move || {
        let full = route.0.get();
        let path = full.split(['?', '#']).next().unwrap_or_default().to_owned();
        let segs: Vec<String> = path.trim_matches('/').split('/').map(str::to_owned).collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let chain_id = |s: &str| s.parse::<u64>().ok();
        match segs.as_slice() {
            [""] => pages::browse::page().into_any(),
            ["orders", c, id] if chain_id(c).is_some() => {
                pages::order::page(chain_id(c).unwrap_or_default(), (*id).to_owned()).into_any()
            }
            ["t", c, id] if chain_id(c).is_some() => {
                pages::transparency::page(chain_id(c).unwrap_or_default(), (*id).to_owned())
                    .into_any()
            }
            ["create"] => pages::create::page().into_any(),
            ["dashboard"] => pages::more::dashboard().into_any(),
            ["artisans", a] => pages::more::profile("artisans", (*a).to_owned()).into_any(),
            ["partners", a] => pages::more::profile("partners", (*a).to_owned()).into_any(),
            ["governance"] => pages::more::governance().into_any(),
            ["treasury"] => pages::more::treasury().into_any(),
            _ => view! {
                <h1>"Page not found"</h1>
                <p><a href="/">"Back to the orders"</a></p>
            }
            .into_any(),
        }
    };
    view! {
        <header class="top">
            <a class="brand" href="/">"Co-Intent"</a>
            <nav aria-label="Main">
                <a href="/">"Browse"</a>
                <a href="/create">"Create"</a>
                <a href="/dashboard">"Dashboard"</a>
                <a href="/governance">"Governance"</a>
                <a href="/treasury">"Treasury"</a>
            </nav>
            <wallet::WalletBar/>
        </header>
        <ChainBanner/>
        <wallet::TxBanner/>
        <main id="main">{page}</main>
    }
}

/// Warns when the wallet is on a chain the indexer does not serve, with a switch button.
#[component]
fn ChainBanner() -> impl IntoView {
    let w = expect_context::<wallet::Wallet>();
    let wrong = move || {
        let c = w.chain_id.get()?;
        w.account.get()?;
        let chains = w.chains.get();
        if chains.is_empty() || chains.iter().any(|x| eth::u64_of(&x["chain_id"]) == Some(c)) {
            return None;
        }
        Some((c, chains.first().and_then(|x| eth::u64_of(&x["chain_id"])).unwrap_or(1)))
    };
    move || {
        wrong().map(|(c, target)| {
            view! {
                <div class="banner" role="alert" data-testid="wrong-chain">
                    {format!("Your wallet is on chain {c}, which Co-Intent does not serve. ")}
                    <button on:click=move |_| {
                        leptos::task::spawn_local(async move {
                            if w.ensure_chain(target).await {
                                w.tx.set(wallet::TxState::Idle);
                            }
                        })
                    }>{format!("Switch to {}", w.chain_name(target))}</button>
                </div>
            }
        })
    }
}

/// Entry point called by the generated JS glue once the WASM module is loaded.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}
