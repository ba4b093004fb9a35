//! Orders as cards, the list every page that shows orders uses (browse, dashboard,
//! profiles).

use cointent_domain::{Page, escape_html, orders::OrderSummary};
use leptos::prelude::*;

use super::{Load, error_box, funding_html, loading};
use crate::{
    api,
    format::money,
    i18n::{t, tf},
    wallet::Wallet,
};

/// One order as a card (HTML).
pub(crate) fn order_card(w: Wallet, o: &OrderSummary) -> String {
    let chain = o.chain_id;
    let id = o.order_id;
    let title = o.title.clone().unwrap_or_else(|| tf("Order #{0}", &[&id]));
    let price = money(w, chain, &o.token, o.unit_price);
    let status = o.status.as_str();
    let per_unit = tf("{0} per unit", &[&price]);
    let place = [&o.region, &o.craft, &o.category]
        .into_iter()
        .filter_map(Option::as_deref)
        .collect::<Vec<_>>()
        .join(" · ");
    format!(
        "<li class=\"card\" data-testid=\"order-card\"><a href=\"/orders/{chain}/{id}\"><h3>{}</h3></a><p class=\"small\"><span class=\"tag\">{}</span> <span class=\"tag status-{}\">{}</span> {}</p><p>{}</p>{}{}</li>",
        escape_html(&title),
        escape_html(&t(o.kind.as_str())),
        status.to_ascii_lowercase(),
        escape_html(&t(status)),
        escape_html(&w.chain_name(chain)),
        escape_html(&per_unit),
        if place.is_empty() {
            String::new()
        } else {
            format!("<p class=\"small muted\">{}</p>", escape_html(&place))
        },
        funding_html(o.units_pledged, o.min_units, o.max_units)
    )
}

/// Orders as a list of cards.
pub(crate) fn cards(w: Wallet, list: &[OrderSummary]) -> AnyView {
    let inner: String = list.iter().map(|o| order_card(w, o)).collect();
    view! { <ul class="cards" inner_html=inner></ul> }.into_any()
}

/// The orders of an API list path (a [`Page`] of [`OrderSummary`]) as cards, reloaded
/// after each confirmed transaction; `empty` when there are none.
pub(crate) fn order_list(w: Wallet, path: String, empty: String) -> impl IntoView {
    let res = Load::new(move || {
        w.refresh.track();
        w.live.track();
        let p = path.clone();
        async move { api::get::<Page<OrderSummary>>(&p).await }
    });
    view! {
        {move || res.with(|r| match r {
                None => loading(),
                Some(Err(e)) => error_box(e.to_owned()),
                Some(Ok(page)) if page.items.is_empty() => view! { <p class="muted">{empty.clone()}</p> }.into_any(),
                Some(Ok(page)) => cards(w, &page.items),
            })}
    }
}
