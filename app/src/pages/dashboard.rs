//! The dashboard of the connected account (`/dashboard`): its roles, earnings, balances to
//! withdraw and reputation (the API's `Account`), then what each role means for it now (the
//! API's `Dashboard`): as maker, earned, claimed and claimable per order with the next
//! delivery due and "Get paid"; as backer or buyer, paid, refunded, refundable ("Take my
//! refund") and confirmations due; as promoter, the referral link and commission per order
//! ("Claim"); as arbiter, the disputes waiting with their deadlines and delivery proofs.

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use cointent_abi::Escrow;
use cointent_domain::{
    OrderStatus,
    accounts::{Account, Dashboard, MilestoneDue, Reputation},
    escape_html,
    orders::OrderSummary,
};
use leptos::prelude::*;

use super::{Load, dl_html, error_box, loading, raw};
use crate::{
    api, eth,
    format::{date_time, money, short},
    wallet::{TxButton, Wallet},
};

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

/// What one order means to the account in one role: a line of text (HTML) and, when the
/// account can act on it now, the one-step action.
struct Line {
    html: String,
    action: Option<(String, &'static str, u64, Vec<u8>)>,
}

/// The order's title as a link to its page (HTML).
fn order_link(o: &OrderSummary) -> String {
    let title = o.title.clone().unwrap_or_else(|| format!("Order #{}", o.order_id));
    format!(
        "<a href=\"/orders/{}/{}\">{}</a> <span class=\"tag\">{}</span>",
        o.chain_id,
        o.order_id,
        escape_html(&title),
        o.status.as_str()
    )
}

/// `me`'s referral link to the order (HTML).
fn referral(o: &OrderSummary, me: Address) -> String {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let url = escape_html(&format!(
        "{origin}/orders/{}/{}?ref={}",
        o.chain_id,
        o.order_id,
        eth::addr_hex(&me)
    ));
    format!("<a data-testid=\"referral-link\" href=\"{url}\">{url}</a>")
}

/// A milestone waiting, in words: "milestone 2 (30 dUSD), by <date>".
fn due_text(w: Wallet, o: &OrderSummary, d: &MilestoneDue) -> String {
    format!(
        "milestone {} ({}), by {}",
        d.milestone + 1,
        money(w, o.chain_id, &o.token, d.amount),
        date_time(&d.due_at)
    )
}

/// The account's lines in each role, from its dashboard.
fn lines(w: Wallet, me: Address, d: &Dashboard) -> [Vec<Line>; 4] {
    let mut out: [Vec<Line>; 4] = Default::default();
    for item in &d.orders {
        let o = &item.summary;
        let m = |v| escape_html(&money(w, o.chain_id, &o.token, v));
        let (id, terms) = (o.order_id.0, item.terms_packed.clone());
        let link = order_link(o);
        if let Some(p) = &item.maker {
            let mut html = format!(
                "{link}<br>earned {}, claimed {}, <strong>claimable now {}</strong>",
                m(p.earned),
                m(p.claimed),
                m(p.claimable)
            );
            if let Some(due) = &p.delivery_due {
                html += &format!("<br>Deliver {}", escape_html(&due_text(w, o, due)));
            }
            let action = (!p.claimable.0.is_zero()).then(|| {
                let call = Escrow::collectCall { orderId: id, terms: terms.clone(), to: me };
                (
                    format!("Get paid {}", money(w, o.chain_id, &o.token, p.claimable)),
                    "collect",
                    o.chain_id,
                    call.abi_encode(),
                )
            });
            out[0].push(Line { html, action });
        }
        if let Some(p) = &item.backer {
            let mut html = format!(
                "{link}<br>{} units, paid {}, refunded {}",
                p.units,
                m(p.paid),
                m(p.refunded)
            );
            if let Some(due) = &p.confirmation_due {
                html += &format!("<br>Confirm or dispute {}", escape_html(&due_text(w, o, due)));
            }
            if p.units > 0 {
                html += &format!("<br>Your referral link: {}", referral(o, me));
            }
            let action = (!p.refundable.0.is_zero()).then(|| {
                let call =
                    Escrow::refundCall { orderId: id, terms: terms.clone(), backer: me, to: me };
                (
                    format!("Take my refund of {}", money(w, o.chain_id, &o.token, p.refundable)),
                    "refund",
                    o.chain_id,
                    call.abi_encode(),
                )
            });
            out[1].push(Line { html, action });
        }
        if let Some(p) = &item.promoter {
            let html = format!(
                "{link}<br>{} units through your link, commission claimed {}, <strong>claimable now {}</strong><br>{}",
                p.units,
                m(p.claimed),
                m(p.claimable),
                referral(o, me)
            );
            let action = (!p.claimable.0.is_zero()).then(|| {
                let call =
                    Escrow::claimCommissionCall { orderId: id, terms: terms.clone(), promoter: me };
                (
                    format!("Claim {}", money(w, o.chain_id, &o.token, p.claimable)),
                    "claim-commission",
                    o.chain_id,
                    call.abi_encode(),
                )
            });
            out[2].push(Line { html, action });
        }
        if let Some(case) = item.arbiter.as_ref().and_then(|a| a.open_dispute.as_ref()) {
            let proof = case.milestone.proof_hash.map_or_else(
                || "none".to_owned(),
                |h| short(&alloy_primitives::hex::encode_prefixed(h)),
            );
            let html = format!(
                "{link}<br>Disputed by {} with a bond of {}: rule on {}<br>Delivery proof {}<blockquote class=\"reason\" data-testid=\"arbiter-reason\">{}</blockquote>",
                short(&eth::addr_hex(&case.disputed_by)),
                m(case.bond),
                escape_html(&due_text(w, o, &case.milestone)),
                escape_html(&proof),
                escape_html(&case.reason)
            );
            out[3].push(Line { html, action: None });
        }
    }
    out
}

/// One role's lines as a list, with their actions.
fn role_list(w: Wallet, testid: &'static str, list: Vec<Line>, empty: &'static str) -> AnyView {
    if list.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    view! {
        <ul class="plain lines" data-testid=testid>
            {list.into_iter().map(|l| {
                let action = l.action.map(|(label, key, chain, data)| {
                    let text = label.clone();
                    let on_click = Callback::new(move |()| {
                        let Some(escrow) = w.contract(chain, "escrow") else { return };
                        let (label, data) = (label.clone(), data.clone());
                        w.run(key, async move {
                            w.send(chain, &label, &escrow, data, U256::ZERO).await;
                        });
                    });
                    view! { <TxButton label=text testid=key on_click/> }
                });
                view! { <li>{raw(l.html)}{action}</li> }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The dashboard of the connected account: its totals, then what each role means for it
/// now (one API call), with the one-step actions.
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
            let path = format!("/v1/accounts/{a}/dashboard");
            let dash = Load::new(move || {
                let p = path.clone();
                w.refresh.track();
                w.live.track();
                async move { api::get::<Dashboard>(&p).await }
            });
            let me = eth::parse_addr(&a).unwrap_or_default();
            view! {
                <h1>"Dashboard"</h1>
                {move || account.with(|r| match r {
                        None => loading(),
                        Some(Ok(v)) => view! { <section aria-label="Earnings"><h2>"Roles and earnings"</h2>{rows_view(&account_rows(w, v))}</section> }.into_any(),
                        Some(Err(e)) => error_box(e.to_owned()),
                    })}
                {move || dash.with(|r| match r {
                        None => loading(),
                        Some(Err(e)) => error_box(e.to_owned()),
                        Some(Ok(d)) => {
                            let [maker, backer, promoter, arbiter] = lines(w, me, d);
                            view! {
                                <div class="grid2">
                                    <section><h2>"As maker"</h2>{role_list(w, "dash-maker", maker, "You have no orders as a maker or split recipient.")}</section>
                                    <section><h2>"As backer or buyer"</h2>{role_list(w, "dash-backer", backer, "You have not pledged or bought yet.")}</section>
                                    <section><h2>"As promoter"</h2>
                                        <p class="small">"Share an order with your referral link (every order's page has it): backers who come through it earn you the order's promoter share."</p>
                                        {role_list(w, "dash-promoter", promoter, "No order was pledged through your links yet.")}</section>
                                    <section><h2>"As arbiter"</h2>{role_list(w, "dash-arbiter", arbiter, "No dispute is waiting for your ruling.")}</section>
                                </div>
                            }.into_any()
                        }
                    })}
            }
            .into_any()
        }
    }
}
