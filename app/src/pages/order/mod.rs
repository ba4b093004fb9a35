//! Order detail: terms, funding, milestones, price breakdown, backers (the API's
//! [`OrderDetail`]), and the actions open to the connected account's role ([`actions`]).
//! What decides the buttons is read from the chain itself (state, backer position, claimable
//! amounts), so it is never behind the indexer.

mod actions;
pub(crate) mod pay;

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
    i18n::{t, tf},
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

impl Ctx {
    /// `owner`'s payment in the order's token to the escrow.
    pub(crate) fn token_payment(&self, owner: Address) -> pay::TokenPayment<'_> {
        pay::TokenPayment {
            chain_id: self.chain_id,
            rpc: &self.rpc,
            token: self.terms.token,
            owner,
            spender: eth::parse_addr(&self.escrow).unwrap_or_default(),
        }
    }
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
    terms: &Terms,
    meta: Option<&MetadataDocument>,
) -> String {
    let (sym, dec) = token_meta(w, chain_id, &terms.token);
    let b = payout::breakdown(&terms.payout(), terms.unit_price.0, 1, 1);
    let mut rows = vec![(t("Platform fee (treasury)"), b.platform_fee)];
    if terms.promoter_bps > 0 {
        rows.push((t("Promoters (at most)"), b.promoter_pool));
    }
    for s in &b.splits {
        rows.push((
            name_of(meta, &s.recipient).unwrap_or_else(|| t("Split"))
                + &format!(" ({})", short(&eth::addr_hex(&s.recipient))),
            s.amount,
        ));
    }
    rows.push((
        name_of(meta, &terms.seller).map_or_else(|| t("Maker"), |n| tf("Maker, {0}", &[&n])),
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
        "<table class=\"breakdown\" data-testid=\"breakdown\"><caption>{}</caption><tbody>{rows}</tbody></table>",
        escape_html(&t("Where one unit's price goes"))
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
                (_, Some((_, Err(e)))) => error_box(tf("Could not read the order from the chain: {0}", &[&e])),
                _ => loading(),
            }}
        {move || detail.with(|r| match r {
                None => loading(),
                Some(Err(e)) => error_box(tf("Could not load order {0}: {1}", &[&title, &e])),
                Some(Ok(d)) => overview(w, d),
            })}
    }
}

/// The order's title as its page shows it: the metadata's, the mirror's, or its number.
fn title_of(d: &OrderDetail) -> String {
    let meta: Option<MetadataDocument> = d.metadata.as_ref().and_then(api::document);
    meta.map(|m| m.title)
        .or_else(|| d.summary.title.clone())
        .unwrap_or_else(|| tf("Order #{0}", &[&d.summary.order_id]))
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
    let terms = &d.terms;
    let (chain_id, id, token) = (o.chain_id, o.order_id, o.token);
    let m = |v| money(w, chain_id, &token, v);
    let meta: Option<MetadataDocument> = d.metadata.as_ref().and_then(api::document);
    let meta = meta.as_ref();
    let mut rows: Vec<(String, String)> = vec![
        (t("Kind"), t(o.kind.as_str())),
        (t("Status (indexer)"), t(o.status.as_str())),
        (t("Chain"), w.chain_name(chain_id)),
        (t("Unit price"), m(o.unit_price)),
        (t("Funded"), m(o.funded)),
        (t("Released"), m(o.released)),
    ];
    if !o.refunded.0.is_zero() {
        rows.push((t("Refunded"), m(o.refunded)));
    }
    rows.push((t("Funding deadline"), date_time(&o.funding_deadline)));
    for (label, at) in [
        (t("Deliver by"), &o.deliver_by),
        (t("Review ends"), &o.review_ends_at),
        (t("Ruling due by"), &o.ruling_ends_at),
    ] {
        if let Some(at) = at {
            rows.push((label, date_time(at)));
        }
    }
    if let Some(bond) = o.dispute_bond {
        rows.push((t("Dispute bond now"), m(bond)));
    }
    rows.extend([
        (t("Review period"), period(terms.review_period.into())),
        (t("Ruling period"), period(terms.ruling_period.into())),
        (t("Dispute bond"), tf("{0} of the disputed milestone", &[&percent(terms.bond_bps)])),
        (
            t("Seller"),
            match name_of(meta, &o.seller) {
                Some(n) => format!("{n} ({})", eth::addr_hex(&o.seller)),
                None => eth::addr_hex(&o.seller),
            },
        ),
        (t("Arbiter"), eth::addr_hex(&terms.arbiter)),
        (t("Terms hash"), hex::encode_prefixed(o.terms_hash)),
    ]);
    if o.creator != o.seller {
        rows.push((t("Created by (relayed)"), eth::addr_hex(&o.creator)));
    }
    let mut h = format!("<h2>{}</h2>", escape_html(&t("The record")));
    h += &dl_html("terms", &rows);
    h += &format!(
        "<h2>{}</h2><ol class=\"milestones\" data-testid=\"milestones\">",
        escape_html(&t("Milestones"))
    );
    let titles = meta.and_then(|m| m.milestones.as_deref()).unwrap_or_default();
    for (i, ms) in d.milestones.iter().enumerate() {
        let name = titles.get(i).map_or_else(|| t("Milestone"), |m| m.title.clone());
        // A milestone an order never reached stays `Pending` in the record; once nothing more
        // can happen to the order, say so.
        let state = if ms.state == MilestoneState::Pending && o.status.is_final() {
            t("not reached (the order is over)")
        } else {
            t(ms.state.as_str())
        };
        let mut line = tf(
            "{0} — {1} of the funds ({2}), delivery within {3}: {4}",
            &[&name, &percent(ms.bps), &m(ms.amount), &period(ms.delivery_period.into()), &state],
        );
        if let Some(r) = ms.ruling {
            line += &tf(
                " ({0}: {1} released, {2} withheld)",
                &[&ruling_text(r), &m(ms.released_amount), &m(ms.withheld_amount)],
            );
        }
        h += &format!("<li>{}</li>", escape_html(&line));
    }
    h += "</ol>";
    if !d.disputes.is_empty() {
        h += &format!(
            "<h2>{}</h2><ul class=\"plain\" data-testid=\"disputes\">",
            escape_html(&t("Disputes"))
        );
        for x in &d.disputes {
            let state = match x.outcome {
                Some(outcome) => ruling_text(outcome),
                None => tf("open; ruling due by {0}", &[&date_time(&x.ruling_ends_at)]),
            };
            let line = tf(
                "Milestone {0} disputed by {1} with a bond of {2}: {3}",
                &[&(x.milestone + 1), &short(&eth::addr_hex(&x.disputed_by)), &m(x.bond), &state],
            );
            h += &format!(
                "<li>{}<blockquote class=\"reason\" data-testid=\"dispute-reason-text\">{}</blockquote></li>",
                escape_html(&line),
                escape_html(&x.reason)
            );
        }
        h += "</ul>";
    }
    h += &breakdown_html(w, chain_id, terms, meta);
    if let Some(a) = meta.and_then(|m| m.artisan.as_ref()) {
        let s = |v: &Option<String>| escape_html(v.as_deref().unwrap_or_default());
        h += &format!(
            "<h2>{}</h2><p><a href=\"/artisans/{}\">{}</a> · {} · {}</p><p class=\"story\">{}</p>",
            escape_html(&t("The maker")),
            s(&a.address),
            s(&a.name),
            s(&a.craft),
            s(&a.region),
            s(&a.story)
        );
    }
    h += &format!("<h2>{}</h2>", escape_html(&t("Backers")));
    if d.pledges.is_empty() {
        h += &format!("<p class=\"muted\">{}</p>", escape_html(&t("No backers yet.")));
    } else {
        h += "<table data-testid=\"backers\"><thead><tr>";
        for col in [t("Backer"), t("Units"), t("Paid"), t("Refunded"), t("Has a say")] {
            h += &format!("<th scope=\"col\">{}</th>", escape_html(&col));
        }
        h += "</tr></thead><tbody>";
        for b in &d.pledges {
            let who = eth::addr_hex(&b.backer);
            h += &format!(
                "<tr><td title=\"{who}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                short(&who),
                b.units,
                escape_html(&m(b.paid)),
                escape_html(&m(b.refunded)),
                escape_html(&if b.weighted { t("yes") } else { t("no") })
            );
        }
        h += "</tbody></table>";
    }
    let me = w.account.get_untracked().unwrap_or_default();
    h += &format!(
        "<p class=\"small\"><a href=\"/t/{chain_id}/{id}\">{}</a>{}</p>",
        escape_html(&t("Transparency record")),
        if me.is_empty() {
            String::new()
        } else {
            let me = escape_html(&me);
            format!(
                " · <a href=\"/orders/{chain_id}/{id}?ref={me}\">{}</a>",
                escape_html(&t("Your referral link"))
            )
        }
    );
    view! { <article class="order" data-testid="order" inner_html=h></article> }.into_any()
}

/// What a ruling decided, in words.
fn ruling_text(outcome: DisputeOutcome) -> String {
    match outcome {
        DisputeOutcome::Dismissed => t("dismissed by the arbiter: the milestone released in full"),
        DisputeOutcome::Withheld => t("upheld by the arbiter: part withheld for backers"),
        DisputeOutcome::Ended => t("upheld by the arbiter: the order ended"),
        DisputeOutcome::ByDefault => t(
            "not ruled in time: the default ruling ended the order, backers take back what was held",
        ),
    }
}
