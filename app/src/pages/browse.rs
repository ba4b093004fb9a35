//! Home and browse: collective orders, products and freelance jobs, with filters and search.

use leptos::prelude::*;
use serde_json::Value;

use super::{error_box, esc, funding_html, loading, money};
use crate::{eth, net, wallet::Wallet};

/// A labelled text filter.
fn text_filter(label: &'static str, id: &'static str, sig: RwSignal<String>) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input id=id type="search" prop:value=move || sig.get()
            on:change=move |e| sig.set(event_target_value(&e)) />
    }
}

/// A labelled select filter over fixed options (value, label); "" = any.
fn select_filter(
    label: &'static str,
    id: &'static str,
    sig: RwSignal<String>,
    options: Vec<(String, String)>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <select id=id on:change=move |e| sig.set(event_target_value(&e))>
            <option value="">"Any"</option>
            {options.into_iter().map(|(v, l)| {
                let v2 = v.clone();
                view! { <option value=v selected=move || sig.get() == v2>{l}</option> }
            }).collect_view()}
        </select>
    }
}

/// One order as a card (HTML).
pub(crate) fn order_card(w: Wallet, o: &Value) -> String {
    let chain = eth::u64_of(&o["chain_id"]).unwrap_or_default();
    let id = eth::num_text(&o["order_id"]);
    let title = o["title"].as_str().map(str::to_owned).unwrap_or_else(|| format!("Order #{id}"));
    let token = o["token"].as_str().unwrap_or_default().to_owned();
    let price = money(w, chain, &token, &o["unit_price"]);
    let pledged = eth::u64_of(&o["units_pledged"]).unwrap_or(0);
    let min = eth::u64_of(&o["min_units"]).unwrap_or(0);
    let max = eth::u64_of(&o["max_units"]).unwrap_or(0);
    let kind = o["kind"].as_str().unwrap_or_default();
    let status = o["status"].as_str().unwrap_or_default();
    let place = [&o["region"], &o["craft"], &o["category"]]
        .iter()
        .filter_map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(" · ");
    format!(
        "<li class=\"card\" data-testid=\"order-card\"><a href=\"/orders/{chain}/{id}\"><h3>{}</h3></a><p class=\"small\"><span class=\"tag\">{}</span> <span class=\"tag status-{}\">{}</span> {}</p><p>{} per unit</p>{}{}</li>",
        esc(&title),
        esc(kind),
        esc(&status.to_lowercase()),
        esc(status),
        esc(&w.chain_name(chain)),
        esc(&price),
        if place.is_empty() {
            String::new()
        } else {
            format!("<p class=\"small muted\">{}</p>", esc(&place))
        },
        funding_html(pledged, min, max)
    )
}

/// Orders as a list of cards.
pub(crate) fn cards(w: Wallet, list: &[Value]) -> AnyView {
    let inner: String = list.iter().map(|o| order_card(w, o)).collect();
    view! { <ul class="cards" inner_html=inner></ul> }.into_any()
}

/// The browse page.
pub(crate) fn page() -> impl IntoView {
    let w = expect_context::<Wallet>();
    let kind = RwSignal::new(crate::query_param("kind").unwrap_or_default());
    let status = RwSignal::new(String::new());
    let chain = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let craft = RwSignal::new(String::new());
    let q = RwSignal::new(String::new());
    let orders = LocalResource::new(move || {
        let mut url = String::from("/v1/orders?limit=50");
        for (k, s) in [
            ("kind", kind),
            ("status", status),
            ("chain_id", chain),
            ("region", region),
            ("category", category),
            ("craft", craft),
            ("q", q),
        ] {
            let v = s.get();
            if !v.trim().is_empty() {
                url.push_str(&format!("&{k}={}", net::enc(v.trim())));
            }
        }
        w.refresh.track();
        async move { net::get(&url).await }
    });
    let opts = |xs: &[&str]| xs.iter().map(|x| (x.to_string(), x.to_string())).collect::<Vec<_>>();
    let chain_opts = move || {
        w.chains
            .get()
            .iter()
            .map(|c| {
                (eth::num_text(&c["chain_id"]), c["name"].as_str().unwrap_or_default().to_owned())
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="hero">
            <h1>"Order together, pay safely"</h1>
            <p>"Money waits in escrow until the work is delivered, is split openly, and every sale can be checked on chain from its QR code."</p>
        </section>
        <nav class="tabs" aria-label="Kinds">
            <button aria-pressed=move || (kind.get().is_empty()).to_string() on:click=move |_| kind.set(String::new())>"All"</button>
            <button aria-pressed=move || (kind.get() == "collective").to_string() on:click=move |_| kind.set("collective".into())>"Collective orders"</button>
            <button aria-pressed=move || (kind.get() == "sale").to_string() on:click=move |_| kind.set("sale".into())>"Products"</button>
            <button aria-pressed=move || (kind.get() == "freelance").to_string() on:click=move |_| kind.set("freelance".into())>"Freelance jobs"</button>
        </nav>
        <form class="filters" role="search" on:submit=move |e| e.prevent_default()>
            {text_filter("Search", "f-q", q)}
            {move || select_filter("Chain", "f-chain", chain, chain_opts())}
            {select_filter("Status", "f-status", status, opts(&eth::STATUSES))}
            {text_filter("Region", "f-region", region)}
            {text_filter("Category", "f-category", category)}
            {text_filter("Craft", "f-craft", craft)}
        </form>
        {move || (orders.get().map(|r| match r {
                Err(e) => error_box(format!("Could not load the orders: {e}")),
                Ok(page) => {
                    let items = page["items"].as_array().cloned().unwrap_or_default();
                    if items.is_empty() {
                        view! { <p class="muted">"No orders match."</p> }.into_any()
                    } else {
                        cards(w, &items)
                    }
                }
            })).unwrap_or_else(loading)}
    }
}
