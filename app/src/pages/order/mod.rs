//! Order detail: terms, funding, milestones, price breakdown, backers (the API's
//! [`OrderDetail`]), and the actions open to the connected account's role ([`actions`]).
//! What decides the buttons is read from the chain itself (state, backer position, claimable
//! amounts), so it is never behind the indexer.

mod actions;
mod pledge;

use std::sync::Arc;

use alloy_primitives::{U256, hex};
use alloy_sol_types::SolCall;
use cointent_abi::{Escrow, IEscrow};
use cointent_domain::{
    MilestoneState, OrderStatus, Terms, escape_html, metadata::MetadataDocument,
    orders::OrderDetail, payout,
};
use leptos::{prelude::*, task::spawn_local};

use super::{Load, dl_html, error_box, funding_html, loading};
use crate::{
    api, eth,
    format::{date_time, money, short, token_meta, units},
    net,
    wallet::Wallet,
};

/// Everything about an order the actions need besides the API record.
#[derive(Clone, PartialEq)]
pub(crate) struct Ctx {
    /// The chain the escrow is on.
    pub(crate) chain_id: u64,
    /// The escrow's order id.
    pub(crate) order_id: U256,
    /// The terms as the escrow's calls take them.
    pub(crate) terms: IEscrow::Terms,
    /// The chain's RPC URL, for reads.
    pub(crate) rpc: String,
    /// The escrow's address.
    pub(crate) escrow: String,
}

/// The order's live state on chain, and the connected account's position.
#[derive(Clone, PartialEq)]
pub(crate) struct Live {
    /// The order's status.
    pub(crate) status: OrderStatus,
    /// The current milestone, from 0.
    pub(crate) milestone: u8,
    /// The current milestone's state.
    pub(crate) mstate: MilestoneState,
    /// Units pledged.
    pub(crate) units: u32,
    /// When the current milestone was delivered (unix seconds).
    pub(crate) delivered_at: u64,
    /// The chain's clock (the latest block's time).
    pub(crate) now: u64,
    /// What the account paid in.
    pub(crate) paid: U256,
    /// Whether the account approved the current milestone.
    pub(crate) approved: bool,
    /// What the account may claim.
    pub(crate) claimable: U256,
    /// The commission the account may claim as promoter.
    pub(crate) commission: U256,
    /// The account's balance in the escrow, to withdraw.
    pub(crate) balance: U256,
}

async fn call<C: SolCall>(ctx: &Ctx, c: C) -> Result<C::Return, String> {
    let out = net::eth_call(&ctx.rpc, &ctx.escrow, &c.abi_encode()).await?;
    C::abi_decode_returns(&out).map_err(|e| e.to_string())
}

async fn live(ctx: Arc<Ctx>, account: Option<String>) -> Result<Live, String> {
    let id = ctx.order_id;
    let s = call(&ctx, Escrow::orderStateCall { orderId: id }).await?;
    let aux = call(&ctx, Escrow::orderAuxCall { orderId: id }).await?;
    let now = net::chain_time(&ctx.rpc).await?;
    let mut l = Live {
        status: OrderStatus::try_from(s.status).map_err(|e| e.to_string())?,
        milestone: s.milestone,
        mstate: MilestoneState::try_from(s.milestoneState).map_err(|e| e.to_string())?,
        units: s.unitsPledged,
        delivered_at: aux.deliveredAt.to::<u64>(),
        now,
        paid: U256::ZERO,
        approved: false,
        claimable: U256::ZERO,
        commission: U256::ZERO,
        balance: U256::ZERO,
    };
    if let Some(a) = account.and_then(|a| eth::parse_addr(&a)) {
        let t = ctx.terms.clone();
        l.paid =
            U256::from(call(&ctx, Escrow::backerOfCall { orderId: id, backer: a }).await?.paid);
        l.approved = call(&ctx, Escrow::approvedOfCall { orderId: id, backer: a }).await?
            == U256::from(l.milestone as u64 + 1);
        l.claimable =
            call(&ctx, Escrow::claimableCall { orderId: id, terms: t.clone(), account: a })
                .await
                .unwrap_or_default();
        l.commission = call(
            &ctx,
            Escrow::commissionClaimableCall { orderId: id, terms: t.clone(), promoter: a },
        )
        .await
        .unwrap_or_default();
        l.balance = call(&ctx, Escrow::balanceOfCall { token: t.token, account: a })
            .await
            .unwrap_or_default();
    }
    Ok(l)
}

/// The price breakdown table of one unit (HTML): the escrow's cascade
/// (`cointent_domain::payout`) over the unit price, with the promoter share at its
/// maximum (a promoted unit).
pub(crate) fn breakdown_html(w: Wallet, chain_id: u64, t: &Terms) -> String {
    let (sym, dec) = token_meta(w, chain_id, &t.token);
    let b = payout::breakdown(&t.payout(), t.unit_price.0, 1, 1);
    let mut rows = vec![("Platform fee (treasury)".to_owned(), b.platform_fee)];
    if t.promoter_bps > 0 {
        rows.push(("Promoters (at most)".to_owned(), b.promoter_pool));
    }
    for s in &b.splits {
        rows.push((format!("Split {}", short(&eth::addr_hex(&s.recipient))), s.amount));
    }
    rows.push(("Maker".to_owned(), b.seller_amount));
    let rows: String = rows
        .into_iter()
        .map(|(label, v)| {
            format!(
                "<tr><th scope=\"row\">{}</th><td>{} {sym}</td></tr>",
                escape_html(&label),
                units(v.0, dec)
            )
        })
        .collect();
    format!(
        "<table class=\"breakdown\" data-testid=\"breakdown\"><caption>Where one unit's price goes</caption><tbody>{rows}</tbody></table>"
    )
}

/// The order page.
pub(crate) fn page(chain_id: u64, order_id: String) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let path = format!("/v1/orders/{chain_id}/{order_id}");
    let detail = Load::new(move || {
        w.refresh.track();
        let path = path.clone();
        async move { api::get::<OrderDetail>(&path).await }
    });
    let oid = order_id.clone();
    let ctx = Memo::new(move |_| {
        let terms = detail.with(|d| d?.ok()?.terms.to_abi().ok())?;
        let chain = w.chains.get().into_iter().find(|c| c.chain_id == chain_id)?;
        Some(Arc::new(Ctx {
            chain_id,
            order_id: U256::from_str_radix(&oid, 10).ok()?,
            terms,
            escrow: eth::addr_hex(&chain.contract("escrow")?),
            rpc: chain.rpc_url,
        }))
    });
    // The live state is fetched for (order, account, refresh); only the latest request may
    // publish its answer, so a slow answer for the previous account never shows.
    let live_state = RwSignal::new(None::<(Option<String>, Result<Live, String>)>);
    let seq = StoredValue::new(0u32);
    Effect::new(move |_| {
        let ctx = ctx.get();
        let account = w.account.get();
        w.refresh.track();
        let n = seq.get_value().wrapping_add(1);
        seq.set_value(n);
        if let Some(c) = ctx {
            spawn_local(async move {
                let r = live(c, account.clone()).await;
                if seq.get_value() == n {
                    live_state.set(Some((account, r)));
                }
            });
        }
    });
    let title = order_id.clone();
    view! {
        {move || detail.with(|r| match r {
                None => loading(),
                Some(Err(e)) => error_box(format!("Could not load order {title}: {e}")),
                Some(Ok(d)) => overview(w, d),
            })}
        {move || match (ctx.get(), live_state.get()) {
                (Some(c), Some((a, Ok(l)))) if a == w.account.get() => {
                    view! { <actions::Actions ctx=c live=l account=a/> }.into_any()
                }
                (_, Some((_, Err(e)))) => error_box(format!("Could not read the order from the chain: {e}")),
                _ => loading(),
            }}
    }
}

/// The record: title, funding, terms, milestones, breakdown, the maker, backers (HTML).
fn overview(w: Wallet, d: &OrderDetail) -> AnyView {
    let o = &d.summary;
    let (chain_id, id, token) = (o.chain_id, o.order_id, o.token);
    let meta: Option<MetadataDocument> = d.metadata.as_ref().and_then(api::document);
    let meta = meta.as_ref();
    let title = meta
        .map(|m| m.title.clone())
        .or_else(|| o.title.clone())
        .unwrap_or_else(|| format!("Order #{id}"));
    let rows: Vec<(&str, String)> = vec![
        ("Kind", o.kind.as_str().to_owned()),
        ("Status (indexer)", o.status.as_str().to_owned()),
        ("Chain", w.chain_name(chain_id)),
        ("Unit price", money(w, chain_id, &token, o.unit_price)),
        ("Funded", money(w, chain_id, &token, o.funded)),
        ("Released", money(w, chain_id, &token, o.released)),
        ("Funding deadline", date_time(&o.funding_deadline)),
        ("Seller", eth::addr_hex(&o.seller)),
        ("Terms hash", hex::encode_prefixed(o.terms_hash)),
    ];
    let mut h = format!("<h1>{}</h1>", escape_html(&title));
    if let Some(desc) = meta.and_then(|m| m.description.as_deref()) {
        h += &format!("<p>{}</p>", escape_html(desc));
    }
    h += &funding_html(o.units_pledged, o.min_units, o.max_units);
    h += &dl_html("terms", &rows);
    h += "<h2>Milestones</h2><ol class=\"milestones\">";
    let titles = meta.and_then(|m| m.milestones.as_deref()).unwrap_or_default();
    for (i, bps) in d.terms.milestone_bps.iter().enumerate() {
        let t = titles.get(i).map_or("Milestone", |m| m.title.as_str());
        h += &format!("<li>{} — {}.{:02}% of the funds</li>", escape_html(t), bps / 100, bps % 100);
    }
    h += "</ol>";
    h += &breakdown_html(w, chain_id, &d.terms);
    if let Some(a) = meta.and_then(|m| m.artisan.as_ref()) {
        let s = |v: &Option<String>| escape_html(v.as_deref().unwrap_or_default());
        h += &format!(
            "<h2>The maker</h2><p><a href=\"/artisans/{}\">{}</a> · {} · {}</p><p class=\"story\">{}</p>",
            s(&a.address),
            s(&a.name),
            s(&a.craft),
            s(&a.region),
            s(&a.story)
        );
    }
    h += "<h2>Backers</h2>";
    if d.pledges.is_empty() {
        h += "<p class=\"muted\">No backers yet.</p>";
    } else {
        h += "<table data-testid=\"backers\"><thead><tr><th scope=\"col\">Backer</th><th scope=\"col\">Units</th><th scope=\"col\">Paid</th></tr></thead><tbody>";
        for b in &d.pledges {
            let who = eth::addr_hex(&b.backer);
            h += &format!(
                "<tr><td title=\"{who}\">{}</td><td>{}</td><td>{}</td></tr>",
                short(&who),
                b.units,
                escape_html(&money(w, chain_id, &token, b.paid))
            );
        }
        h += "</tbody></table>";
    }
    let me = w.account.get_untracked().unwrap_or_default();
    h += &format!(
        "<p class=\"small\"><a href=\"/t/{chain_id}/{id}\">Transparency record</a>{}</p>",
        if me.is_empty() {
            String::new()
        } else {
            let me = escape_html(&me);
            format!(" · <a href=\"/orders/{chain_id}/{id}?ref={me}\">Your referral link</a>")
        }
    );
    view! { <article class="order" data-testid="order" inner_html=h></article> }.into_any()
}
