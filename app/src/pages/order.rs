//! Order detail: terms, funding, milestones, price breakdown, backers, and the actions open
//! to the connected account's role. What decides the buttons is read from the chain itself
//! (state, backer position, claimable amounts), so it is never behind the indexer.

use std::sync::Arc;

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::SolCall;
use cointent_abi::{Escrow, IEscrow::Terms};
use leptos::{prelude::*, task::spawn_local};
use serde_json::{Value, json};

use super::{dl_html, error_box, esc, funding_html, loading, money, raw, token_meta};
use crate::{eth, eth::IToken, net, wallet::Wallet};

/// Everything about an order the page needs besides the API record.
#[derive(Clone, PartialEq)]
pub(crate) struct Ctx {
    pub(crate) chain_id: u64,
    pub(crate) order_id: U256,
    pub(crate) terms: Terms,
    pub(crate) rpc: String,
    pub(crate) escrow: String,
}

/// The order's live state on chain, and the connected account's position.
#[derive(Clone, Default, PartialEq)]
pub(crate) struct Live {
    status: u8,
    milestone: u8,
    mstate: u8,
    units: u32,
    delivered_at: u64,
    now: u64,
    paid: U256,
    approved: bool,
    claimable: U256,
    commission: U256,
    balance: U256,
}

async fn call<C: SolCall>(ctx: &Ctx, c: C) -> Result<C::Return, String> {
    let out = net::eth_call(&ctx.rpc, &ctx.escrow, &c.abi_encode()).await?;
    C::abi_decode_returns(&out).map_err(|e| e.to_string())
}

async fn live(ctx: Arc<Ctx>, account: Option<String>) -> Result<Live, String> {
    let id = ctx.order_id;
    let s = call(&ctx, Escrow::orderStateCall { orderId: id }).await?;
    let aux = call(&ctx, Escrow::orderAuxCall { orderId: id }).await?;
    let block = net::rpc(&ctx.rpc, "eth_getBlockByNumber", json!(["latest", false])).await?;
    let mut l = Live {
        status: s.status as u8,
        milestone: s.milestone,
        mstate: s.milestoneState as u8,
        units: s.unitsPledged,
        delivered_at: aux.deliveredAt.to::<u64>(),
        now: eth::u64_of(&block["timestamp"]).unwrap_or_default(),
        ..Default::default()
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

/// The per-unit price breakdown, computed as the escrow's cascade does (fee, promoter pool
/// when every unit was promoted, each split of what remains, the seller's remainder).
pub(crate) fn breakdown(t: &Terms) -> Vec<(String, U256)> {
    let bps = U256::from(10_000u64);
    let price = U256::from(t.unitPrice);
    let fee = price * U256::from(t.feeBps) / bps;
    let pool = (price - fee) * U256::from(t.promoterBps) / bps;
    let mut rest = price - fee - pool;
    let mut rows = vec![("Platform fee (treasury)".to_owned(), fee)];
    if t.promoterBps > 0 {
        rows.push(("Promoters (at most)".to_owned(), pool));
    }
    let mut left = 10_000u64;
    for s in &t.splits {
        let share =
            if left == 0 { U256::ZERO } else { rest * U256::from(s.bps) / U256::from(left) };
        left = left.saturating_sub(s.bps as u64);
        rest -= share;
        rows.push((format!("Split {}", eth::short(&eth::addr_hex(&s.recipient))), share));
    }
    rows.push(("Maker".to_owned(), rest));
    rows
}

/// The price breakdown table (HTML).
pub(crate) fn breakdown_html(w: Wallet, chain_id: u64, t: &Terms) -> String {
    let (sym, dec) = token_meta(w, chain_id, &eth::addr_hex(&t.token));
    let rows: String = breakdown(t)
        .into_iter()
        .map(|(label, v)| {
            format!(
                "<tr><th scope=\"row\">{}</th><td>{} {sym}</td></tr>",
                esc(&label),
                eth::fmt_units(v, dec)
            )
        })
        .collect();
    format!(
        "<table class=\"breakdown\" data-testid=\"breakdown\"><caption>Where one unit's price goes</caption><tbody>{rows}</tbody></table>"
    )
}

/// Pledges `units`, with the fewest wallet prompts the token allows: native coin or
/// enough allowance -> one transaction; EIP-2612 permit -> a signature and one transaction;
/// otherwise approve, then pledge.
async fn pledge(w: Wallet, ctx: Arc<Ctx>, units: u64, promoter: Address) {
    let Some(account) = w.ensure_account().await else { return };
    if !w.ensure_chain(ctx.chain_id).await {
        return;
    }
    let t = ctx.terms.clone();
    let units_u = U256::from(units);
    let cost = units_u * U256::from(t.unitPrice);
    let plain =
        Escrow::pledgeCall { orderId: ctx.order_id, terms: t.clone(), units: units_u, promoter };
    let label = format!("Pledge {units} unit{}", if units == 1 { "" } else { "s" });
    if t.token == Address::ZERO {
        w.send(ctx.chain_id, &label, &ctx.escrow, plain.abi_encode(), cost).await;
        return;
    }
    let token = eth::addr_hex(&t.token);
    let owner = eth::parse_addr(&account).unwrap_or_default();
    let escrow = eth::parse_addr(&ctx.escrow).unwrap_or_default();
    let tcall = |data: Vec<u8>| {
        let rpc = ctx.rpc.clone();
        let token = token.clone();
        async move { net::eth_call(&rpc, &token, &data).await }
    };
    let allowance = tcall(IToken::allowanceCall { owner, spender: escrow }.abi_encode())
        .await
        .ok()
        .and_then(|b| IToken::allowanceCall::abi_decode_returns(&b).ok())
        .unwrap_or_default();
    if allowance >= cost {
        w.send(ctx.chain_id, &label, &ctx.escrow, plain.abi_encode(), U256::ZERO).await;
        return;
    }
    let domain = tcall(IToken::eip712DomainCall {}.abi_encode())
        .await
        .ok()
        .and_then(|b| IToken::eip712DomainCall::abi_decode_returns(&b).ok());
    let nonce = tcall(IToken::noncesCall { owner }.abi_encode())
        .await
        .ok()
        .and_then(|b| IToken::noncesCall::abi_decode_returns(&b).ok());
    if let (Some(d), Some(nonce)) = (domain, nonce) {
        // The permit's deadline is checked against the chain's clock, not this computer's.
        let chain_now = net::rpc(&ctx.rpc, "eth_getBlockByNumber", json!(["latest", false]))
            .await
            .ok()
            .and_then(|b| eth::u64_of(&b["timestamp"]))
            .unwrap_or((js_sys::Date::now() / 1000.0) as u64);
        let deadline = chain_now + 3600;
        let typed = json!({
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}
                ],
                "Permit": [
                    {"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                    {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                    {"name": "deadline", "type": "uint256"}
                ]
            },
            "primaryType": "Permit",
            "domain": {"name": d.name, "version": d.version, "chainId": ctx.chain_id, "verifyingContract": token},
            "message": {"owner": account, "spender": ctx.escrow, "value": cost.to_string(),
                        "nonce": nonce.to_string(), "deadline": deadline.to_string()}
        });
        let Some(sig) = w
            .sign(
                "Allow the escrow to take the payment",
                "eth_signTypedData_v4",
                json!([account, typed.to_string()]),
            )
            .await
        else {
            return;
        };
        let sig = net::unhex(&sig).unwrap_or_default();
        if sig.len() == 65 {
            let v = if sig[64] < 27 { sig[64] + 27 } else { sig[64] };
            let call = Escrow::pledgeWithPermitCall {
                orderId: ctx.order_id,
                terms: t,
                units: units_u,
                promoter,
                deadline: U256::from(deadline),
                v,
                r: B256::from_slice(&sig[..32]),
                s: B256::from_slice(&sig[32..64]),
            };
            w.send(ctx.chain_id, &label, &ctx.escrow, call.abi_encode(), U256::ZERO).await;
            return;
        }
    }
    let approve = IToken::approveCall { spender: escrow, amount: cost }.abi_encode();
    if w.send(ctx.chain_id, "Approve the payment", &token, approve, U256::ZERO).await {
        w.send(ctx.chain_id, &label, &ctx.escrow, plain.abi_encode(), U256::ZERO).await;
    }
}

fn act(w: Wallet, ctx: &Arc<Ctx>, label: &'static str, data: Vec<u8>) {
    let ctx = ctx.clone();
    spawn_local(async move {
        w.send(ctx.chain_id, label, &ctx.escrow, data, U256::ZERO).await;
    });
}

fn actions(w: Wallet, ctx: Arc<Ctx>, l: Live, account: Option<String>) -> AnyView {
    let t = ctx.terms.clone();
    let id = ctx.order_id;
    let me = account.as_deref().and_then(eth::parse_addr).unwrap_or_default();
    let connected = account.is_some();
    let is_seller = connected && me == t.seller;
    let is_arbiter = connected && me == t.arbiter;
    let is_backer = l.paid > U256::ZERO;
    let units_held =
        if t.unitPrice.is_zero() { 0 } else { (l.paid / U256::from(t.unitPrice)).to::<u64>() };
    let deadline = t.fundingDeadline.to::<u64>();
    let review_end = l.delivered_at + t.reviewPeriod as u64;
    let (sym, dec) = token_meta(w, ctx.chain_id, &eth::addr_hex(&t.token));
    let units = RwSignal::new("1".to_owned());
    let promoter_text = RwSignal::new(crate::query_param("ref").unwrap_or_default());
    let proof = RwSignal::new(String::new());
    let refund_amount = RwSignal::new(String::new());
    let mut out: Vec<AnyView> = Vec::new();
    let b = |label: &'static str, testid: &'static str, data: Vec<u8>, ctx: &Arc<Ctx>| {
        let ctx = ctx.clone();
        view! { <button data-testid=testid on:click=move |_| act(w, &ctx, label, data.clone())>{label}</button> }.into_any()
    };
    if l.status == 0 {
        let open = l.now < deadline && l.units < t.maxUnits;
        let may_pledge = t.soleBuyer == Address::ZERO || me == t.soleBuyer || !connected;
        if open && may_pledge {
            let ctx2 = ctx.clone();
            out.push(view! {
                <form class="pledge" on:submit=move |e| {
                    e.prevent_default();
                    let Ok(n) = units.get_untracked().trim().parse::<u64>() else {
                        w.tx.set(crate::wallet::TxState::Info("Units must be a whole number.".into()));
                        return;
                    };
                    let p = promoter_text.get_untracked();
                    let promoter = if p.trim().is_empty() { Some(Address::ZERO) } else { eth::parse_addr(&p) };
                    let Some(promoter) = promoter else {
                        w.tx.set(crate::wallet::TxState::Info("The promoter must be an address (0x…) or empty.".into()));
                        return;
                    };
                    spawn_local(pledge(w, ctx2.clone(), n, promoter));
                }>
                    <label for="units">"Units"</label>
                    <input id="units" type="number" min="1" inputmode="numeric" prop:value=move || units.get()
                        on:input=move |e| units.set(event_target_value(&e)) />
                    <label for="promoter">"Promoter (from your referral link, optional)"</label>
                    <input id="promoter" placeholder="0x…" prop:value=move || promoter_text.get()
                        on:input=move |e| promoter_text.set(event_target_value(&e)) />
                    <p class="small">{let sym = sym.clone(); move || {
                        let n = units.get().trim().parse::<u64>().unwrap_or(0);
                        format!("Total: {} {sym}", eth::fmt_units(U256::from(n) * U256::from(t.unitPrice), dec))
                    }}</p>
                    <button class="primary" type="submit" data-testid="pledge">"Pledge"</button>
                </form>
            }.into_any());
        }
        if is_backer && open {
            out.push(b(
                "Withdraw my pledge",
                "unpledge",
                Escrow::unpledgeCall {
                    orderId: id,
                    terms: ctx.terms.clone(),
                    units: U256::from(units_held),
                }
                .abi_encode(),
                &ctx,
            ));
        }
        if !open {
            out.push(b(
                "Finalize funding",
                "finalize",
                Escrow::finalizeCall { orderId: id, terms: ctx.terms.clone() }.abi_encode(),
                &ctx,
            ));
        }
        if is_seller && l.now < deadline {
            out.push(b(
                "Cancel the order",
                "cancel",
                Escrow::cancelCall { orderId: id, terms: ctx.terms.clone() }.abi_encode(),
                &ctx,
            ));
        }
    }
    if l.status == 1 {
        match l.mstate {
            0 => {
                if is_seller {
                    let ctx2 = ctx.clone();
                    out.push(view! {
                        <form class="deliver" on:submit=move |e| {
                            e.prevent_default();
                            let p = proof.get_untracked();
                            let data = Escrow::deliverMilestoneCall { orderId: id, terms: ctx2.terms.clone(), proofHash: keccak256(p.as_bytes()) }.abi_encode();
                            act(w, &ctx2, "Deliver the milestone", data);
                        }>
                            <label for="proof">"Proof of delivery (link or text; its hash goes on chain)"</label>
                            <input id="proof" prop:value=move || proof.get() on:input=move |e| proof.set(event_target_value(&e)) />
                            <button class="primary" type="submit" data-testid="deliver">"Deliver the milestone"</button>
                        </form>
                    }.into_any());
                }
                if is_backer {
                    out.push(b(
                        "Dispute (not delivered)",
                        "dispute",
                        Escrow::disputeCall { orderId: id, terms: ctx.terms.clone() }.abi_encode(),
                        &ctx,
                    ));
                }
            }
            1 => {
                if is_backer && !l.approved {
                    out.push(b(
                        "Approve the milestone",
                        "approve",
                        Escrow::approveMilestoneCall { orderId: id, terms: ctx.terms.clone() }
                            .abi_encode(),
                        &ctx,
                    ));
                }
                if is_backer && l.now < review_end {
                    out.push(b(
                        "Dispute the milestone",
                        "dispute",
                        Escrow::disputeCall { orderId: id, terms: ctx.terms.clone() }.abi_encode(),
                        &ctx,
                    ));
                }
                if l.now >= review_end {
                    out.push(b(
                        "Release the milestone",
                        "release",
                        Escrow::releaseCall { orderId: id, terms: ctx.terms.clone() }.abi_encode(),
                        &ctx,
                    ));
                }
            }
            _ => {
                if is_arbiter {
                    let ctx2 = ctx.clone();
                    out.push(view! {
                        <form class="resolve" on:submit=move |e| {
                            e.prevent_default();
                            let Some(amount) = eth::parse_units(&refund_amount.get_untracked(), dec) else {
                                w.tx.set(crate::wallet::TxState::Info("Enter the refund as an amount, e.g. 12.5".into()));
                                return;
                            };
                            let data = Escrow::resolveCall { orderId: id, terms: ctx2.terms.clone(), refundAmount: amount }.abi_encode();
                            act(w, &ctx2, "Resolve the dispute", data);
                        }>
                            <label for="refund">{format!("Refund to backers ({sym}); the rest is released to the maker")}</label>
                            <input id="refund" inputmode="decimal" prop:value=move || refund_amount.get()
                                on:input=move |e| refund_amount.set(event_target_value(&e)) />
                            <button class="primary" type="submit" data-testid="resolve">"Resolve the dispute"</button>
                        </form>
                    }.into_any());
                }
            }
        }
    }
    if matches!(l.status, 2 | 3 | 5) && is_backer {
        out.push(b(
            "Take my refund",
            "refund",
            Escrow::refundCall { orderId: id, terms: ctx.terms.clone(), backer: me }.abi_encode(),
            &ctx,
        ));
    }
    if l.claimable > U256::ZERO {
        out.push(b(
            "Claim my share",
            "claim",
            Escrow::claimCall { orderId: id, terms: ctx.terms.clone(), account: me }.abi_encode(),
            &ctx,
        ));
    }
    if l.commission > U256::ZERO {
        out.push(b(
            "Claim my commission",
            "claim-commission",
            Escrow::claimCommissionCall { orderId: id, terms: ctx.terms.clone(), promoter: me }
                .abi_encode(),
            &ctx,
        ));
    }
    if l.balance > U256::ZERO {
        out.push(b(
            "Withdraw my balance",
            "withdraw",
            Escrow::withdrawCall { token: t.token, account: me }.abi_encode(),
            &ctx,
        ));
    }
    let mut facts =
        vec![format!("Status on chain: {}", eth::STATUSES.get(l.status as usize).unwrap_or(&"?"))];
    if l.status == 1 {
        facts.push(format!(
            "Milestone {} of {}: {}",
            l.milestone as usize + 1,
            t.milestoneBps.len(),
            ["waiting for delivery", "delivered, in review", "disputed, waiting for the arbiter"]
                [l.mstate.min(2) as usize]
        ));
        if l.mstate == 1 {
            facts.push(format!("Review ends {}", eth::date(review_end)));
        }
    }
    if is_backer {
        facts.push(format!(
            "You hold {units_held} unit(s), paid {} {sym}",
            eth::fmt_units(l.paid, dec)
        ));
    }
    if l.claimable > U256::ZERO {
        facts.push(format!("You can claim {} {sym}", eth::fmt_units(l.claimable, dec)));
    }
    if l.balance > U256::ZERO {
        facts.push(format!("Your withdrawable balance: {} {sym}", eth::fmt_units(l.balance, dec)));
    }
    view! {
        <section class="actions" aria-label="Actions">
            <h2>"Take part"</h2>
            {raw(format!("<ul class=\"plain small\" data-testid=\"live\">{}</ul>", facts.iter().map(|f| format!("<li>{}</li>", esc(f))).collect::<String>()))}
            {(!connected).then(|| view! { <p class="muted">"Connect a wallet to pledge or act on this order."</p> })}
            <div class="buttons">{out}</div>
        </section>
    }
    .into_any()
}

/// The order page.
pub(crate) fn page(chain_id: u64, order_id: String) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let path = format!("/v1/orders/{chain_id}/{order_id}");
    let detail = LocalResource::new(move || {
        w.refresh.track();
        let path = path.clone();
        async move { net::get(&path).await }
    });
    let oid = order_id.clone();
    let ctx = Memo::new(move |_| {
        let d = detail.get()?.ok()?;
        let chain =
            w.chains.get().into_iter().find(|c| eth::u64_of(&c["chain_id"]) == Some(chain_id))?;
        let terms = eth::terms_from_json(&d["terms"]).ok()?;
        Some(Arc::new(Ctx {
            chain_id,
            order_id: U256::from_str_radix(&oid, 10).ok()?,
            terms,
            rpc: chain["rpc_url"].as_str()?.to_owned(),
            escrow: chain["contracts"]["escrow"].as_str()?.to_owned(),
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
        {move || (detail.get().map(|r| match r {
                Err(e) => error_box(format!("Could not load order {title}: {e}")),
                Ok(d) => overview(w, chain_id, &d),
            })).unwrap_or_else(loading)}
        {move || match (ctx.get(), live_state.get()) {
                (Some(c), Some((a, Ok(l)))) if a == w.account.get() => actions(w, c, l, a),
                (_, Some((_, Err(e)))) => error_box(format!("Could not read the order from the chain: {e}")),
                _ => loading(),
            }}
    }
}

fn overview(w: Wallet, chain_id: u64, d: &Value) -> AnyView {
    let id = eth::num_text(&d["order_id"]);
    let meta = &d["metadata"];
    let title = meta["title"]
        .as_str()
        .or(d["title"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("Order #{id}"));
    let token = d["token"].as_str().unwrap_or_default().to_owned();
    let terms = eth::terms_from_json(&d["terms"]);
    let pledged = eth::u64_of(&d["units_pledged"]).unwrap_or(0);
    let min = eth::u64_of(&d["min_units"]).unwrap_or(0);
    let max = eth::u64_of(&d["max_units"]).unwrap_or(0);
    let deadline = eth::unix_of(&d["funding_deadline"]).map(eth::date).unwrap_or_default();
    let rows: Vec<(&str, String)> = vec![
        ("Kind", d["kind"].as_str().unwrap_or_default().to_owned()),
        ("Status (indexer)", d["status"].as_str().unwrap_or_default().to_owned()),
        ("Chain", w.chain_name(chain_id)),
        ("Unit price", money(w, chain_id, &token, &d["unit_price"])),
        ("Funded", money(w, chain_id, &token, &d["funded"])),
        ("Released", money(w, chain_id, &token, &d["released"])),
        ("Funding deadline", deadline),
        ("Seller", d["seller"].as_str().unwrap_or_default().to_owned()),
        ("Terms hash", d["terms_hash"].as_str().unwrap_or_default().to_owned()),
    ];
    let mut h = format!("<h1>{}</h1>", esc(&title));
    if let Some(desc) = meta["description"].as_str() {
        h += &format!("<p>{}</p>", esc(desc));
    }
    h += &funding_html(pledged, min, max);
    h += &dl_html("terms", &rows);
    h += "<h2>Milestones</h2><ol class=\"milestones\">";
    let titles = meta["milestones"].as_array().cloned().unwrap_or_default();
    for (i, bps) in
        terms.as_ref().map(|t| t.milestoneBps.clone()).unwrap_or_default().into_iter().enumerate()
    {
        let t = titles.get(i).and_then(|m| m["title"].as_str()).unwrap_or("Milestone");
        h += &format!("<li>{} — {}.{:02}% of the funds</li>", esc(t), bps / 100, bps % 100);
    }
    h += "</ol>";
    if let Ok(t) = &terms {
        h += &breakdown_html(w, chain_id, t);
    }
    let a = &meta["artisan"];
    if a.is_object() {
        let s = |k: &str| esc(a[k].as_str().unwrap_or_default());
        h += &format!(
            "<h2>The maker</h2><p><a href=\"/artisans/{}\">{}</a> · {} · {}</p><p class=\"story\">{}</p>",
            s("address"),
            s("name"),
            s("craft"),
            s("region"),
            s("story")
        );
    }
    h += "<h2>Backers</h2>";
    let backers = d["pledges"].as_array().cloned().unwrap_or_default();
    if backers.is_empty() {
        h += "<p class=\"muted\">No backers yet.</p>";
    } else {
        h += "<table data-testid=\"backers\"><thead><tr><th scope=\"col\">Backer</th><th scope=\"col\">Units</th><th scope=\"col\">Paid</th></tr></thead><tbody>";
        for b in &backers {
            let who = b["backer"].as_str().unwrap_or_default();
            h += &format!(
                "<tr><td title=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(who),
                esc(&eth::short(who)),
                esc(&eth::num_text(&b["units"])),
                esc(&money(w, chain_id, &token, &b["paid"]))
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
            format!(" · <a href=\"/orders/{chain_id}/{id}?ref={me}\">Your referral link</a>")
        }
    );
    view! { <article class="order" data-testid="order" inner_html=h></article> }.into_any()
}
