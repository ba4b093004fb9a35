//! Propose from the app: the three changes the product's governance makes (the treasury's
//! allocations, the escrow's fee, its payment-token allowlist), a preview of the calls in
//! words with a simulation of each (an `eth_call` as the timelock, which executes passed
//! proposals, against the current state), then `propose`.
//!
//! A proposer below the Governor's `proposalThreshold` is told so, with the numbers, before
//! anything is signed: the Governor would revert, and the wallet's prompt would be wasted.

use std::cell::RefCell;

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use cointent_abi::{CointentGovernor, Escrow, Token};
use cointent_domain::{chains::ChainInfo, escape_html};
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use super::{
    Typed, buttons,
    calls::{self, Change, MAX_ALLOCATIONS, Row, addr_word, calldata},
    field,
    read::{self, word},
};
use crate::{
    eth,
    format::{percent, votes},
    i18n::{t, tf},
    net::{CallError, Calls},
    pages::{error_box, raw},
    wallet::{TxState, Wallet},
};

/// A proposal ready to sign.
#[derive(Clone)]
struct Draft {
    /// The chain.
    chain_id: u64,
    /// The call's target.
    target: Address,
    /// The call's data.
    calldata: Bytes,
    /// The description (its first line is the title).
    description: String,
}

thread_local! {
    /// The proposal the preview shows, ready to sign.
    static DRAFT: RefCell<Option<Draft>> = const { RefCell::new(None) };
}

/// The kinds of proposal, as the form's select offers them.
const KINDS: [&str; 3] = ["allocations", "fee", "token"];

/// A kind of proposal in words.
fn kind_text(kind: &str) -> String {
    match kind {
        "allocations" => t("Treasury allocations: who receives which share of the fees"),
        "fee" => t("The platform fee on new orders"),
        _ => t("The payment tokens new orders may use"),
    }
}

/// The connected account's voting power now and the Governor's proposal threshold. (The
/// Governor counts the votes of the second before the proposal: the simulation before
/// signing, which `propose` goes through like every transaction, catches the difference.)
async fn proposer_votes(chain: &ChainInfo, me: Address) -> Result<(U256, U256), String> {
    let (gov, token) = match (chain.contract("governor"), chain.contract("token")) {
        (Some(g), Some(t)) => (eth::addr_hex(&g), eth::addr_hex(&t)),
        _ => return Err(tf("{0} has no governor", &[&chain.name])),
    };
    let mut c = Calls::default();
    c.add(None, &token, &calldata(Token::getVotesCall::SELECTOR, &[addr_word(me)]));
    c.add(None, &gov, &calldata(CointentGovernor::proposalThresholdCall::SELECTOR, &[]));
    let a = c.run(&chain.rpc_url).await?;
    match (a.first().and_then(|a| word(a, 0)), a.get(1).and_then(|a| word(a, 0))) {
        (Some(v), Some(needed)) => Ok((v, needed)),
        _ => Err(t("the Governor could not be read")),
    }
}

/// What the form says, as a change (the fee's cap is checked against the chain later).
fn change(typed: Typed, kind: &str, rows: usize) -> Result<Change, String> {
    match kind {
        "fee" => Ok(Change::Fee(calls::fee(&typed.get("p-fee"), 10_000)?)),
        "token" => {
            let token = eth::parse_addr(&typed.get("p-token"))
                .ok_or_else(|| t("Enter the token's address (0x0000000000000000000000000000000000000000 for the native coin)."))?;
            Ok(Change::Token(token, typed.get("p-allow") != "remove"))
        }
        _ => {
            let rows: Vec<Row> = (0..rows)
                .map(|i| {
                    ["p-label", "p-recipient", "p-share"].map(|f| typed.get(&format!("{f}-{i}")))
                })
                .collect();
            Ok(Change::Allocations(calls::allocations(&rows)?))
        }
    }
}

/// The proposal the form describes, on its chain.
fn draft(
    w: Wallet,
    typed: Typed,
    kind: &str,
    rows: usize,
) -> Result<(ChainInfo, Change, Draft), String> {
    let chain_id = typed
        .get("p-chain")
        .parse()
        .ok()
        .or_else(|| default_chain(w))
        .ok_or_else(|| t("Choose a chain."))?;
    let chain = w.chain(chain_id).ok_or_else(|| t("That chain is not served here."))?;
    let change = change(typed, kind, rows)?;
    let description = typed.get("p-desc").trim().to_owned();
    if description.is_empty() {
        return Err(t("Describe the proposal: its first line is its title."));
    }
    let (target, calldata) = calls::call(&chain, &change)?;
    Ok((chain, change, Draft { chain_id, target, calldata, description }))
}

/// Builds the proposal the form describes and, in one batch of calls, simulates its call as
/// the timelock and reads the fee cap and the proposer's votes; returns it with its preview
/// (HTML): the call in words, its simulated outcome, the proposer's votes.
async fn preview(
    w: Wallet,
    typed: Typed,
    kind: &str,
    rows: usize,
) -> Result<(Draft, String), String> {
    let (chain, change, d) = draft(w, typed, kind, rows)?;
    let contract = |name| chain.contract(name).map(|a| eth::addr_hex(&a)).unwrap_or_default();
    let me = w.account.get_untracked().and_then(|a| eth::parse_addr(&a));
    let mut c = Calls::default();
    c.add(Some(&contract("timelock")), &eth::addr_hex(&d.target), &d.calldata);
    c.add(None, &contract("escrow"), &calldata(Escrow::MAX_FEE_BPSCall::SELECTOR, &[]));
    c.add(
        None,
        &contract("governor"),
        &calldata(CointentGovernor::proposalThresholdCall::SELECTOR, &[]),
    );
    if let Some(me) = me {
        c.add(None, &contract("token"), &calldata(Token::getVotesCall::SELECTOR, &[addr_word(me)]));
    }
    let answers = c.run(&chain.rpc_url).await?;
    let html = preview_html(&chain, &change, &d, me.is_some(), &answers)?;
    Ok((d, html))
}

/// The preview of `d` (HTML) from the answers of [`preview`]'s calls: simulation, fee cap,
/// threshold and, when connected, the proposer's votes.
fn preview_html(
    chain: &ChainInfo,
    change: &Change,
    d: &Draft,
    connected: bool,
    answers: &[Result<Vec<u8>, CallError>],
) -> Result<String, String> {
    let num = |i: usize| answers.get(i).and_then(|a| word(a, 0));
    if let (Change::Fee(fee), Some(max)) = (change, num(1))
        && U256::from(*fee) > max
    {
        return Err(tf("The fee can be at most {0}.", &[&percent(max.saturating_to())]));
    }
    let (class, outcome) = match answers.first() {
        Some(Ok(_)) => ("ok", t("would succeed")),
        Some(Err(e)) => (
            "error",
            tf(
                "would fail: {0}",
                &[&e.data.as_deref().map_or_else(|| e.message.clone(), eth::explain_revert)],
            ),
        ),
        None => ("error", t("could not be simulated")),
    };
    let votes_html = match (connected, num(3), num(2)) {
        (false, ..) => format!(
            "<p class=\"muted\" data-testid=\"proposer-votes\">{}</p>",
            escape_html(&t("Connect your wallet to propose."))
        ),
        (true, Some(v), Some(needed)) => {
            let short = v < needed;
            let text = if short {
                tf(
                    "You have {0} votes; proposing needs {1}. Delegate to yourself, or ask holders to delegate to you, first.",
                    &[&votes(v), &votes(needed)],
                )
            } else {
                tf("You have {0} votes; proposing needs {1}.", &[&votes(v), &votes(needed)])
            };
            format!(
                "<p class=\"{}\" data-testid=\"proposer-votes\">{}</p>",
                if short { "error" } else { "" },
                escape_html(&text)
            )
        }
        _ => format!(
            "<p class=\"error\" data-testid=\"proposer-votes\">{}</p>",
            escape_html(&t("Your votes could not be read."))
        ),
    };
    Ok(format!(
        "<p>{}</p><ol><li><span data-testid=\"preview-call\">{}</span> <span class=\"{class}\" data-testid=\"simulation\">{}</span></li></ol><p class=\"small\">{}</p>{votes_html}",
        escape_html(&tf(
            "On {0}, once the proposal passes and its timelock delay ends, the timelock makes this call:",
            &[&chain.name]
        )),
        escape_html(&calls::describe(chain, &read::known_names(), &d.target, &d.calldata)),
        escape_html(&tf("Simulated now as the timelock: {0}.", &[&outcome])),
        escape_html(&tf("Title: {0}", &[&d.description.lines().next().unwrap_or_default()]))
    ))
}

/// The chain the wallet is on when Co-Intent serves it, else the first served chain.
fn default_chain(w: Wallet) -> Option<u64> {
    w.chains.with_untracked(|cs| {
        let on = w.chain_id.get_untracked();
        cs.iter().find(|c| Some(c.chain_id) == on).or(cs.first()).map(|c| c.chain_id)
    })
}

/// The form's fields above the description (HTML): the chain, the kind of change, and that
/// kind's fields (with the button adding an allocation row).
fn fields_html(
    typed: Typed,
    chains: &[ChainInfo],
    default: Option<u64>,
    kind: usize,
    rows: usize,
) -> String {
    let chosen = typed.get("p-chain").parse().ok().or(default);
    let mut s = format!(
        "<label for=\"p-chain\">{}</label><select id=\"p-chain\">",
        escape_html(&t("Chain"))
    );
    for c in chains {
        let id = c.chain_id;
        let sel = if Some(id) == chosen { " selected" } else { "" };
        s += &format!("<option value=\"{id}\"{sel}>{} ({id})</option>", escape_html(&c.name));
    }
    s += &format!(
        "</select><label for=\"p-kind\">{t0}</label><select id=\"p-kind\">",
        t0 = escape_html(&t("What to change"))
    );
    for (i, k) in KINDS.iter().enumerate() {
        let sel = if i == kind { " selected" } else { "" };
        s += &format!("<option value=\"{k}\"{sel}>{}</option>", escape_html(&kind_text(k)));
    }
    s += "</select>";
    match KINDS[kind] {
        "fee" => {
            s += &field(
                typed,
                &t("New platform fee in % (the escrow caps it; e.g. 1.5)"),
                "p-fee",
                "1",
            )
        }
        "token" => {
            let remove = if typed.get("p-allow") == "remove" { " selected" } else { "" };
            s += &field(
                typed,
                &t("Token address (0x000…000 for the native coin)"),
                "p-token",
                "0x…",
            );
            s += &format!(
                "<label for=\"p-allow\">{t0}</label><select id=\"p-allow\"><option value=\"allow\">{t1}</option><option value=\"remove\"{remove}>{t2}</option></select>",
                t0 = escape_html(&t("Change")),
                t1 = escape_html(&t("Accept it for new orders")),
                t2 = escape_html(&t("Stop accepting it for new orders"))
            );
        }
        _ => {
            s += &format!(
                "<p class=\"small muted\">{t0}</p>",
                t0 = escape_html(&t(
                    "The table replaces the current allocations. Shares add up to at most 100%; the rest stays in the treasury."
                ))
            );
            for i in 0..rows {
                s += &format!(
                    "<fieldset class=\"row3\"><legend>{}</legend><div>{}</div><div>{}</div><div>{}</div></fieldset>",
                    escape_html(&tf("Allocation {0}", &[&(i + 1)])),
                    field(typed, &t("Label"), &format!("p-label-{i}"), &t("operations")),
                    field(typed, &t("Recipient"), &format!("p-recipient-{i}"), "0x…"),
                    field(typed, &t("Share (%)"), &format!("p-share-{i}"), "60"),
                );
            }
            if rows < MAX_ALLOCATIONS {
                s += &format!(
                    "<button type=\"button\" data-add-row=\"1\">{t0}</button>",
                    t0 = escape_html(&t("Add an allocation"))
                );
            }
        }
    }
    s
}

/// The proposal form, its preview and the propose action. Few reactive parts (the fields,
/// the outcome) and handlers delegated to the form: each one costs the first page's WASM.
pub(super) fn form(w: Wallet, typed: Typed) -> impl IntoView {
    // The kind's index and the allocation rows; the preview's HTML or the error.
    let kind = RwSignal::new(0u32);
    let rows = RwSignal::new(2u32);
    let preview_html = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    DRAFT.set(None);
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let k = KINDS[kind.get_untracked() as usize % KINDS.len()];
        let n = rows.get_untracked() as usize;
        spawn_local(async move {
            let (draft, html, err) = match preview(w, typed, k, n).await {
                Ok((d, html)) => (Some(d), Some(html), None),
                Err(e) => (None, None, Some(e)),
            };
            DRAFT.set(draft);
            error.set(err);
            preview_html.set(html);
        });
    };
    // Any change makes the preview stale; choosing a kind shows its fields.
    let input = move |e: leptos::ev::Event| {
        preview_html.set(None);
        let target = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        if target.is_some_and(|t| t.id() == "p-kind") {
            let v = event_target_value(&e);
            kind.set(KINDS.iter().position(|k| *k == v).unwrap_or(0) as u32);
        }
    };
    let click = move |e: leptos::ev::MouseEvent| {
        let target = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        if target.is_some_and(|t| t.has_attribute("data-add-row")) {
            rows.update(|r| *r += 1);
        }
    };
    let propose = Callback::new(move |()| {
        let Some(d) = DRAFT.with_borrow(Clone::clone) else { return };
        w.run("propose", async move {
            if propose_draft(w, &d).await {
                DRAFT.set(None);
                preview_html.set(None);
            }
        });
    });
    let outcome = move || match (error.get(), preview_html.get()) {
        (Some(e), _) => error_box(e),
        (None, Some(html)) => view! {
            <div data-testid="propose-draft">
                <h3>{t("Preview")}</h3>
                {raw(html)}
                {buttons(vec![(t("Propose"), "propose", propose)])}
            </div>
        }
        .into_any(),
        (None, None) => ().into_any(),
    };
    view! {
        <section class="actions" aria-labelledby="propose-h">
            <h2 id="propose-h">{t("Propose a change")}</h2>
            <form class="create" on:submit=submit on:input=input on:click=click>
                {move || raw(fields_html(typed, &w.chains.get(), default_chain(w), kind.get() as usize % KINDS.len(), rows.get() as usize))}
                <label for="p-desc">{t("Description (its first line is the title)")}</label>
                <textarea id="p-desc"></textarea>
                <button type="submit" data-testid="propose-preview">{t("Preview and simulate")}</button>
            </form>
            {outcome}
        </section>
    }
}

/// Proposes `d` once the connected account is seen to have the votes; true when confirmed.
async fn propose_draft(w: Wallet, d: &Draft) -> bool {
    let Some(me) = w.ensure_account().await.and_then(|a| eth::parse_addr(&a)) else {
        w.tx.set(TxState::Info(t("Connect a wallet first.")));
        return false;
    };
    let (Some(chain), Some(gov)) = (w.chain(d.chain_id), w.contract(d.chain_id, "governor")) else {
        return false;
    };
    w.tx.set(TxState::Checking(t("Propose")));
    match proposer_votes(&chain, me).await {
        Ok((v, needed)) if v < needed => {
            w.tx.set(TxState::Failed(
                t("Propose"),
                tf("you have {0} votes and proposing needs {1} (the Governor's proposal threshold). Nothing was sent.", &[&votes(v), &votes(needed)]),
            ));
            return false;
        }
        Err(e) => {
            w.tx.set(TxState::Failed(t("Propose"), e));
            return false;
        }
        Ok(_) => {}
    }
    let data = CointentGovernor::proposeCall {
        targets: vec![d.target],
        values: vec![U256::ZERO],
        calldatas: vec![d.calldata.clone()],
        description: d.description.clone(),
    }
    .abi_encode();
    w.send(d.chain_id, &t("Propose"), &gov, data, U256::ZERO).await
}
