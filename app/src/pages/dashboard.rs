//! The dashboard of the connected account (`/dashboard`): its roles, earnings, balances to
//! withdraw and reputation (the API's `Account`), and its orders as maker, backer and
//! promoter.

use cointent_domain::{
    OrderStatus,
    accounts::{Account, Reputation},
};
use leptos::prelude::*;

use super::{
    Load,
    cards::{order_list, order_list_for},
    dl_html, error_box, loading, raw,
};
use crate::{api, format::money, wallet::Wallet};

/// A seller's reputation on one chain, in a sentence.
pub(crate) fn reputation_text(r: &Reputation) -> String {
    format!(
        "score {}: {} completed orders, {} milestones released without a dispute, {} disputes \
         lost, {} deliveries missed",
        r.score, r.completed_orders, r.on_time_milestones, r.disputes_lost, r.deliveries_missed
    )
}

/// An account's roles, earnings, balances and reputation as definition-list rows.
fn account_rows(w: Wallet, a: &Account) -> Vec<(String, String)> {
    let r = &a.roles;
    let by_status: Vec<String> = OrderStatus::ALL
        .iter()
        .filter(|s| r.seller.by_status.get(**s) > 0)
        .map(|s| format!("{} {s}", r.seller.by_status.get(*s)))
        .collect();
    let mut maker = format!("{} orders", r.seller.orders);
    if !by_status.is_empty() {
        maker += &format!(" ({})", by_status.join(", "));
    }
    let amounts = |list: Vec<String>| {
        if list.is_empty() { "nothing yet".to_owned() } else { list.join(", ") }
    };
    let mut rows = vec![
        ("As maker".to_owned(), maker),
        (
            "As backer".to_owned(),
            format!("{} orders, {} units held", r.backer.orders, r.backer.units),
        ),
        (
            "As promoter".to_owned(),
            format!("{} orders, {} units brought", r.promoter.orders, r.promoter.units),
        ),
        ("As split recipient".to_owned(), format!("{} orders", r.recipient.orders)),
        (
            "As arbiter".to_owned(),
            format!("{} orders, {} open disputes", r.arbiter.orders, r.arbiter.open_disputes),
        ),
        (
            "Earned".to_owned(),
            amounts(a.earnings.iter().map(|e| money(w, e.chain_id, &e.token, e.total)).collect()),
        ),
        (
            "To withdraw".to_owned(),
            amounts(
                a.claimable
                    .iter()
                    .filter(|c| !c.amount.0.is_zero())
                    .map(|c| money(w, c.chain_id, &c.token, c.amount))
                    .collect(),
            ),
        ),
    ];
    for rep in &a.reputation {
        rows.push((format!("Reputation on {}", w.chain_name(rep.chain_id)), reputation_text(rep)));
    }
    rows
}

/// Rows as an escaped `<dl class="terms">` view.
pub(crate) fn rows_view(rows: &[(String, String)]) -> AnyView {
    let rows: Vec<(&str, String)> = rows.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    raw(dl_html("terms", &rows))
}

/// The dashboard of the connected account: maker, backer and promoter views.
pub(crate) fn page() -> impl IntoView {
    let w = expect_context::<Wallet>();
    move || match w.account.get() {
        None => view! {
            <h1>"Dashboard"</h1>
            <p>"Connect a wallet to see your orders, pledges and earnings."</p>
            <button class="primary" on:click=move |_| w.connect()>"Connect wallet"</button>
        }
        .into_any(),
        Some(a) => {
            let path = format!("/v1/accounts/{a}");
            let account = Load::new(move || {
                let p = path.clone();
                w.refresh.track();
                w.live.track();
                async move { api::get::<Account>(&p).await }
            });
            view! {
                <h1>"Dashboard"</h1>
                {move || account.with(|r| match r {
                        None => loading(),
                        Some(Ok(v)) => view! { <section aria-label="Earnings"><h2>"Roles and earnings"</h2>{rows_view(&account_rows(w, v))}</section> }.into_any(),
                        Some(Err(e)) => error_box(e.to_owned()),
                    })}
                <div class="grid2">
                    <section><h2>"As maker"</h2>{order_list(w, format!("/v1/accounts/{a}/orders?role=seller"), "You have no orders as a maker.")}</section>
                    <section><h2>"As backer"</h2>
                        <p class="small">"Failed or cancelled orders list a refund on their page."</p>
                        {order_list_for(w, format!("/v1/accounts/{a}/orders?role=backer"), "You have not pledged yet.", Some(a.clone()))}</section>
                </div>
                <section>
                    <h2>"As promoter"</h2>
                    <p>"Share an order with your referral link: backers who come through it earn you the order's promoter share. Every order's page has your link; here are the links of the orders you back, and the orders pledged through your links."</p>
                    {order_list_for(w, format!("/v1/accounts/{a}/orders?role=promoter"), "No order was pledged through your links yet.", Some(a.clone()))}
                </section>
            }
            .into_any()
        }
    }
}
