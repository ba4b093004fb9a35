//! "Take part": what the chain says about the order and the connected account's position,
//! and the actions open to the account's role, one component per phase of the order
//! (funding, milestones, settlement) and one per form.
//!
//! Every decision here reads the chain's own state ([`Live`]), never the indexer's.

// `#[component]` derives a props builder whose setters are `pub`: unreachable from here on.
#![allow(unreachable_pub)]

use std::sync::Arc;

use alloy_primitives::{Address, U256, keccak256};
use alloy_sol_types::SolCall;
use cointent_abi::{Escrow, IEscrow};
use cointent_domain::{MilestoneState, OrderStatus, amount::parse_units, escape_html};
use leptos::{prelude::*, task::spawn_local};

use super::{Ctx, Live, pledge::pledge};
use crate::{
    eth,
    format::{date, token_meta, units},
    pages::raw,
    router::query_param,
    wallet::{TxState, Wallet},
};

/// Who the connected account is to the order.
#[derive(Clone, Copy)]
struct Role {
    /// The account; the zero address when none is connected.
    me: Address,
    /// Whether an account is connected.
    connected: bool,
    /// The account is the seller.
    seller: bool,
    /// The account is the arbiter.
    arbiter: bool,
    /// The account paid into the order.
    backer: bool,
    /// Units the account holds.
    units_held: u64,
}

impl Role {
    fn of(t: &IEscrow::Terms, l: &Live, account: Option<&str>) -> Self {
        let me = account.and_then(eth::parse_addr).unwrap_or_default();
        let connected = account.is_some();
        let units_held =
            if t.unitPrice.is_zero() { 0 } else { (l.paid / U256::from(t.unitPrice)).to::<u64>() };
        Self {
            me,
            connected,
            seller: connected && me == t.seller,
            arbiter: connected && me == t.arbiter,
            backer: l.paid > U256::ZERO,
            units_held,
        }
    }
}

/// The payment token, as amounts are shown and typed.
#[derive(Clone)]
struct Token {
    /// Its symbol, e.g. `dUSD`.
    symbol: String,
    /// Its decimals.
    decimals: u8,
}

/// Sends one escrow call and follows the transaction in the status line.
fn send(w: Wallet, ctx: &Arc<Ctx>, label: &'static str, data: Vec<u8>) {
    let ctx = ctx.clone();
    spawn_local(async move {
        w.send(ctx.chain_id, label, &ctx.escrow, data, U256::ZERO).await;
    });
}

/// The "Take part" section: the facts read from the chain, then the actions of each phase
/// the order is in.
#[component]
pub(super) fn Actions(
    /// The order's terms and where it lives.
    ctx: Arc<Ctx>,
    /// The order's state on chain and the account's position in it.
    live: Live,
    /// The connected account (lower-case hex), if any.
    account: Option<String>,
) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let role = Role::of(&ctx.terms, &live, account.as_deref());
    let (symbol, decimals) = token_meta(w, ctx.chain_id, &ctx.terms.token);
    let token = Token { symbol, decimals };
    let phase = match live.status {
        OrderStatus::Funding => view! {
            <FundingActions ctx=ctx.clone() live=live.clone() role token=token.clone()/>
        }
        .into_any(),
        OrderStatus::Active => view! {
            <MilestoneActions ctx=ctx.clone() live=live.clone() role token=token.clone()/>
        }
        .into_any(),
        _ => ().into_any(),
    };
    view! {
        <section class="actions" aria-label="Actions">
            <h2>"Take part"</h2>
            {raw(facts_html(&ctx.terms, &live, role, &token))}
            {(!role.connected).then(|| view! { <p class="muted">"Connect a wallet to pledge or act on this order."</p> })}
            <div class="buttons">
                {phase}
                <SettlementActions ctx live role/>
            </div>
        </section>
    }
}

/// What the chain says, as a list (HTML): the status, the current milestone, and the
/// account's units, claimable amount and balance.
fn facts_html(t: &IEscrow::Terms, l: &Live, role: Role, token: &Token) -> String {
    let Token { symbol: sym, decimals: dec } = token;
    let mut facts = vec![format!("Status on chain: {}", l.status)];
    if l.status == OrderStatus::Active {
        facts.push(format!(
            "Milestone {} of {}: {}",
            l.milestone as usize + 1,
            t.milestoneBps.len(),
            match l.mstate {
                MilestoneState::Pending => "waiting for delivery",
                MilestoneState::Delivered => "delivered, in review",
                _ => "disputed, waiting for the arbiter",
            }
        ));
        if l.mstate == MilestoneState::Delivered {
            facts.push(format!("Review ends {}", date(l.delivered_at + t.reviewPeriod as u64)));
        }
    }
    if role.backer {
        facts.push(format!(
            "You hold {} unit(s), paid {} {sym}",
            role.units_held,
            units(l.paid, *dec)
        ));
    }
    if l.claimable > U256::ZERO {
        facts.push(format!("You can claim {} {sym}", units(l.claimable, *dec)));
    }
    if l.balance > U256::ZERO {
        facts.push(format!("Your withdrawable balance: {} {sym}", units(l.balance, *dec)));
    }
    let items: String = facts.iter().map(|f| format!("<li>{}</li>", escape_html(f))).collect();
    format!("<ul class=\"plain small\" data-testid=\"live\">{items}</ul>")
}

/// A button that sends one call to the escrow.
#[component]
fn ActionButton(
    /// What the button says; also the transaction's name in the status line.
    label: &'static str,
    /// The `data-testid` the browser tests find it by.
    testid: &'static str,
    /// The order's terms and where it lives.
    ctx: Arc<Ctx>,
    /// The escrow call's calldata.
    data: Vec<u8>,
) -> impl IntoView {
    let w = expect_context::<Wallet>();
    view! {
        <button data-testid=testid on:click=move |_| send(w, &ctx, label, data.clone())>{label}</button>
    }
}

/// While the order is funding: the pledge form while pledges are open (to anyone, or to the
/// sole buyer), withdrawing a pledge, finalizing once funding has closed, and cancelling for
/// the seller before the deadline.
#[component]
fn FundingActions(
    /// The order's terms and where it lives.
    ctx: Arc<Ctx>,
    /// The order's state on chain and the account's position in it.
    live: Live,
    /// Who the account is to the order.
    role: Role,
    /// The payment token.
    token: Token,
) -> impl IntoView {
    let t = &ctx.terms;
    let id = ctx.order_id;
    let deadline = t.fundingDeadline.to::<u64>();
    let open = live.now < deadline && live.units < t.maxUnits;
    let may_pledge = t.soleBuyer == Address::ZERO || role.me == t.soleBuyer || !role.connected;
    let unpledge =
        Escrow::unpledgeCall { orderId: id, terms: t.clone(), units: U256::from(role.units_held) };
    let finalize = Escrow::finalizeCall { orderId: id, terms: t.clone() };
    let cancel = Escrow::cancelCall { orderId: id, terms: t.clone() };
    let cancellable = role.seller && live.now < deadline;
    view! {
        {(open && may_pledge).then(|| view! { <PledgeForm ctx=ctx.clone() token/> })}
        {(role.backer && open).then(|| view! {
            <ActionButton label="Withdraw my pledge" testid="unpledge" ctx=ctx.clone() data=unpledge.abi_encode()/>
        })}
        {(!open).then(|| view! {
            <ActionButton label="Finalize funding" testid="finalize" ctx=ctx.clone() data=finalize.abi_encode()/>
        })}
        {cancellable.then(|| view! {
            <ActionButton label="Cancel the order" testid="cancel" ctx=ctx.clone() data=cancel.abi_encode()/>
        })}
    }
}

/// The pledge form: units, and the promoter (filled from the page's `?ref=`), with the
/// total in the payment token.
#[component]
fn PledgeForm(
    /// The order's terms and where it lives.
    ctx: Arc<Ctx>,
    /// The payment token.
    token: Token,
) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let units_text = RwSignal::new("1".to_owned());
    let promoter_text = RwSignal::new(query_param("ref").unwrap_or_default());
    let price = U256::from(ctx.terms.unitPrice);
    let Token { symbol, decimals } = token;
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let Ok(n) = units_text.get_untracked().trim().parse::<u64>() else {
            w.tx.set(TxState::Info("Units must be a whole number.".into()));
            return;
        };
        let p = promoter_text.get_untracked();
        let promoter = if p.trim().is_empty() { Some(Address::ZERO) } else { eth::parse_addr(&p) };
        let Some(promoter) = promoter else {
            w.tx.set(TxState::Info("The promoter must be an address (0x…) or empty.".into()));
            return;
        };
        spawn_local(pledge(w, ctx.clone(), n, promoter));
    };
    view! {
        <form class="pledge" on:submit=submit>
            <label for="units">"Units"</label>
            <input id="units" type="number" min="1" inputmode="numeric" prop:value=move || units_text.get()
                on:input=move |e| units_text.set(event_target_value(&e)) />
            <label for="promoter">"Promoter (from your referral link, optional)"</label>
            <input id="promoter" placeholder="0x…" prop:value=move || promoter_text.get()
                on:input=move |e| promoter_text.set(event_target_value(&e)) />
            <p class="small">{move || {
                let n = units_text.get().trim().parse::<u64>().unwrap_or(0);
                format!("Total: {} {symbol}", units(U256::from(n) * price, decimals))
            }}</p>
            <button class="primary" type="submit" data-testid="pledge">"Pledge"</button>
        </form>
    }
}

/// While the order is active, by the current milestone's state: the seller delivers and a
/// backer may dispute a missing delivery; once delivered, backers approve or dispute within
/// the review period and anyone releases after it; once disputed, the arbiter resolves.
#[component]
fn MilestoneActions(
    /// The order's terms and where it lives.
    ctx: Arc<Ctx>,
    /// The order's state on chain and the account's position in it.
    live: Live,
    /// Who the account is to the order.
    role: Role,
    /// The payment token.
    token: Token,
) -> impl IntoView {
    let t = &ctx.terms;
    let id = ctx.order_id;
    let dispute = || Escrow::disputeCall { orderId: id, terms: t.clone() }.abi_encode();
    let review_end = live.delivered_at + t.reviewPeriod as u64;
    match live.mstate {
        MilestoneState::Pending => view! {
            {role.seller.then(|| view! { <DeliverForm ctx=ctx.clone()/> })}
            {role.backer.then(|| view! {
                <ActionButton label="Dispute (not delivered)" testid="dispute" ctx=ctx.clone() data=dispute()/>
            })}
        }
        .into_any(),
        MilestoneState::Delivered => {
            let approve = Escrow::approveMilestoneCall { orderId: id, terms: t.clone() };
            let release = Escrow::releaseCall { orderId: id, terms: t.clone() };
            view! {
                {(role.backer && !live.approved).then(|| view! {
                    <ActionButton label="Approve the milestone" testid="approve" ctx=ctx.clone() data=approve.abi_encode()/>
                })}
                {(role.backer && live.now < review_end).then(|| view! {
                    <ActionButton label="Dispute the milestone" testid="dispute" ctx=ctx.clone() data=dispute()/>
                })}
                {(live.now >= review_end).then(|| view! {
                    <ActionButton label="Release the milestone" testid="release" ctx=ctx.clone() data=release.abi_encode()/>
                })}
            }
            .into_any()
        }
        _ => role.arbiter.then(|| view! { <ResolveForm ctx=ctx.clone() token/> }).into_any(),
    }
}

/// The seller's delivery form: a proof (link or text) whose hash goes on chain.
#[component]
fn DeliverForm(
    /// The order's terms and where it lives.
    ctx: Arc<Ctx>,
) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let proof = RwSignal::new(String::new());
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let p = proof.get_untracked();
        let data = Escrow::deliverMilestoneCall {
            orderId: ctx.order_id,
            terms: ctx.terms.clone(),
            proofHash: keccak256(p.as_bytes()),
        }
        .abi_encode();
        send(w, &ctx, "Deliver the milestone", data);
    };
    view! {
        <form class="deliver" on:submit=submit>
            <label for="proof">"Proof of delivery (link or text; its hash goes on chain)"</label>
            <input id="proof" prop:value=move || proof.get() on:input=move |e| proof.set(event_target_value(&e)) />
            <button class="primary" type="submit" data-testid="deliver">"Deliver the milestone"</button>
        </form>
    }
}

/// The arbiter's form: the amount refunded to backers; the rest is released to the maker.
#[component]
fn ResolveForm(
    /// The order's terms and where it lives.
    ctx: Arc<Ctx>,
    /// The payment token.
    token: Token,
) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let refund = RwSignal::new(String::new());
    let Token { symbol, decimals } = token;
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let Ok(amount) = parse_units(&refund.get_untracked(), decimals) else {
            w.tx.set(TxState::Info("Enter the refund as an amount, e.g. 12.5".into()));
            return;
        };
        let data = Escrow::resolveCall {
            orderId: ctx.order_id,
            terms: ctx.terms.clone(),
            refundAmount: amount,
        }
        .abi_encode();
        send(w, &ctx, "Resolve the dispute", data);
    };
    view! {
        <form class="resolve" on:submit=submit>
            <label for="refund">{format!("Refund to backers ({symbol}); the rest is released to the maker")}</label>
            <input id="refund" inputmode="decimal" prop:value=move || refund.get()
                on:input=move |e| refund.set(event_target_value(&e)) />
            <button class="primary" type="submit" data-testid="resolve">"Resolve the dispute"</button>
        </form>
    }
}

/// Whatever the phase: a backer's refund once the order failed, was cancelled or was
/// resolved; the account's share, commission and escrow balance once there is one.
#[component]
fn SettlementActions(
    /// The order's terms and where it lives.
    ctx: Arc<Ctx>,
    /// The order's state on chain and the account's position in it.
    live: Live,
    /// Who the account is to the order.
    role: Role,
) -> impl IntoView {
    let t = &ctx.terms;
    let (id, me) = (ctx.order_id, role.me);
    let refundable = role.backer
        && matches!(
            live.status,
            OrderStatus::Failed | OrderStatus::Cancelled | OrderStatus::Resolved
        );
    let refund = Escrow::refundCall { orderId: id, terms: t.clone(), backer: me };
    let claim = Escrow::claimCall { orderId: id, terms: t.clone(), account: me };
    let commission = Escrow::claimCommissionCall { orderId: id, terms: t.clone(), promoter: me };
    let withdraw = Escrow::withdrawCall { token: t.token, account: me };
    view! {
        {refundable.then(|| view! {
            <ActionButton label="Take my refund" testid="refund" ctx=ctx.clone() data=refund.abi_encode()/>
        })}
        {(live.claimable > U256::ZERO).then(|| view! {
            <ActionButton label="Claim my share" testid="claim" ctx=ctx.clone() data=claim.abi_encode()/>
        })}
        {(live.commission > U256::ZERO).then(|| view! {
            <ActionButton label="Claim my commission" testid="claim-commission" ctx=ctx.clone() data=commission.abi_encode()/>
        })}
        {(live.balance > U256::ZERO).then(|| view! {
            <ActionButton label="Withdraw my balance" testid="withdraw" ctx=ctx.clone() data=withdraw.abi_encode()/>
        })}
    }
}
