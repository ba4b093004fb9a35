//! "Take part": what the chain says about the order and the connected account's position,
//! and the actions open to the account's role, one component per phase of the order
//! (funding, milestones, settlement) and one per form.
//!
//! Every decision here reads the chain's own state ([`Live`]), never the indexer's; the
//! deadlines, the dispute bond and the account's weight are computed from it with
//! `cointent_domain::payout`, as the escrow lens does.

// `#[component]` derives a props builder whose setters are `pub`: unreachable from here on.
#![allow(unreachable_pub)]

use std::sync::Arc;

use alloy_primitives::{Address, U256, keccak256};
use alloy_sol_types::SolCall;
use cointent_abi::Escrow;
use cointent_domain::{MilestoneState, OrderStatus, amount::parse_units, escape_html, payout};
use leptos::prelude::*;

use super::{
    Ctx, Live,
    pay::{dispute, pledge},
};
use crate::{
    eth,
    format::{date, token_meta, units},
    pages::raw,
    router::query_param,
    wallet::{TxButton, TxState, Wallet},
};

/// The longest reason a dispute may give, in bytes (`Escrow.MAX_REASON_BYTES`).
const MAX_REASON_BYTES: usize = 1000;

/// Moves the focus to the element with id `id` (which scrolls it into view).
fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id))
    {
        let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

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
    /// The account is the seller, the arbiter or a split recipient (it may back the order,
    /// without a say).
    party: bool,
    /// Units the account holds.
    units: u64,
    /// Units with which the account approves and disputes (`payout::weight`).
    weight: u64,
}

impl Role {
    fn of(ctx: &Ctx, l: &Live, account: Option<&str>) -> Self {
        let t = &ctx.terms;
        let me = account.and_then(eth::parse_addr).unwrap_or_default();
        let connected = account.is_some();
        Self {
            me,
            connected,
            seller: connected && me == t.seller,
            arbiter: connected && me == t.arbiter,
            party: connected && payout::is_role(t, me),
            units: l.me.units,
            weight: payout::weight(t, &l.me, me),
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

impl Token {
    /// `amount` with the symbol: `28.5 dUSD`.
    fn show(&self, amount: U256) -> String {
        format!("{} {}", units(amount, self.decimals), self.symbol)
    }
}

/// Sends one escrow call as action `key`'s flow and follows the transaction in the status
/// line.
fn send(w: Wallet, ctx: &Arc<Ctx>, key: &'static str, label: &'static str, data: Vec<u8>) {
    let ctx = ctx.clone();
    w.run(key, async move {
        w.send(ctx.chain_id, label, &ctx.escrow, data, U256::ZERO).await;
    });
}

/// The deadline of the order's current phase (unix seconds), as the lens's `deadlineOf`.
fn deadline(ctx: &Ctx, l: &Live) -> u64 {
    payout::deadline(&ctx.terms, &l.order).unwrap_or_default()
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
    let role = Role::of(&ctx, &live, account.as_deref());
    let (symbol, decimals) = token_meta(w, ctx.chain_id, &ctx.terms.token);
    let token = Token { symbol, decimals };
    let phase = match live.order.status {
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
            {raw(facts_html(&ctx, &live, role, &token))}
            {(!role.connected).then(|| view! { <p class="muted">"Connect a wallet to pledge or act on this order."</p> })}
            <div class="buttons">
                {phase}
                <SettlementActions ctx live role token/>
            </div>
        </section>
    }
}

/// What the chain says, as a list (HTML): the status, the current milestone and the deadline
/// of its phase, and the account's units, say, claimable amounts, refund and balance.
fn facts_html(ctx: &Ctx, l: &Live, role: Role, token: &Token) -> String {
    let t = &ctx.terms;
    let o = &l.order;
    let end = deadline(ctx, l);
    let passed = l.now >= end;
    let mut facts = vec![format!("Status on chain: {}", o.status)];
    let n = t.milestones.len();
    let k = o.milestone as usize + 1;
    match o.status {
        OrderStatus::Funding => facts.push(format!(
            "Funding {} {}",
            if passed { "closed" } else { "closes" },
            date(t.funding_deadline_unix)
        )),
        OrderStatus::Active => facts.push(match (o.milestone_state, passed) {
            (MilestoneState::Pending, false) => {
                format!("Milestone {k} of {n}: waiting for delivery, due by {}", date(end))
            }
            (MilestoneState::Pending, true) => format!(
                "Milestone {k} of {n} was due by {}: anyone may now end the order, and backers take back what is still held",
                date(end)
            ),
            (MilestoneState::Delivered, false) => {
                format!("Milestone {k} of {n}: delivered, in review until {}", date(end))
            }
            (MilestoneState::Delivered, true) => format!(
                "Milestone {k} of {n}: delivered; the review ended {}, anyone may release it",
                date(end)
            ),
            (_, false) => {
                format!("Milestone {k} of {n}: disputed, the arbiter rules by {}", date(end))
            }
            (_, true) => format!(
                "Milestone {k} of {n}: disputed; the ruling period ended {}, anyone may apply the default ruling (the order ends, backers take back what is held, the bond goes back to the disputer)",
                date(end)
            ),
        }),
        OrderStatus::Expired => facts.push(format!(
            "Expired: milestone {k} was not delivered in time; backers take back what was not released"
        )),
        _ => {}
    }
    if o.status == OrderStatus::Active && o.milestone_state == MilestoneState::Delivered {
        facts.push(format!(
            "Disputing costs a bond of {}: returned if the dispute is upheld, paid to the seller if it is dismissed",
            token.show(payout::dispute_bond(t, o))
        ));
    }
    if role.units > 0 {
        facts.push(format!(
            "You hold {} unit(s), paid {}{}",
            role.units,
            token.show(payout::funded(t, role.units)),
            if role.weight > 0 {
                ""
            } else {
                " (without a say: you are a party or a promoter of this order)"
            }
        ));
    }
    for (label, amount) in [
        ("You can claim", l.claimable),
        ("Your commission to claim", l.commission),
        ("Your refund", l.refundable),
        ("Your withdrawable balance", l.balance),
    ] {
        if amount > U256::ZERO {
            facts.push(format!("{label}: {}", token.show(amount)));
        }
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
    /// What will happen, confirmed in a review sheet first (money actions that cannot be
    /// undone).
    #[prop(optional, into)]
    review: Option<String>,
) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let on_click = Callback::new(move |()| send(w, &ctx, testid, label, data.clone()));
    view! { <TxButton label testid on_click review/> }
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
    let (id, packed) = (ctx.order_id, &ctx.packed);
    let deadline = t.funding_deadline_unix;
    let open = live.now < deadline && live.order.units_pledged < u64::from(t.max_units);
    let may_pledge = t.sole_buyer == Address::ZERO || role.me == t.sole_buyer || !role.connected;
    let unpledge =
        Escrow::unpledgeCall { orderId: id, terms: packed.clone(), units: U256::from(role.units) };
    let finalize = Escrow::finalizeCall { orderId: id, terms: packed.clone() };
    let cancel = Escrow::cancelCall { orderId: id, terms: packed.clone() };
    let cancellable = role.seller && live.now < deadline;
    view! {
        {(open && may_pledge).then(|| view! { <PledgeForm ctx=ctx.clone() token/> })}
        {(role.units > 0 && open).then(|| view! {
            <ActionButton label="Withdraw my pledge" testid="unpledge" ctx=ctx.clone() data=unpledge.abi_encode()/>
        })}
        {(!open).then(|| view! {
            <ActionButton label="Finalize funding" testid="finalize" ctx=ctx.clone() data=finalize.abi_encode()/>
        })}
        {cancellable.then(|| view! {
            <ActionButton label="Cancel the order" testid="cancel" ctx=ctx.clone() data=cancel.abi_encode()
                review=format!("You cancel order #{id}: funding stops and every backer can take back exactly what they paid. This cannot be undone.")/>
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
    let terms = ctx.terms.clone();
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
        w.run("pledge", pledge(w, ctx.clone(), n, promoter));
    };
    view! {
        <form class="pledge" on:submit=submit>
            <label for="units">"Units"</label>
            <input id="units" type="number" min="1" inputmode="numeric" prop:value=move || units_text.get()
                on:input=move |e| units_text.set(event_target_value(&e)) />
            <label for="promoter">"Promoter (from a referral link, optional; not yourself)"</label>
            <input id="promoter" placeholder="0x…" prop:value=move || promoter_text.get()
                on:input=move |e| promoter_text.set(event_target_value(&e)) />
            <p class="small" data-testid="pledge-total">{move || {
                let n = units_text.get().trim().parse::<u64>().unwrap_or(0);
                format!("Total: {}", token.show(payout::funded(&terms, n)))
            }}</p>
            <TxButton label="Pledge" testid="pledge" primary=true/>
        </form>
    }
}

/// While the order is active, by the current milestone's state: the seller delivers by the
/// delivery deadline, after which anyone may expire the order; once delivered, backers with a
/// say approve or dispute (with the bond) within the review window and anyone releases after
/// it; once disputed, the arbiter rules within the ruling period, after which anyone applies
/// the default ruling.
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
    let w = expect_context::<Wallet>();
    let (id, packed) = (ctx.order_id, &ctx.packed);
    let end = deadline(&ctx, &live);
    let open = live.now < end;
    match live.order.milestone_state {
        MilestoneState::Pending => {
            let expire = Escrow::expireCall { orderId: id, terms: packed.clone() };
            view! {
                {(role.seller && open).then(|| view! { <DeliverForm ctx=ctx.clone()/> })}
                {(!open).then(|| view! {
                    <ActionButton label="End the order: not delivered in time" testid="expire" ctx=ctx.clone() data=expire.abi_encode()/>
                })}
            }
            .into_any()
        }
        MilestoneState::Delivered => {
            let approve = Escrow::approveMilestoneCall { orderId: id, terms: packed.clone() };
            let release = Escrow::releaseCall { orderId: id, terms: packed.clone() };
            let approved = live.me.approved == live.order.milestone + 1;
            let bond = payout::dispute_bond(&ctx.terms, &live.order);
            let c = ctx.clone();
            let say = role.weight > 0 && open;
            // The reason goes on the record (`Disputed.reason`): checked here first, as the
            // contract will (1 to MAX_REASON_BYTES bytes of UTF-8).
            let reason = RwSignal::new(String::new());
            let check = Callback::new(move |()| {
                let bytes = reason.with(|r| r.trim().len());
                let problem = if bytes == 0 {
                    Some(
                        "Say why you dispute the milestone: the arbiter rules on your reason."
                            .to_owned(),
                    )
                } else if bytes > MAX_REASON_BYTES {
                    Some(format!(
                        "Your reason is {bytes} bytes long; the record takes at most {MAX_REASON_BYTES}. Shorten it."
                    ))
                } else {
                    None
                };
                let ok = problem.is_none();
                if let Some(p) = problem {
                    w.tx.set(TxState::Failed("Dispute the milestone".into(), p));
                    focus("dispute-reason");
                }
                ok
            });
            view! {
                {(say && !approved).then(|| view! {
                    <ActionButton label="Approve the milestone" testid="approve" ctx=ctx.clone() data=approve.abi_encode()/>
                })}
                {say.then(|| view! {
                    <label for="dispute-reason">"If the milestone is not as agreed: why? Your reason goes on the record, for the arbiter and anyone reading this order."</label>
                    <textarea id="dispute-reason" data-testid="dispute-reason" rows="3" maxlength="1000"
                        prop:value=move || reason.get()
                        on:input=move |e| reason.set(event_target_value(&e))></textarea>
                    <TxButton label=format!("Dispute the milestone (bond {})", token.show(bond)) testid="dispute"
                        check
                        review=format!(
                            "You post a bond of {} to dispute milestone {} ({}), with your reason on the record. The arbiter rules within {}: if it upholds your dispute, the bond comes back to you; if it dismisses it, the bond goes to the seller and the milestone is released.",
                            token.show(bond),
                            live.order.milestone + 1,
                            token.show(payout::milestone_amount(&ctx.terms, live.order.units_pledged, live.order.milestone as usize)),
                            crate::format::period(ctx.terms.ruling_period.into()),
                        )
                        on_click=Callback::new(move |()| {
                            w.run("dispute", dispute(w, c.clone(), bond, reason.get_untracked().trim().to_owned()))
                        })/>
                })}
                {(!open).then(|| view! {
                    <ActionButton label="Release the milestone" testid="release" ctx=ctx.clone() data=release.abi_encode()/>
                })}
            }
            .into_any()
        }
        _ => {
            let default = Escrow::ruleByDefaultCall { orderId: id, terms: packed.clone() };
            view! {
                {(role.arbiter && open).then(|| view! { <RuleForm ctx=ctx.clone() live=live.clone() token/> })}
                {(!open).then(|| view! {
                    <ActionButton label="Apply the default ruling" testid="rule-default" ctx=ctx.clone() data=default.abi_encode()/>
                })}
            }
            .into_any()
        }
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
            terms: ctx.packed.clone(),
            proofHash: keccak256(p.as_bytes()),
        }
        .abi_encode();
        send(w, &ctx, "deliver", "Deliver the milestone", data);
    };
    view! {
        <form class="deliver" on:submit=submit>
            <label for="proof">"Proof of delivery (link or text; its hash goes on chain)"</label>
            <input id="proof" prop:value=move || proof.get() on:input=move |e| proof.set(event_target_value(&e)) />
            <TxButton label="Deliver the milestone" testid="deliver" primary=true/>
        </form>
    }
}

/// The arbiter's ruling on the disputed milestone: dismiss (the milestone is paid, the
/// schedule goes on), pay part of it (the rest is withheld for backers), or end the order
/// after paying part (backers take back everything not released).
#[component]
fn RuleForm(
    /// The order's terms and where it lives.
    ctx: Arc<Ctx>,
    /// The order's state on chain.
    live: Live,
    /// The payment token.
    token: Token,
) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let o = &live.order;
    let full = payout::milestone_amount(&ctx.terms, o.units_pledged, o.milestone as usize);
    let part = RwSignal::new(String::new());
    let decimals = token.decimals;
    let rule = move |key: &'static str, amount: Option<U256>, end: bool, label: &'static str| {
        let amount = match amount {
            Some(a) => a,
            None => match parse_units(&part.get_untracked(), decimals) {
                Ok(a) => a,
                Err(_) => {
                    w.tx.set(TxState::Info("Enter the amount to release, e.g. 12.5".into()));
                    return;
                }
            },
        };
        let data = Escrow::ruleCall {
            orderId: ctx.order_id,
            terms: ctx.packed.clone(),
            releaseAmount: amount,
            endOrder: end,
        }
        .abi_encode();
        send(w, &ctx, key, label, data);
    };
    let rule2 = rule.clone();
    let rule3 = rule.clone();
    view! {
        <div class="rule">
            <p class="small">{format!("The disputed milestone is {}. A ruling can release at most that, never more.", token.show(full))}</p>
            <TxButton label="Dismiss: pay the milestone, the schedule goes on" testid="rule-dismiss"
                on_click=Callback::new(move |()| rule("rule-dismiss", Some(full), false, "Dismiss the dispute"))/>
            <label for="release">{format!("Release to the seller ({}); the rest is withheld for backers", token.symbol)}</label>
            <input id="release" inputmode="decimal" prop:value=move || part.get()
                on:input=move |e| part.set(event_target_value(&e)) />
            <TxButton label="Pay that much, the schedule goes on" testid="rule-part"
                on_click=Callback::new(move |()| rule2("rule-part", None, false, "Pay part of the milestone"))/>
            <TxButton label="Pay that much and end the order" testid="rule-end"
                review="You end the order: the amount you entered is released to the seller, and backers take back everything else the escrow holds for this order. This cannot be undone.".to_owned()
                on_click=Callback::new(move |()| rule3("rule-end", None, true, "End the order"))/>
        </div>
    }
}

/// Whatever the phase: a refund when the chain says one is due; the seller's or a split
/// recipient's pay in one call (`collect`: release if due, claim, withdraw); a promoter's
/// commission; withdrawing a balance.
#[component]
fn SettlementActions(
    /// The order's terms and where it lives.
    ctx: Arc<Ctx>,
    /// The order's state on chain and the account's position in it.
    live: Live,
    /// Who the account is to the order.
    role: Role,
    /// The payment token.
    token: Token,
) -> impl IntoView {
    let (id, me, packed) = (ctx.order_id, role.me, &ctx.packed);
    let release_due = live.order.status == OrderStatus::Active
        && live.order.milestone_state == MilestoneState::Delivered
        && live.now >= deadline(&ctx, &live);
    let collectable = live.claimable > U256::ZERO || (role.party && release_due);
    let refund = Escrow::refundCall { orderId: id, terms: packed.clone(), backer: me, to: me };
    let collect = Escrow::collectCall { orderId: id, terms: packed.clone(), to: me };
    let commission =
        Escrow::claimCommissionCall { orderId: id, terms: packed.clone(), promoter: me };
    let withdraw = Escrow::withdrawCall { token: ctx.terms.token, account: me, to: me };
    let refund_label = format!("Take my refund ({})", token.show(live.refundable));
    view! {
        {(live.refundable > U256::ZERO).then(|| {
            let (ctx, data) = (ctx.clone(), refund.abi_encode());
            let w = expect_context::<Wallet>();
            view! {
                <TxButton label=refund_label testid="refund"
                    on_click=Callback::new(move |()| send(w, &ctx, "refund", "Take my refund", data.clone()))/>
            }
        })}
        {collectable.then(|| view! {
            <ActionButton label="Get paid" testid="collect" ctx=ctx.clone() data=collect.abi_encode()/>
        })}
        {(live.commission > U256::ZERO).then(|| view! {
            <ActionButton label="Claim my commission" testid="claim-commission" ctx=ctx.clone() data=commission.abi_encode()/>
        })}
        {(live.balance > U256::ZERO && !collectable).then(|| view! {
            <ActionButton label="Withdraw my balance" testid="withdraw" ctx=ctx.clone() data=withdraw.abi_encode()
                review=format!("You withdraw your whole balance in the escrow, {}, to your wallet {}.", token.show(live.balance), crate::format::short(&crate::eth::addr_hex(&me)))/>
        })}
    }
}
