//! Home and browse: collective orders, products and freelance jobs, with filters and search.

use cointent_domain::{OrderStatus, Page, orders::OrderSummary};
use leptos::prelude::*;

use super::{Load, cards::cards, error_box, loading};
use crate::{
    api,
    i18n::{t, tf},
    net,
    wallet::Wallet,
};

/// A labelled text filter.
fn text_filter(label: String, id: &'static str, sig: RwSignal<String>) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input id=id type="search" prop:value=move || sig.get()
            on:change=move |e| sig.set(event_target_value(&e)) />
    }
}

/// A labelled select filter over fixed options (value, label); "" = any.
fn select_filter(
    label: String,
    id: &'static str,
    sig: RwSignal<String>,
    options: Vec<(String, String)>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <select id=id on:change=move |e| sig.set(event_target_value(&e))>
            <option value="">{t("Any")}</option>
            {options.into_iter().map(|(v, l)| {
                let v2 = v.clone();
                view! { <option value=v prop:selected=move || sig.get() == v2>{l}</option> }
            }).collect_view()}
        </select>
    }
}

/// The browse page.
pub(crate) fn page() -> impl IntoView {
    let w = expect_context::<Wallet>();
    // The filters live in the page's address: a link shares them, and Back (which rebuilds
    // the page from the address) restores them.
    let param = |k| RwSignal::new(crate::router::query_param(k).unwrap_or_default());
    let (kind, status, chain) = (param("kind"), param("status"), param("chain_id"));
    let (region, category, craft, q) =
        (param("region"), param("category"), param("craft"), param("q"));
    let filters = [
        ("kind", kind),
        ("status", status),
        ("chain_id", chain),
        ("region", region),
        ("category", category),
        ("craft", craft),
        ("q", q),
    ];
    let query = move || {
        filters
            .iter()
            .filter_map(|(k, s)| {
                let v = s.get();
                (!v.trim().is_empty()).then(|| format!("{k}={}", net::enc(v.trim())))
            })
            .collect::<Vec<_>>()
            .join("&")
    };
    Effect::new(move |_| {
        let query = query();
        let Some(window) = web_sys::window() else { return };
        let now = window.location().search().unwrap_or_default();
        if now.trim_start_matches('?') != query
            && let Ok(history) = window.history()
        {
            let to = if query.is_empty() { "/".to_owned() } else { format!("/?{query}") };
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&to));
        }
    });
    let orders = Load::new(move || {
        let mut url = String::from("/v1/orders?limit=50");
        let query = query();
        if !query.is_empty() {
            url.push('&');
            url.push_str(&query);
        }
        w.refresh.track();
        w.live.track();
        async move { api::get::<Page<OrderSummary>>(&url).await }
    });
    let statuses =
        OrderStatus::ALL.iter().map(|s| (s.as_str().to_owned(), t(s.as_str()))).collect();
    let chain_opts = move || {
        w.chains.get().into_iter().map(|c| (c.chain_id.to_string(), c.name)).collect::<Vec<_>>()
    };
    view! {
        <section class="hero">
            <h1>{t("Order together, pay safely")}</h1>
            <p>{t("Money waits in escrow until the work is delivered, is split openly, and every sale can be checked on chain from its QR code.")}</p>
        </section>
        <nav class="tabs" aria-label=t("Kinds")>
            <button aria-pressed=move || (kind.get().is_empty()).to_string() on:click=move |_| kind.set(String::new())>{t("All")}</button>
            <button aria-pressed=move || (kind.get() == "collective").to_string() on:click=move |_| kind.set("collective".into())>{t("Collective orders")}</button>
            <button aria-pressed=move || (kind.get() == "sale").to_string() on:click=move |_| kind.set("sale".into())>{t("Products")}</button>
            <button aria-pressed=move || (kind.get() == "freelance").to_string() on:click=move |_| kind.set("freelance".into())>{t("Freelance jobs")}</button>
        </nav>
        <form class="filters" role="search" on:submit=move |e| e.prevent_default()>
            {text_filter(t("Search"), "f-q", q)}
            {move || select_filter(t("Chain"), "f-chain", chain, chain_opts())}
            {select_filter(t("Status"), "f-status", status, statuses)}
            {text_filter(t("Region"), "f-region", region)}
            {text_filter(t("Category"), "f-category", category)}
            {text_filter(t("Craft"), "f-craft", craft)}
        </form>
        {move || orders.with(|r| match r {
                None => loading(),
                Some(Err(e)) => error_box(tf("Could not load the orders: {0}", &[&e])),
                Some(Ok(page)) if page.items.is_empty() => {
                    view! { <p class="muted">{t("No orders match.")}</p> }.into_any()
                }
                Some(Ok(page)) => cards(w, &page.items),
            })}
    }
}
