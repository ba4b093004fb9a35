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
    accounts::{Account, Dashboard, MilestoneDue, Reputation, VoterPosition, VoterProposal},
    escape_html,
    orders::OrderSummary,
};
use leptos::prelude::*;

use super::{Load, dl_html, error_box, loading, raw};
use crate::{
    api, eth,
    format::{date_time, money, short},
    i18n::{t, tf},
    wallet::{TxButton, TxState, Wallet},
};

/// A seller's reputation on one chain, in a sentence.
pub(crate) fn reputation_text(r: &Reputation) -> String {
    tf(
        "score {0}: {1} completed orders, {2} milestones released without a dispute, {3} \
         disputes lost, {4} deliveries missed",
        &[
            &r.score,
            &r.completed_orders,
            &r.on_time_milestones,
            &r.disputes_lost,
            &r.deliveries_missed,
        ],
    )
}

/// An account's roles, earnings, balances and reputation as definition-list rows.
fn account_rows(w: Wallet, a: &Account) -> Vec<(String, String)> {
    let r = &a.roles;
    let by_status: Vec<String> = OrderStatus::ALL
        .iter()
        .filter(|s| r.seller.by_status.get(**s) > 0)
        .map(|s| format!("{} {}", r.seller.by_status.get(*s), t(s.as_str())))
        .collect();
    let mut maker = tf("{0} orders", &[&r.seller.orders]);
    if !by_status.is_empty() {
        maker += &format!(" ({})", by_status.join(", "));
    }
    let amounts = |list: Vec<String>| {
        if list.is_empty() { t("nothing yet") } else { list.join(", ") }
    };
    let mut rows = vec![
        (t("As maker"), maker),
        (t("As backer"), tf("{0} orders, {1} units held", &[&r.backer.orders, &r.backer.units])),
        (
            t("As promoter"),
            tf("{0} orders, {1} units brought", &[&r.promoter.orders, &r.promoter.units]),
        ),
        (t("As split recipient"), tf("{0} orders", &[&r.recipient.orders])),
        (
            t("As arbiter"),
            tf("{0} orders, {1} open disputes", &[&r.arbiter.orders, &r.arbiter.open_disputes]),
        ),
        (
            t("Earned"),
            amounts(a.earnings.iter().map(|e| money(w, e.chain_id, &e.token, e.total)).collect()),
        ),
        (
            t("To withdraw"),
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
        rows.push((tf("Reputation on {0}", &[&w.chain_name(rep.chain_id)]), reputation_text(rep)));
    }
    rows
}

/// Rows as an escaped `<dl class="terms">` view.
pub(crate) fn rows_view(rows: &[(String, String)]) -> AnyView {
    raw(dl_html("terms", rows))
}

/// What one order means to the account in one role: a line of text (HTML) and, when the
/// account can act on it now, the one-step action.
struct Line {
    html: String,
    action: Option<(String, &'static str, u64, Vec<u8>)>,
}

/// The order's title as a link to its page (HTML).
fn order_link(o: &OrderSummary) -> String {
    let title = o.title.clone().unwrap_or_else(|| tf("Order #{0}", &[&o.order_id]));
    format!(
        "<a href=\"/orders/{}/{}\">{}</a> <span class=\"tag\">{}</span>",
        o.chain_id,
        o.order_id,
        escape_html(&title),
        escape_html(&t(o.status.as_str()))
    )
}

/// `me`'s referral link to the order (HTML): the link, its QR code (drawn by the API) and a
/// button that shares it where the device can, else copies it (see [`share_clicks`]).
fn referral(o: &OrderSummary, me: Address) -> String {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let me = eth::addr_hex(&me);
    let url = escape_html(&format!("{origin}/orders/{}/{}?ref={me}", o.chain_id, o.order_id));
    format!(
        "<a data-testid=\"referral-link\" href=\"{url}\">{url}</a>\
         <span class=\"referral\"><img data-testid=\"referral-qr\" src=\"/v1/qr/{}/{}?ref={me}&amp;size=128\" \
         width=\"128\" height=\"128\" alt=\"{}\" loading=\"lazy\">\
         <button type=\"button\" data-testid=\"share-link\" data-share=\"{url}\">{}</button></span>",
        o.chain_id,
        o.order_id,
        escape_html(&t("QR code of your referral link")),
        escape_html(&t("Share or copy the link"))
    )
}

/// Clicks on a "share or copy" button of the lists: the device's share sheet where there is
/// one (phones), else the clipboard, and a line saying which.
fn share_clicks(w: Wallet, ev: leptos::ev::MouseEvent) {
    use wasm_bindgen::{JsCast, JsValue};
    let Some(button) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return;
    };
    let Some(url) = button.get_attribute("data-share") else { return };
    let Some(window) = web_sys::window() else { return };
    let navigator = window.navigator();
    let share = js_sys::Reflect::get(&navigator, &JsValue::from_str("share")).ok();
    if let Some(share) = share.and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
        let data = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&data, &JsValue::from_str("url"), &JsValue::from_str(&url));
        let _ = share.call1(&navigator, &data);
        return;
    }
    let copied = navigator.clipboard().write_text(&url);
    leptos::task::spawn_local(async move {
        let ok = wasm_bindgen_futures::JsFuture::from(copied).await.is_ok();
        let said = if ok { t("Link copied.") } else { tf("Copy this link: {0}", &[&url]) };
        w.tx.set(TxState::Info(said));
    });
}

/// A milestone waiting, in words: "milestone 2 (30 dUSD), by <date>".
fn due_text(w: Wallet, o: &OrderSummary, d: &MilestoneDue) -> String {
    tf(
        "milestone {0} ({1}), by {2}",
        &[&(d.milestone + 1), &money(w, o.chain_id, &o.token, d.amount), &date_time(&d.due_at)],
    )
}

/// The account's lines in each role, from its dashboard.
fn lines(w: Wallet, me: Address, d: &Dashboard) -> [Vec<Line>; 4] {
    let mut out: [Vec<Line>; 4] = Default::default();
    for item in &d.orders {
        let o = &item.summary;
        let m = |v| money(w, o.chain_id, &o.token, v);
        let e = |s: String| escape_html(&s);
        let (id, terms) = (o.order_id.0, item.terms_packed.clone());
        let link = order_link(o);
        if let Some(p) = &item.maker {
            let mut html = format!(
                "{link}<br>{}, <strong>{}</strong>",
                e(tf("earned {0}, claimed {1}", &[&m(p.earned), &m(p.claimed)])),
                e(tf("claimable now {0}", &[&m(p.claimable)]))
            );
            if let Some(due) = &p.delivery_due {
                html += &format!("<br>{}", e(tf("Deliver {0}", &[&due_text(w, o, due)])));
            }
            let action = (!p.claimable.0.is_zero()).then(|| {
                let call = Escrow::collectCall { orderId: id, terms: terms.clone(), to: me };
                (tf("Get paid {0}", &[&m(p.claimable)]), "collect", o.chain_id, call.abi_encode())
            });
            out[0].push(Line { html, action });
        }
        if let Some(p) = &item.backer {
            let mut html = format!(
                "{link}<br>{}",
                e(tf("{0} units, paid {1}, refunded {2}", &[&p.units, &m(p.paid), &m(p.refunded)]))
            );
            if let Some(due) = &p.confirmation_due {
                html +=
                    &format!("<br>{}", e(tf("Confirm or dispute {0}", &[&due_text(w, o, due)])));
            }
            if p.units > 0 {
                html += &format!("<br>{} {}", e(t("Your referral link:")), referral(o, me));
            }
            let action = (!p.refundable.0.is_zero()).then(|| {
                let call =
                    Escrow::refundCall { orderId: id, terms: terms.clone(), backer: me, to: me };
                (
                    tf("Take my refund of {0}", &[&m(p.refundable)]),
                    "refund",
                    o.chain_id,
                    call.abi_encode(),
                )
            });
            out[1].push(Line { html, action });
        }
        if let Some(p) = &item.promoter {
            let html = format!(
                "{link}<br>{}, <strong>{}</strong><br>{}",
                e(tf(
                    "{0} units through your link, commission claimed {1}",
                    &[&p.units, &m(p.claimed)]
                )),
                e(tf("claimable now {0}", &[&m(p.claimable)])),
                referral(o, me)
            );
            let action = (!p.claimable.0.is_zero()).then(|| {
                let call =
                    Escrow::claimCommissionCall { orderId: id, terms: terms.clone(), promoter: me };
                (
                    tf("Claim {0}", &[&m(p.claimable)]),
                    "claim-commission",
                    o.chain_id,
                    call.abi_encode(),
                )
            });
            out[2].push(Line { html, action });
        }
        if let Some(case) = item.arbiter.as_ref().and_then(|a| a.open_dispute.as_ref()) {
            let proof = case
                .milestone
                .proof_hash
                .map_or_else(|| t("none"), |h| short(&alloy_primitives::hex::encode_prefixed(h)));
            let html = format!(
                "{link}<br>{}<br>{}<blockquote class=\"reason\" data-testid=\"arbiter-reason\">{}</blockquote>",
                e(tf(
                    "Disputed by {0} with a bond of {1}: rule on {2}",
                    &[
                        &short(&eth::addr_hex(&case.disputed_by)),
                        &m(case.bond),
                        &due_text(w, o, &case.milestone)
                    ]
                )),
                e(tf("Delivery proof {0}", &[&proof])),
                escape_html(&case.reason)
            );
            out[3].push(Line { html, action: None });
        }
    }
    out
}

/// The account as a voter, per chain: its power and delegate, the proposals open to a vote
/// with its vote or a way to vote, and its past votes.
fn voter_view(w: Wallet, me: Address, list: &[VoterPosition]) -> AnyView {
    if list.is_empty() {
        return view! { <p class="muted">{t("You hold no votes and have not voted yet.")}</p> }
            .into_any();
    }
    let proposal = |p: &VoterProposal| {
        let what = escape_html(p.description.lines().next().unwrap_or_default());
        let vote = match &p.vote {
            Some(v) => {
                escape_html(&tf(
                    "you voted {0} with {1} votes",
                    &[
                        &super::governance::support_word(v.support),
                        &crate::format::votes(v.weight.0),
                    ],
                )) + &if v.reason.is_empty() {
                    String::new()
                } else {
                    format!(": \u{201c}{}\u{201d}", escape_html(&v.reason))
                }
            }
            None => format!(
                "<a href=\"/governance\">{}</a>",
                escape_html(&tf(
                    "not voted yet; voting ends {0}",
                    &[&crate::format::date(p.vote_end)]
                ))
            ),
        };
        format!("<li data-testid=\"voter-proposal\"><strong>{what}</strong>: {vote}</li>")
    };
    let mut html = String::new();
    for v in list {
        let delegate = match v.delegate {
            None => t(
                "nobody yet (your tokens do not count until you delegate, to yourself or another)",
            ),
            Some(d) if d == me => t("yourself"),
            Some(d) => short(&eth::addr_hex(&d)),
        };
        html += &format!(
            "<li data-testid=\"voter-chain\">{}<br>{}",
            escape_html(&w.chain_name(v.chain_id)),
            escape_html(&tf(
                "Voting power {0} votes; your tokens' votes go to {1}",
                &[&crate::format::votes(v.votes.0), &delegate]
            ))
        );
        if !v.open.is_empty() {
            html += &format!("<br>{}<ul>", escape_html(&t("Open to a vote:")));
            html += &v.open.iter().map(proposal).collect::<String>();
            html += "</ul>";
        }
        if !v.voted.is_empty() {
            html += &format!("<br>{}<ul>", escape_html(&t("Your past votes:")));
            html += &v.voted.iter().map(proposal).collect::<String>();
            html += "</ul>";
        }
        html += "</li>";
    }
    view! { <div data-testid="dash-voter">{raw(format!("<ul class=\"plain lines\">{html}</ul>"))}</div> }
        .into_any()
}

/// One role's lines as a list, with their actions.
fn role_list(w: Wallet, testid: &'static str, list: Vec<Line>, empty: String) -> AnyView {
    if list.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    view! {
        <ul class="plain lines" data-testid=testid on:click=move |ev| share_clicks(w, ev)>
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
            <h1>{t("Dashboard")}</h1>
            <p>{t("Connect a wallet to see your orders, pledges and earnings.")}</p>
            <button class="primary" on:click=move |_| w.connect()>{t("Connect wallet")}</button>
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
                <h1>{t("Dashboard")}</h1>
                {move || account.with(|r| match r {
                        None => loading(),
                        Some(Ok(v)) => view! { <section aria-label=t("Earnings")><h2>{t("Roles and earnings")}</h2>{rows_view(&account_rows(w, v))}</section> }.into_any(),
                        Some(Err(e)) => error_box(e.to_owned()),
                    })}
                {move || dash.with(|r| match r {
                        None => loading(),
                        Some(Err(e)) => error_box(e.to_owned()),
                        Some(Ok(d)) => {
                            let [maker, backer, promoter, arbiter] = lines(w, me, d);
                            view! {
                                <div class="grid2">
                                    <section><h2>{t("As maker")}</h2>{role_list(w, "dash-maker", maker, t("You have no orders as a maker or split recipient."))}</section>
                                    <section><h2>{t("As backer or buyer")}</h2>{role_list(w, "dash-backer", backer, t("You have not pledged or bought yet."))}</section>
                                    <section><h2>{t("As promoter")}</h2>
                                        <p class="small">{t("Share an order with your referral link (every order's page has it): backers who come through it earn you the order's promoter share.")}</p>
                                        {role_list(w, "dash-promoter", promoter, t("No order was pledged through your links yet."))}</section>
                                    <section><h2>{t("As arbiter")}</h2>{role_list(w, "dash-arbiter", arbiter, t("No dispute is waiting for your ruling."))}</section>
                                    <section><h2>{t("As voter")}</h2>{voter_view(w, me, &d.voter)}</section>
                                </div>
                            }.into_any()
                        }
                    })}
            }
            .into_any()
        }
    }
}
