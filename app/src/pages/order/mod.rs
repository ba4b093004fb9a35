//! Order detail: terms, funding, milestones, price breakdown, backers (the API's
//! [`OrderDetail`]), and the actions open to the connected account's role ([`actions`]).
//! What decides the buttons is read from the chain itself (state, backer position, claimable
//! amounts), so it is never behind the indexer.

mod actions;
mod pay;

use std::sync::Arc;

use alloy_primitives::{Address, Bytes, U256, hex};
use alloy_sol_types::SolCall;
use cointent_abi::{Escrow, EscrowLens};
use cointent_domain::{
    DisputeOutcome, MilestoneState, Terms, escape_html,
    metadata::MetadataDocument,
    orders::OrderDetail,
    payout::{self, OrderFigures, Participant},
};
use leptos::{prelude::*, task::spawn_local};

use super::{Load, dl_html, error_box, funding_html, loading, raw};
use crate::{
    api, eth,
    format::{date_time, money, percent, period, short, token_meta, units},
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
    /// The terms, as the API shows them.
    pub(crate) terms: Terms,
    /// The terms packed (`Terms::pack`), as every escrow call takes them.
    pub(crate) packed: Bytes,
    /// The chain's RPC URL, for reads.
    pub(crate) rpc: String,
    /// The escrow's address.
    pub(crate) escrow: String,
    /// The escrow lens's address (every read of the order's records).
    pub(crate) lens: String,
}

/// The order's live state on chain, and the connected account's position.
#[derive(Clone, PartialEq)]
pub(crate) struct Live {
    /// The order's records (the lens's `orderState`).
    pub(crate) order: OrderFigures,
    /// The chain's clock (the latest block's time).
    pub(crate) now: u64,
    /// The account's position as backer and promoter (the lens's `participantOf`).
    pub(crate) me: Participant,
    /// What the account may claim as seller, split recipient or treasury (`claimable`).
    pub(crate) claimable: U256,
    /// The commission the account may claim as promoter (`commissionClaimable`).
    pub(crate) commission: U256,
    /// What a refund would pay the account now (`refundable`).
    pub(crate) refundable: U256,
    /// The account's balance of the order's token in the escrow, to withdraw.
    pub(crate) balance: U256,
}

/// A view call to `to`.
pub(crate) async fn call<C: SolCall>(rpc: &str, to: &str, c: C) -> Result<C::Return, String> {
    let out = net::eth_call(rpc, to, &c.abi_encode()).await?;
    C::abi_decode_returns(&out).map_err(|e| e.to_string())
}

async fn live(ctx: Arc<Ctx>, account: Option<String>) -> Result<Live, String> {
    let (id, rpc, lens) = (ctx.order_id, ctx.rpc.as_str(), ctx.lens.as_str());
    let state = call(rpc, lens, EscrowLens::orderStateCall { orderId: id }).await?;
    let mut l = Live {
        order: OrderFigures::try_from(&state).map_err(|e| e.to_string())?,
        now: net::chain_time(rpc).await?,
        me: Participant::default(),
        claimable: U256::ZERO,
        commission: U256::ZERO,
        refundable: U256::ZERO,
        balance: U256::ZERO,
    };
    if let Some(a) = account.and_then(|a| eth::parse_addr(&a)) {
        let t = || ctx.packed.clone();
        let p = call(rpc, lens, EscrowLens::participantOfCall { orderId: id, account: a }).await?;
        l.me = Participant::from(&p);
        l.claimable =
            call(rpc, lens, EscrowLens::claimableCall { orderId: id, terms: t(), account: a })
                .await?;
        l.commission = call(
            rpc,
            lens,
            EscrowLens::commissionClaimableCall { orderId: id, terms: t(), promoter: a },
        )
        .await?;
        l.refundable =
            call(rpc, lens, EscrowLens::refundableCall { orderId: id, terms: t(), backer: a })
                .await?;
        l.balance =
            call(rpc, &ctx.escrow, Escrow::balanceOfCall { token: ctx.terms.token, account: a })
                .await?;
    }
    Ok(l)
}

/// The price breakdown table of one unit (HTML): the escrow's cascade
/// (`cointent_domain::payout`) over the unit price, with the promoter share at its
/// maximum (a promoted unit).
pub(crate) fn breakdown_html(
    w: Wallet,
    chain_id: u64,
    t: &Terms,
    meta: Option<&MetadataDocument>,
) -> String {
    let (sym, dec) = token_meta(w, chain_id, &t.token);
    let b = payout::breakdown(&t.payout(), t.unit_price.0, 1, 1);
    let mut rows = vec![("Platform fee (treasury)".to_owned(), b.platform_fee)];
    if t.promoter_bps > 0 {
        rows.push(("Promoters (at most)".to_owned(), b.promoter_pool));
    }
    for s in &b.splits {
        rows.push((
            name_of(meta, &s.recipient).unwrap_or_else(|| "Split".to_owned())
                + &format!(" ({})", short(&eth::addr_hex(&s.recipient))),
            s.amount,
        ));
    }
    rows.push((
        name_of(meta, &t.seller).map_or_else(|| "Maker".to_owned(), |n| format!("Maker, {n}")),
        b.seller_amount,
    ));
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

/// The name the order's metadata gives `who`: the artisan's or partner's name, or a
/// split's label.
pub(crate) fn name_of(meta: Option<&MetadataDocument>, who: &Address) -> Option<String> {
    let m = meta?;
    let same =
        |a: &Option<String>| a.as_deref().and_then(eth::parse_addr).is_some_and(|a| &a == who);
    if let Some(a) = m.artisan.as_ref().filter(|a| same(&a.address)) {
        return a.name.clone();
    }
    if let Some(p) = m.partner.as_ref().filter(|p| same(&p.address)) {
        return p.name.clone();
    }
    m.splits
        .iter()
        .flatten()
        .find(|s| eth::parse_addr(&s.recipient).is_some_and(|a| &a == who))
        .and_then(|s| s.label.clone())
}

/// The order page.
pub(crate) fn page(chain_id: u64, order_id: String) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let path = format!("/v1/orders/{chain_id}/{order_id}");
    let detail = Load::new(move || {
        w.refresh.track();
        w.live.track();
        let path = path.clone();
        async move { api::get::<OrderDetail>(&path).await }
    });
    let oid = order_id.clone();
    let ctx = Memo::new(move |_| {
        let terms = detail.with(|d| Some(d?.ok()?.terms.clone()))?;
        let chain = w.chains.get().into_iter().find(|c| c.chain_id == chain_id)?;
        Some(Arc::new(Ctx {
            chain_id,
            order_id: U256::from_str_radix(&oid, 10).ok()?,
            packed: terms.pack().ok()?,
            terms,
            escrow: eth::addr_hex(&chain.contract("escrow")?),
            lens: eth::addr_hex(&chain.contract("escrow_lens")?),
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
    // On a phone the primary action comes right after the title and the funding bar, before
    // the record's details.
    let head = move || detail.with(|r| r.and_then(Result::ok).map(|d| raw(head_html(d))));
    view! {
        {head}
        {move || match (ctx.get(), live_state.get()) {
                (Some(c), Some((a, Ok(l)))) if a == w.account.get() => {
                    view! { <actions::Actions ctx=c live=l account=a/> }.into_any()
                }
                (_, Some((_, Err(e)))) => error_box(format!("Could not read the order from the chain: {e}")),
                _ => loading(),
            }}
        {move || detail.with(|r| match r {
                None => loading(),
                Some(Err(e)) => error_box(format!("Could not load order {title}: {e}")),
                Some(Ok(d)) => overview(w, d),
            })}
    }
}

/// The order's title as its page shows it: the metadata's, the mirror's, or its number.
fn title_of(d: &OrderDetail) -> String {
    let meta: Option<MetadataDocument> = d.metadata.as_ref().and_then(api::document);
    meta.map(|m| m.title)
        .or_else(|| d.summary.title.clone())
        .unwrap_or_else(|| format!("Order #{}", d.summary.order_id))
}

/// The head of the page (HTML): title, description and funding bar.
fn head_html(d: &OrderDetail) -> String {
    let o = &d.summary;
    let meta: Option<MetadataDocument> = d.metadata.as_ref().and_then(api::document);
    let mut h = format!("<h1>{}</h1>", escape_html(&title_of(d)));
    if let Some(desc) = meta.as_ref().and_then(|m| m.description.as_deref()) {
        h += &format!("<p>{}</p>", escape_html(desc));
    }
    h + &funding_html(o.units_pledged, o.min_units, o.max_units)
}

/// The record: title, funding, terms, deadlines, milestones, disputes, breakdown, the maker,
/// backers (HTML).
fn overview(w: Wallet, d: &OrderDetail) -> AnyView {
    let o = &d.summary;
    let t = &d.terms;
    let (chain_id, id, token) = (o.chain_id, o.order_id, o.token);
    let m = |v| money(w, chain_id, &token, v);
    let meta: Option<MetadataDocument> = d.metadata.as_ref().and_then(api::document);
    let meta = meta.as_ref();
    let mut rows: Vec<(&str, String)> = vec![
        ("Kind", o.kind.as_str().to_owned()),
        ("Status (indexer)", o.status.as_str().to_owned()),
        ("Chain", w.chain_name(chain_id)),
        ("Unit price", m(o.unit_price)),
        ("Funded", m(o.funded)),
        ("Released", m(o.released)),
    ];
    if !o.refunded.0.is_zero() {
        rows.push(("Refunded", m(o.refunded)));
    }
    rows.push(("Funding deadline", date_time(&o.funding_deadline)));
    for (label, at) in [
        ("Deliver by", &o.deliver_by),
        ("Review ends", &o.review_ends_at),
        ("Ruling due by", &o.ruling_ends_at),
    ] {
        if let Some(at) = at {
            rows.push((label, date_time(at)));
        }
    }
    if let Some(bond) = o.dispute_bond {
        rows.push(("Dispute bond now", m(bond)));
    }
    rows.extend([
        ("Review period", period(t.review_period.into())),
        ("Ruling period", period(t.ruling_period.into())),
        ("Dispute bond", format!("{} of the disputed milestone", percent(t.bond_bps))),
        (
            "Seller",
            match name_of(meta, &o.seller) {
                Some(n) => format!("{n} ({})", eth::addr_hex(&o.seller)),
                None => eth::addr_hex(&o.seller),
            },
        ),
        ("Arbiter", eth::addr_hex(&t.arbiter)),
        ("Terms hash", hex::encode_prefixed(o.terms_hash)),
    ]);
    if o.creator != o.seller {
        rows.push(("Created by (relayed)", eth::addr_hex(&o.creator)));
    }
    let mut h = String::from("<h2>The record</h2>");
    h += &dl_html("terms", &rows);
    h += "<h2>Milestones</h2><ol class=\"milestones\" data-testid=\"milestones\">";
    let titles = meta.and_then(|m| m.milestones.as_deref()).unwrap_or_default();
    for (i, ms) in d.milestones.iter().enumerate() {
        let name = titles.get(i).map_or("Milestone", |m| m.title.as_str());
        // A milestone an order never reached stays `Pending` in the record; once nothing more
        // can happen to the order, say so.
        let state = if ms.state == MilestoneState::Pending && o.status.is_final() {
            "not reached (the order is over)".to_owned()
        } else {
            ms.state.to_string()
        };
        let mut line = format!(
            "{name} — {} of the funds ({}), delivery within {}: {state}",
            percent(ms.bps),
            m(ms.amount),
            period(ms.delivery_period.into()),
        );
        if let Some(r) = ms.ruling {
            line += &format!(
                " ({}: {} released, {} withheld)",
                ruling_text(r),
                m(ms.released_amount),
                m(ms.withheld_amount)
            );
        }
        h += &format!("<li>{}</li>", escape_html(&line));
    }
    h += "</ol>";
    if !d.disputes.is_empty() {
        h += "<h2>Disputes</h2><ul class=\"plain\" data-testid=\"disputes\">";
        for x in &d.disputes {
            let state = match x.outcome {
                Some(outcome) => ruling_text(outcome).to_owned(),
                None => format!("open; ruling due by {}", date_time(&x.ruling_ends_at)),
            };
            let line = format!(
                "Milestone {} disputed by {} with a bond of {}: {state}",
                x.milestone + 1,
                short(&eth::addr_hex(&x.disputed_by)),
                m(x.bond)
            );
            h += &format!(
                "<li>{}<blockquote class=\"reason\" data-testid=\"dispute-reason-text\">{}</blockquote></li>",
                escape_html(&line),
                escape_html(&x.reason)
            );
        }
        h += "</ul>";
    }
    h += &breakdown_html(w, chain_id, t, meta);
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
        h += "<table data-testid=\"backers\"><thead><tr><th scope=\"col\">Backer</th><th scope=\"col\">Units</th><th scope=\"col\">Paid</th><th scope=\"col\">Refunded</th><th scope=\"col\">Has a say</th></tr></thead><tbody>";
        for b in &d.pledges {
            let who = eth::addr_hex(&b.backer);
            h += &format!(
                "<tr><td title=\"{who}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                short(&who),
                b.units,
                escape_html(&m(b.paid)),
                escape_html(&m(b.refunded)),
                if b.weighted { "yes" } else { "no" }
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

/// What a ruling decided, in words.
fn ruling_text(outcome: DisputeOutcome) -> &'static str {
    match outcome {
        DisputeOutcome::Dismissed => "dismissed by the arbiter: the milestone released in full",
        DisputeOutcome::Withheld => "upheld by the arbiter: part withheld for backers",
        DisputeOutcome::Ended => "upheld by the arbiter: the order ended",
        DisputeOutcome::ByDefault => {
            "not ruled in time: the default ruling ended the order, backers take back what was held"
        }
    }
}
