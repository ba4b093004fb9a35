//! The Co-Intent web app: Leptos with client-side rendering, compiled to WASM and served by
//! `cointent serve` from the same origin as the API. `script/build-app` builds it into
//! `app/dist/` (cargo for `wasm32-unknown-unknown`, then the `wasm-bindgen` CLI).

use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <header><h1>"Co-Intent"</h1></header>
        <main>
            <p>"Order together, pay safely: every sale checkable on chain."</p>
        </main>
    }
}

/// Entry point called by the generated JS glue once the WASM module is loaded.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}
