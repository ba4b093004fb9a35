//! Governance (`/governance`), as people who know Tally expect it: for each chain, the
//! connected account's tokens, voting power and delegate, and delegation to itself or to
//! anyone (the API's delegates by power, or an address); every proposal with what its calls
//! do in words, its end time, tally, quorum and the account's own ballot and power at the
//! snapshot, voting with a reason (blocked, with the reason, at zero power), queue and
//! execute; and a form to propose the changes the product has (`propose`).
//!
//! - `read`: what the page reads from the API and, batched, from each chain.
//! - `proposals`: a proposal's card and its actions.
//! - `propose`: the proposal form, its preview and simulation, and `propose`.
//! - `calls`: proposal calls built from the form and read back in words (pure, tested).

mod calls;
mod proposals;
pub(crate) use proposals::support_word;
mod propose;
mod read;

use std::cell::RefCell;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use cointent_abi::Token;
use cointent_domain::escape_html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{Load, error_box, loading, raw};
use crate::{
    eth,
    format::{short, votes},
    i18n::{t, tc, tf},
    wallet::{TxButton, TxState, Wallet},
};
use calls::{addr_word, calldata};
use read::ChainGov;

/// The governance token's symbol, fixed in its contract (`Token`: "Co-Intent", "CINT").
const SYMBOL: &str = "CINT";

/// Names people know addresses by (see [`read::known_names`]).
type Names = Vec<(Address, String)>;

/// Sends `data` to deployment `contract` (`governor`, `token`) on `chain_id`, as the flow of
/// the button `key`.
fn send(
    w: Wallet,
    key: &'static str,
    chain_id: u64,
    contract: &'static str,
    label: String,
    data: Vec<u8>,
) {
    let Some(to) = w.contract(chain_id, contract) else { return };
    w.run(key, async move {
        w.send(chain_id, &label, &to, data, U256::ZERO).await;
    });
}

/// An action button: label, test id (the flow's key) and action.
type Button = (String, &'static str, Callback<()>);

/// A row of action buttons: label, test id (the flow's key) and action of each. One view
/// type for every row of the page.
fn buttons(list: Vec<Button>) -> AnyView {
    let list = list.into_iter().enumerate();
    view! {
        <div class="buttons">
            {list.map(|(i, (label, testid, on_click))| view! { <TxButton label testid on_click primary={i == 0}/> }).collect_view()}
        </div>
    }
    .into_any()
}

thread_local! {
    /// What people typed into the page's fields, by field id (see [`Typed`]).
    static TYPED: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

/// What people typed into the page's fields, by field id. The lists are re-rendered whenever
/// the chain or the mirror moves; a half-typed reason or address must survive that. (Held
/// outside the reactive system: nothing re-renders because of it, and no signal type is
/// compiled for it.)
#[derive(Clone, Copy)]
struct Typed;

impl Typed {
    /// What was typed into field `id` (empty when nothing was).
    fn get(self, id: &str) -> String {
        TYPED
            .with_borrow(|v| v.iter().find(|(k, _)| k == id).map(|(_, t)| t.clone()))
            .unwrap_or_default()
    }

    /// Sets what field `id` holds.
    fn set(self, id: &str, text: String) {
        TYPED.with_borrow_mut(|v| match v.iter_mut().find(|(k, _)| k == id) {
            Some(slot) => slot.1 = text,
            None => v.push((id.to_owned(), text)),
        });
    }

    /// Keeps what an `input` event's field now holds (one listener for the whole page).
    fn keep(self, ev: leptos::ev::Event) {
        let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
            return;
        };
        let text = js_sys::Reflect::get(&el, &"value".into()).ok().and_then(|v| v.as_string());
        if let Some(text) = text
            && !el.id().is_empty()
        {
            self.set(&el.id(), text);
        }
    }
}

/// A labelled text field (HTML) holding what was typed into it.
fn field(typed: Typed, label: &str, id: &str, hint: &str) -> String {
    format!(
        "<label for=\"{id}\">{}</label><input id=\"{id}\" value=\"{}\" placeholder=\"{}\" autocomplete=\"off\">",
        escape_html(label),
        escape_html(&typed.get(id)),
        escape_html(hint)
    )
}

/// An address as people know it: its name when the catalogue or the deployment has one, else
/// short; the full address in the tooltip (HTML).
fn who_html(names: &Names, a: &Address) -> String {
    let full = eth::addr_hex(a);
    let text = match names.iter().find(|(x, _)| x == a) {
        Some((_, n)) => format!("{n} ({})", short(&full)),
        None => short(&full),
    };
    format!("<span title=\"{full}\">{}</span>", escape_html(&text))
}

/// The connected account's tokens, votes and delegate on one chain (HTML).
fn holder_html(c: &ChainGov, names: &Names, me: Option<Address>) -> String {
    let Some(me) = me else {
        return format!(
            "<p class=\"muted\" data-testid=\"your-votes\">{t0}</p>",
            t0 = escape_html(&t("Connect your wallet to see your votes and to delegate them."))
        );
    };
    let Some(h) = &c.holder else {
        return format!(
            "<p class=\"muted\" data-testid=\"your-votes\">{t0}</p>",
            t0 = escape_html(&t("Your votes could not be read from this chain right now."))
        );
    };
    let mut s = String::from("<p data-testid=\"your-votes\">");
    if h.delegate.is_zero() {
        s += &tf(
            "Your tokens are not delegated: they do not count until you delegate. You hold {0} {1}.",
            &[&votes(h.balance), &SYMBOL],
        );
    } else if h.delegate == me {
        s += &tf("You have {0} votes, delegated to yourself.", &[&votes(h.power)]);
        if h.power != h.balance {
            s += &tf(
                " You hold {0} {1}; others delegate the rest to you.",
                &[&votes(h.balance), &SYMBOL],
            );
        }
    } else {
        s += &tf(
            "You have {0} votes, delegated to {1}, who has {2} votes.",
            &[&votes(h.balance), &who_html(names, &h.delegate), &votes(h.delegate_power)],
        );
        if !h.power.is_zero() {
            s += &tf(" Others delegate {0} votes to you.", &[&votes(h.power)]);
        }
    }
    s += &format!(
        "</p><p class=\"small muted\">{}</p>",
        escape_html(&tf(
            "Voting power counts from the second after a delegation; proposing needs {0} votes.",
            &[&votes(c.threshold)]
        ))
    );
    s
}

/// The chain's delegates by voting power (the API's), each with a button that puts it in the
/// address field (HTML).
fn delegates_html(c: &ChainGov, names: &Names, field_id: &str) -> String {
    if c.delegates.is_empty() {
        return format!(
            "<p class=\"muted\">{t0}</p>",
            t0 = escape_html(&t(
                "No one has voting power yet: delegate to yourself to be the first."
            ))
        );
    }
    let mut s = format!(
        "<table data-testid=\"delegates\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\"></th></tr></thead><tbody>",
        escape_html(&t("Delegate")),
        escape_html(&t("Votes"))
    );
    for d in &c.delegates {
        let a = eth::addr_hex(&d.delegate);
        s += &format!(
            "<tr data-delegate=\"{a}\"><td>{}</td><td>{}<br><span class=\"small muted\">{}</span></td><td><button type=\"button\" class=\"link\" data-choose=\"{a}\" data-field=\"{field_id}\">{t0}</button></td></tr>",
            who_html(names, &d.delegate),
            votes(d.votes.0),
            escape_html(&if d.delegators == 1 {
                t("from 1 account")
            } else {
                tf("from {0} accounts", &[&d.delegators])
            }),
            t0 = escape_html(&t("Choose"))
        );
    }
    s + "</tbody></table>"
}

/// A block of the page: its read-only part as HTML, then its action buttons, in one element
/// (`class`, and `data-id`, which the browser tests find it by). Chains and proposals are
/// both blocks: one view type for the whole list.
fn block(class: &'static str, id: String, html: String, list: Vec<Button>) -> AnyView {
    view! { <div class=class data-id=id>{raw(html)}{buttons(list)}</div> }.into_any()
}

/// One chain's part: your votes, the delegates, and delegation.
fn chain_view(w: Wallet, typed: Typed, c: &ChainGov, names: &Names) -> AnyView {
    let id = c.chain.chain_id;
    let me = w.account.get_untracked().and_then(|a| eth::parse_addr(&a));
    let field_id = format!("delegatee-{id}");
    let html = format!(
        "<h2>{}</h2>{}<h3>{t0}</h3>{}{}",
        escape_html(&c.chain.name),
        holder_html(c, names, me),
        delegates_html(c, names, &field_id),
        field(typed, &t("Delegate to (an address, or choose one above)"), &field_id, "0x…"),
        t0 = escape_html(&t("Delegates"))
    );
    let delegate_to = Callback::new(move |()| {
        let text = typed.get(&field_id);
        match eth::parse_addr(&text).filter(|a| !a.is_zero()) {
            Some(to) => send(
                w,
                "delegate",
                id,
                "token",
                tf("Delegate your votes to {0}", &[&short(&eth::addr_hex(&to))]),
                calldata(Token::delegateCall::SELECTOR, &[addr_word(to)]),
            ),
            None => w.tx.set(TxState::Failed(
                tc("verb", "Delegate"),
                t("enter the address to delegate to, or choose a delegate from the list."),
            )),
        }
    });
    let delegate_self = Callback::new(move |()| {
        let Some(me) = w.account.get_untracked().and_then(|a| eth::parse_addr(&a)) else {
            return w.connect();
        };
        send(
            w,
            "delegate-self",
            id,
            "token",
            t("Delegate your votes to yourself"),
            calldata(Token::delegateCall::SELECTOR, &[addr_word(me)]),
        );
    });
    let list = vec![
        (tc("verb", "Delegate"), "delegate", delegate_to),
        (t("Delegate to myself"), "delegate-self", delegate_self),
    ];
    block("actions gov-chain", id.to_string(), html, list)
}

/// A delegate's "Choose" (`data-choose`, anywhere on the page) puts its address in the
/// delegation field it names (`data-field`).
fn choose(typed: Typed, ev: leptos::ev::MouseEvent) {
    let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return;
    };
    if let (Some(a), Some(field_id)) =
        (el.get_attribute("data-choose"), el.get_attribute("data-field"))
        && let Some(input) = document().get_element_by_id(&field_id)
    {
        let _ = js_sys::Reflect::set(&input, &"value".into(), &a.as_str().into());
        typed.set(&field_id, a);
    }
}

/// Governance: your votes and delegation per chain, the proposals, and the proposal form.
pub(crate) fn page() -> impl IntoView {
    let w = expect_context::<Wallet>();
    let typed = Typed;
    TYPED.with_borrow_mut(Vec::clear);
    // The chain is asked again after every transaction and whenever the mirror moves.
    let res = Load::new(move || {
        w.refresh.track();
        w.live.track();
        let me = w.account.get().and_then(|a| eth::parse_addr(&a));
        read::load(me, w.chains.get())
    });
    let body = move || {
        let names = read::known_names();
        res.with(|r| match r {
            None => loading(),
            Some(Err(e)) => error_box(tf("Could not load governance: {0}", &[&e])),
            Some(Ok(chains)) => {
                let mut parts: Vec<AnyView> =
                    chains.iter().map(|c| chain_view(w, typed, c, &names)).collect();
                let cards: Vec<AnyView> = chains
                    .iter()
                    .flat_map(|c| c.proposals.iter().map(move |v| (c, v)))
                    .map(|(c, v)| proposals::card(w, typed, c, v, &names))
                    .collect();
                parts.push(raw(if cards.is_empty() {
                    format!(
                        "<h2>{t0}</h2><p class=\"muted\">{t1}</p>",
                        t0 = escape_html(&t("Proposals")),
                        t1 = escape_html(&t("No proposals yet."))
                    )
                } else {
                    format!("<h2>{t0}</h2>", t0 = escape_html(&t("Proposals")))
                }));
                parts.push(view! { <div class="cards">{cards}</div> }.into_any());
                parts.into_any()
            }
        })
    };
    view! {
        <div class="gov" on:input=move |ev| typed.keep(ev) on:click=move |ev| choose(typed, ev)>
            <h1>{t("Governance")}</h1>
            <p>{t("Token holders decide how the treasury's fees are allocated and set the protocol's parameters. Tokens vote once delegated: to yourself, or to someone you trust.")}</p>
            {body}
            {propose::form(w, typed)}
        </div>
    }
}
