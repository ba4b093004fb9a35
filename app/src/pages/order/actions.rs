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
    i18n::{t, tf},
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
        let terms = &ctx.terms;
        let me = account.and_then(eth::parse_addr).unwrap_or_default();
        let connected = account.is_some();
        Self {
            me,
            connected,
            seller: connected && me == terms.seller,
            arbiter: connected && me == terms.arbiter,
            party: connected && payout::is_role(terms, me),
            units: l.me.units,
            weight: payout::weight(terms, &l.me, me),
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
fn send(w: Wallet, ctx: &Arc<Ctx>, key: &'static str, label: &str, data: Vec<u8>) {
    let (ctx, label) = (ctx.clone(), label.to_owned());
    w.run(key, async move {
        w.send(ctx.chain_id, &label, &ctx.escrow, data, U256::ZERO).await;
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
        <section class="actions" aria-label=t("Actions")>
            <h2>{t("Take part")}</h2>
            {raw(facts_html(&ctx, &live, role, &token))}
            {(!role.connected).then(|| view! { <p class="muted">{t("Connect a wallet to pledge or act on this order.")}</p> })}
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
    let terms = &ctx.terms;
    let o = &l.order;
    let end = deadline(ctx, l);
    let passed = l.now >= end;
    let mut facts = vec![tf("Status on chain: {0}", &[&t(o.status.as_str())])];
    let n = terms.milestones.len();
    let k = o.milestone as usize + 1;
    match o.status {
        OrderStatus::Funding => facts.push(if passed {
            tf("Funding closed {0}", &[&date(terms.funding_deadline_unix)])
        } else {
            tf("Funding closes {0}", &[&date(terms.funding_deadline_unix)])
        }),
        OrderStatus::Active => facts.push(match (o.milestone_state, passed) {
            (MilestoneState::Pending, false) => {
                tf("Milestone {0} of {1}: waiting for delivery, due by {2}", &[&k, &n, &date(end)])
            }
            (MilestoneState::Pending, true) => tf("Milestone {0} of {1} was due by {2}: anyone may now end the order, and backers take back what is still held", &[&k, &n, &date(end)]),
            (MilestoneState::Delivered, false) => {
                tf("Milestone {0} of {1}: delivered, in review until {2}", &[&k, &n, &date(end)])
            }
            (MilestoneState::Delivered, true) => tf("Milestone {0} of {1}: delivered; the review ended {2}, anyone may release it", &[&k, &n, &date(end)]),
            (_, false) => {
                tf("Milestone {0} of {1}: disputed, the arbiter rules by {2}", &[&k, &n, &date(end)])
            }
            (_, true) => tf("Milestone {0} of {1}: disputed; the ruling period ended {2}, anyone may apply the default ruling (the order ends, backers take back what is held, the bond goes back to the disputer)", &[&k, &n, &date(end)]),
        }),
        OrderStatus::Expired => facts.push(tf("Expired: milestone {0} was not delivered in time; backers take back what was not released", &[&k])),
        _ => {}
    }
    if o.status == OrderStatus::Active && o.milestone_state == MilestoneState::Delivered {
        facts.push(tf("Disputing costs a bond of {0}: returned if the dispute is upheld, paid to the seller if it is dismissed", &[&token.show(payout::dispute_bond(terms, o))]));
    }
    if role.units > 0 {
        let paid = token.show(payout::funded(terms, role.units));
        facts.push(if role.weight > 0 {
            tf("You hold {0} unit(s), paid {1}", &[&role.units, &paid])
        } else {
            tf(
                "You hold {0} unit(s), paid {1} (without a say: you are a party or a promoter of this order)",
                &[&role.units, &paid],
            )
        });
    }
    for (label, amount) in [
        (t("You can claim"), l.claimable),
        (t("Your commission to claim"), l.commission),
        (t("Your refund"), l.refundable),
        (t("Your withdrawable balance"), l.balance),
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
    #[prop(into)]
    label: String,
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
    let name = label.clone();
    let on_click = Callback::new(move |()| send(w, &ctx, testid, &name, data.clone()));
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
    let terms = &ctx.terms;
    let (id, packed) = (ctx.order_id, &ctx.packed);
    let deadline = terms.funding_deadline_unix;
    let open = live.now < deadline && live.order.units_pledged < u64::from(terms.max_units);
    let may_pledge =
        terms.sole_buyer == Address::ZERO || role.me == terms.sole_buyer || !role.connected;
    let unpledge =
        Escrow::unpledgeCall { orderId: id, terms: packed.clone(), units: U256::from(role.units) };
    let finalize = Escrow::finalizeCall { orderId: id, terms: packed.clone() };
    let cancel = Escrow::cancelCall { orderId: id, terms: packed.clone() };
    let cancellable = role.seller && live.now < deadline;
    view! {
        {(open && may_pledge).then(|| view! { <PledgeForm ctx=ctx.clone() token/> })}
        {(role.units > 0 && open).then(|| view! {
            <ActionButton label=t("Withdraw my pledge") testid="unpledge" ctx=ctx.clone() data=unpledge.abi_encode()/>
        })}
        {(!open).then(|| view! {
            <ActionButton label=t("Finalize funding") testid="finalize" ctx=ctx.clone() data=finalize.abi_encode()/>
        })}
        {cancellable.then(|| view! {
            <ActionButton label=t("Cancel the order") testid="cancel" ctx=ctx.clone() data=cancel.abi_encode()
                review=tf("You cancel order #{0}: funding stops and every backer can take back exactly what they paid. This cannot be undone.", &[&id])/>
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
            w.tx.set(TxState::Info(t("Units must be a whole number.")));
            return;
        };
        let p = promoter_text.get_untracked();
        let promoter = if p.trim().is_empty() { Some(Address::ZERO) } else { eth::parse_addr(&p) };
        let Some(promoter) = promoter else {
            w.tx.set(TxState::Info(t("The promoter must be an address (0x…) or empty.")));
            return;
        };
        w.run("pledge", pledge(w, ctx.clone(), n, promoter));
    };
    view! {
        <form class="pledge" on:submit=submit>
            <label for="units">{t("Units")}</label>
            <input id="units" type="number" min="1" inputmode="numeric" prop:value=move || units_text.get()
                on:input=move |e| units_text.set(event_target_value(&e)) />
            <label for="promoter">{t("Promoter (from a referral link, optional; not yourself)")}</label>
            <input id="promoter" placeholder="0x…" prop:value=move || promoter_text.get()
                on:input=move |e| promoter_text.set(event_target_value(&e)) />
            <p class="small" data-testid="pledge-total">{move || {
                let n = units_text.get().trim().parse::<u64>().unwrap_or(0);
                tf("Total: {0}", &[&token.show(payout::funded(&terms, n))])
            }}</p>
            <TxButton label=t("Pledge") testid="pledge" primary=true/>
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
                    <ActionButton label=t("End the order: not delivered in time") testid="expire" ctx=ctx.clone() data=expire.abi_encode()/>
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
                    Some(t("Say why you dispute the milestone: the arbiter rules on your reason."))
                } else if bytes > MAX_REASON_BYTES {
                    Some(tf(
                        "Your reason is {0} bytes long; the record takes at most {1}. Shorten it.",
                        &[&bytes, &MAX_REASON_BYTES],
                    ))
                } else {
                    None
                };
                let ok = problem.is_none();
                if let Some(p) = problem {
                    w.tx.set(TxState::Failed(t("Dispute the milestone"), p));
                    focus("dispute-reason");
                }
                ok
            });
            view! {
                {(say && !approved).then(|| view! {
                    <ActionButton label=t("Approve the milestone") testid="approve" ctx=ctx.clone() data=approve.abi_encode()/>
                })}
                {say.then(|| view! {
                    <label for="dispute-reason">{t("If the milestone is not as agreed: why? Your reason goes on the record, for the arbiter and anyone reading this order.")}</label>
                    <textarea id="dispute-reason" data-testid="dispute-reason" rows="3" maxlength="1000"
                        prop:value=move || reason.get()
                        on:input=move |e| reason.set(event_target_value(&e))></textarea>
                    <TxButton label=tf("Dispute the milestone (bond {0})", &[&token.show(bond)]) testid="dispute"
                        check
                        review=tf("You post a bond of {0} to dispute milestone {1} ({2}), with your reason on the record. The arbiter rules within {3}: if it upholds your dispute, the bond comes back to you; if it dismisses it, the bond goes to the seller and the milestone is released.", &[&token.show(bond), &(live.order.milestone + 1), &token.show(payout::milestone_amount(&ctx.terms, live.order.units_pledged, live.order.milestone as usize)), &crate::format::period(ctx.terms.ruling_period.into())])
                        on_click=Callback::new(move |()| {
                            w.run("dispute", dispute(w, c.clone(), bond, reason.get_untracked().trim().to_owned()))
                        })/>
                })}
                {(!open).then(|| view! {
                    <ActionButton label=t("Release the milestone") testid="release" ctx=ctx.clone() data=release.abi_encode()/>
                })}
            }
            .into_any()
        }
        _ => {
            let default = Escrow::ruleByDefaultCall { orderId: id, terms: packed.clone() };
            view! {
                {(role.arbiter && open).then(|| view! { <RuleForm ctx=ctx.clone() live=live.clone() token/> })}
                {(!open).then(|| view! {
                    <ActionButton label=t("Apply the default ruling") testid="rule-default" ctx=ctx.clone() data=default.abi_encode()/>
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
        send(w, &ctx, "deliver", &t("Deliver the milestone"), data);
    };
    view! {
        <form class="deliver" on:submit=submit>
            <label for="proof">{t("Proof of delivery (link or text; its hash goes on chain)")}</label>
            <input id="proof" prop:value=move || proof.get() on:input=move |e| proof.set(event_target_value(&e)) />
            <TxButton label=t("Deliver the milestone") testid="deliver" primary=true/>
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
    let rule = move |key: &'static str, amount: Option<U256>, end: bool, label: String| {
        let amount = match amount {
            Some(a) => a,
            None => match parse_units(&part.get_untracked(), decimals) {
                Ok(a) => a,
                Err(_) => {
                    w.tx.set(TxState::Info(t("Enter the amount to release, e.g. 12.5")));
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
        send(w, &ctx, key, &label, data);
    };
    let rule2 = rule.clone();
    let rule3 = rule.clone();
    view! {
        <div class="rule">
            <p class="small">{tf("The disputed milestone is {0}. A ruling can release at most that, never more.", &[&token.show(full)])}</p>
            <TxButton label=t("Dismiss: pay the milestone, the schedule goes on") testid="rule-dismiss"
                on_click=Callback::new(move |()| rule("rule-dismiss", Some(full), false, t("Dismiss the dispute")))/>
            <label for="release">{tf("Release to the seller ({0}); the rest is withheld for backers", &[&token.symbol])}</label>
            <input id="release" inputmode="decimal" prop:value=move || part.get()
                on:input=move |e| part.set(event_target_value(&e)) />
            <TxButton label=t("Pay that much, the schedule goes on") testid="rule-part"
                on_click=Callback::new(move |()| rule2("rule-part", None, false, t("Pay part of the milestone")))/>
            <TxButton label=t("Pay that much and end the order") testid="rule-end"
                review=t("You end the order: the amount you entered is released to the seller, and backers take back everything else the escrow holds for this order. This cannot be undone.")
                on_click=Callback::new(move |()| rule3("rule-end", None, true, t("End the order")))/>
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
    let refund_label = tf("Take my refund ({0})", &[&token.show(live.refundable)]);
    view! {
        {(live.refundable > U256::ZERO).then(|| {
            let (ctx, data) = (ctx.clone(), refund.abi_encode());
            let w = expect_context::<Wallet>();
            view! {
                <TxButton label=refund_label testid="refund"
                    on_click=Callback::new(move |()| send(w, &ctx, "refund", &t("Take my refund"), data.clone()))/>
            }
        })}
        {collectable.then(|| view! {
            <ActionButton label=t("Get paid") testid="collect" ctx=ctx.clone() data=collect.abi_encode()/>
        })}
        {(live.commission > U256::ZERO).then(|| view! {
            <ActionButton label=t("Claim my commission") testid="claim-commission" ctx=ctx.clone() data=commission.abi_encode()/>
        })}
        {(live.balance > U256::ZERO && !collectable).then(|| view! {
            <ActionButton label=t("Withdraw my balance") testid="withdraw" ctx=ctx.clone() data=withdraw.abi_encode()
                review=tf("You withdraw your whole balance in the escrow, {0}, to your wallet {1}.", &[&token.show(live.balance), &crate::format::short(&crate::eth::addr_hex(&me))])/>
        })}
    }
}
