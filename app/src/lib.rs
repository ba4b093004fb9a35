//! The Co-Intent web app: Leptos with client-side rendering, compiled to WASM and served by
//! `cointent serve` from the same origin as the API. `script/build-app` builds it into
//! `app/dist/` (cargo for `wasm32-unknown-unknown`, the `wasm-bindgen` CLI, `wasm-opt -Oz`).
//!
//! Bird's-eye view:
//! - `api`: the indexer's API (same origin), each answer deserialized into its
//!   `cointent-domain` type, so a renamed field is a compile error rather than a blank.
//! - `net`: `fetch`, and JSON-RPC to a chain's public RPC URL (`eth_call`, blocks).
//! - [`wallet`]: the browser wallet, hand-written against EIP-6963 and EIP-1193:
//!   `discovery`, `provider`, `transactions`, and `view` (the wallet bar, the picker, the
//!   wrong-chain banner, the transaction status line).
//! - `eth`: the contract glue: the ERC-20 calls the app needs, custom errors turned into
//!   sentences, addresses.
//! - `i18n`: English and Hindi: the language chosen at start-up, [`t`](i18n::t) for every
//!   text people read (the Hindi fetched from a catalogue, never compiled in).
//! - `format`: amounts with their token's symbol and decimals, and dates, for people.
//! - `pages`: one file per page (`browse`, `order`, `create`, `dashboard`, `profile`,
//!   `governance`, `treasury`, `transparency`) and the pieces they share; `router` picks
//!   the page from the path.
//!
//! Browsing needs no wallet: everything read comes from the API or straight from the chain.

mod api;
mod eth;
mod format;
mod i18n;
mod net;
mod pages;
mod router;
pub mod wallet;

use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::{
    i18n::{Lang, t},
    router::Route,
};

/// The whole app: header with navigation and wallet, the page for the current path, and
/// the transaction status line.
#[component]
pub fn App() -> impl IntoView {
    let route = Route(RwSignal::new(router::location()));
    provide_context(route);
    router::install(route);
    let w = wallet::Wallet::init();
    provide_context(w);
    let page = move || {
        if !w.ready.get() {
            return pages::loading();
        }
        let full = route.0.get();
        let path = full.split(['?', '#']).next().unwrap_or_default().to_owned();
        let segs: Vec<String> = path.trim_matches('/').split('/').map(str::to_owned).collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let chain_id = |s: &str| s.parse::<u64>().ok();
        match segs.as_slice() {
            [""] => pages::browse::page().into_any(),
            ["orders", c, id] if chain_id(c).is_some() => {
                later(split::order(chain_id(c).unwrap_or_default(), (*id).to_owned()))
            }
            ["t", c, id] if chain_id(c).is_some() => {
                later(split::transparency(chain_id(c).unwrap_or_default(), (*id).to_owned()))
            }
            ["create"] => later(split::create()),
            ["sell"] => later(split::sell()),
            ["products"] => later(split::products()),
            ["products", c, id] if chain_id(c).is_some() => {
                later(split::product(chain_id(c).unwrap_or_default(), (*id).to_owned()))
            }
            ["cart"] => later(split::cart()),
            ["dashboard"] => later(split::dashboard()),
            ["artisans"] => later(split::artisans()),
            ["artisans", a] => later(split::artisan((*a).to_owned())),
            ["partners", a] => later(split::partner((*a).to_owned())),
            ["governance"] => later(split::governance()),
            ["treasury"] => later(split::treasury()),
            _ => view! {
                <h1>{t("Page not found")}</h1>
                <p><a href="/">{t("Back to the orders")}</a></p>
            }
            .into_any(),
        }
    };
    view! {
        <a class="skip" href="#main">{t("Skip to content")}</a>
        <header class="top">
            <a class="brand" href="/">"Co-Intent"</a>
            <nav aria-label=t("Main")>
                <a href="/">{t("Browse")}</a>
                <a href="/products">{t("Shop")}</a>
                <a href="/artisans">{t("Artisans")}</a>
                <a href="/cart">{t("Cart")}</a>
                <a href="/sell">{t("Sell")}</a>
                <a href="/create">{t("Create")}</a>
                <a href="/dashboard">{t("Dashboard")}</a>
                <a href="/governance">{t("Governance")}</a>
                <a href="/treasury">{t("Treasury")}</a>
            </nav>
            <wallet::WalletBar/>
            {lang_switch()}
        </header>
        <wallet::ChainBanner/>
        <wallet::TxBanner/>
        <main id="main" tabindex="-1">{page}</main>
    }
}

/// A page from its own WASM module (see [`split`]): the loading line until the module is
/// there, then the page, inside the current owner so it finds the wallet and the route.
fn later(page: impl Future<Output = AnyView> + 'static) -> AnyView {
    let page = leptos::__reexports::send_wrapper::SendWrapper::new(page);
    view! { <Suspense fallback=pages::loading>{Suspend::new(page)}</Suspense> }.into_any()
}

/// The pages that the first visit rarely needs (creating an order, the shop, the dashboard,
/// profiles, governance, the treasury) are split points: `script/build-app` cuts what only
/// they use into separate WASM modules (`wasm-split-cli`), fetched the first time one opens.
/// Browsing, an order and its transparency page stay in the module every visit loads.
mod split {
    use leptos::prelude::*;

    use crate::pages;

    #[lazy]
    pub(crate) fn order(chain_id: u64, order_id: String) -> AnyView {
        pages::order::page(chain_id, order_id).into_any()
    }

    #[lazy]
    pub(crate) fn transparency(chain_id: u64, order_id: String) -> AnyView {
        pages::transparency::page(chain_id, order_id).into_any()
    }

    #[lazy]
    pub(crate) fn create() -> AnyView {
        pages::create::page().into_any()
    }

    #[lazy]
    pub(crate) fn sell() -> AnyView {
        pages::sell::page().into_any()
    }

    #[lazy]
    pub(crate) fn products() -> AnyView {
        pages::shop::list_page().into_any()
    }

    #[lazy]
    pub(crate) fn product(chain_id: u64, listing_id: String) -> AnyView {
        pages::shop::product_page(chain_id, listing_id).into_any()
    }

    #[lazy]
    pub(crate) fn cart() -> AnyView {
        pages::shop::cart_page().into_any()
    }

    #[lazy]
    pub(crate) fn dashboard() -> AnyView {
        pages::dashboard::page().into_any()
    }

    #[lazy]
    pub(crate) fn artisans() -> AnyView {
        pages::explore::artisans_page().into_any()
    }

    #[lazy]
    pub(crate) fn artisan(address: String) -> AnyView {
        pages::profile::page(pages::profile::Kind::Artisan, address).into_any()
    }

    #[lazy]
    pub(crate) fn partner(address: String) -> AnyView {
        pages::profile::page(pages::profile::Kind::Partner, address).into_any()
    }

    #[lazy]
    pub(crate) fn governance() -> AnyView {
        pages::governance::page().into_any()
    }

    #[lazy]
    pub(crate) fn treasury() -> AnyView {
        pages::treasury::page().into_any()
    }
}

/// The language switch: the other language, named in itself; choosing it reloads the page.
fn lang_switch() -> impl IntoView {
    let (other, label, tag) = match i18n::lang() {
        Lang::En => (Lang::Hi, "हिन्दी", "hi"),
        Lang::Hi => (Lang::En, "English", "en"),
    };
    view! {
        <button class="link lang" lang=tag data-testid="lang-switch"
            on:click=move |_| i18n::switch(other)>{label}</button>
    }
}

/// Entry point called by the generated JS glue once the WASM module is loaded: picks the
/// language, fetches the Hindi catalogue when it is Hindi, then mounts the app.
#[wasm_bindgen(start)]
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        if i18n::pick() == Lang::Hi {
            i18n::load_catalogue().await;
        }
        leptos::mount::mount_to_body(App);
    });
}
