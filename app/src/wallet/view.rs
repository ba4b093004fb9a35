//! What the wallet shows: the connect button or the account and chain, the wallet picker,
//! the wrong-chain banner and the transaction status line.

// `#[component]` derives a props builder whose setters are `pub`: unreachable from here on.
#![allow(unreachable_pub)]

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use super::{TxState, Wallet};
use crate::{
    format::short,
    i18n::{t, tf},
};

/// The connect button, the account and chain, and the wallet picker.
#[component]
pub(crate) fn WalletBar() -> impl IntoView {
    let w = expect_context::<Wallet>();
    // The picker takes the focus when it opens (its first wallet), and Escape closes it.
    let picker = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = picker.get()
            && let Ok(Some(first)) = el.query_selector("button")
        {
            let _ = first.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    });
    view! {
        <div class="wallet">
            {move || match w.account.get() {
                None => view! {
                    <button class="primary" on:click=move |_| w.connect()>{t("Connect wallet")}</button>
                }.into_any(),
                Some(a) => {
                    let chain = w.chain_id.get().map(|c| w.chain_name(c)).unwrap_or_default();
                    view! {
                        <span class="account" data-testid="account" title=a.clone()>{short(&a)}</span>
                        <span class="chain" data-testid="wallet-chain">{chain}</span>
                        <button on:click=move |_| w.disconnect()>{t("Disconnect")}</button>
                    }.into_any()
                }
            }}
        </div>
        <Show when=move || w.picker.get()>
            <div class="modal" role="dialog" aria-modal="true" aria-label=t("Choose a wallet")
                node_ref=picker
                on:keydown=move |e: leptos::ev::KeyboardEvent| if e.key() == "Escape" { w.picker.set(false) }>
                <h2>{t("Choose a wallet")}</h2>
                <ul class="plain">
                    <For each=move || w.wallets.get() key=|i| i.uuid.clone() let:info>
                        <li>
                            <button class="wallet-choice" on:click={
                                let uuid = info.uuid.clone();
                                move |_| { let uuid = uuid.clone(); spawn_local(async move { w.connect_to(&uuid, true).await; }); }
                            }>
                                <Show when={let icon = info.icon.clone(); move || !icon.is_empty()}>
                                    <img src=info.icon.clone() alt="" width="24" height="24"/>
                                </Show>
                                {info.name.clone()}
                            </button>
                        </li>
                    </For>
                    <Show when=move || w.wc.get().is_some()>
                        <li>
                            <button class="wallet-choice" data-testid="wallet-walletconnect"
                                on:click=move |_| spawn_local(async move { w.connect_walletconnect().await; })>
                                {t("WalletConnect (phone wallet)")}
                            </button>
                        </li>
                    </Show>
                </ul>
                <button on:click=move |_| w.picker.set(false)>{t("Cancel")}</button>
            </div>
        </Show>
    }
}

/// An action button that starts a transaction flow: disabled while any flow is under way
/// (a double click sends one transaction), and saying the current step (checking, confirm
/// in your wallet, pending) while its own flow is.
#[component]
pub(crate) fn TxButton(
    /// What the button says when idle.
    #[prop(into)]
    label: String,
    /// The `data-testid` the browser tests find it by, and the flow's key.
    testid: &'static str,
    /// Starts the flow (through [`Wallet::run`]); `None` for a form's submit button.
    #[prop(optional)]
    on_click: Option<Callback<()>>,
    /// The primary action of its section.
    #[prop(optional)]
    primary: bool,
    /// For money actions that cannot be undone: what will happen (amounts, consequences),
    /// shown in a review sheet that must be confirmed before the wallet is asked.
    #[prop(optional_no_strip, into)]
    review: Option<String>,
    /// Checked before anything else (the review sheet, the wallet): false stops there, the
    /// check having said why.
    #[prop(optional)]
    check: Option<Callback<(), bool>>,
) -> impl IntoView {
    let w = expect_context::<Wallet>();
    let mine = move || w.flow.get() == Some(testid);
    let kind = if on_click.is_some() { "button" } else { "submit" };
    let asking = RwSignal::new(false);
    let has_review = review.is_some();
    let sheet = review.map(|text| {
        view! {
            <Show when=move || asking.get()>
                <div class="modal" role="dialog" aria-modal="true" aria-label=t("Check before you sign")
                    data-testid="review-sheet"
                    on:keydown=move |e: leptos::ev::KeyboardEvent| if e.key() == "Escape" { asking.set(false) }>
                    <h2>{t("Check before you sign")}</h2>
                    <p>{text.clone()}</p>
                    <div class="buttons">
                        <button class="primary" data-testid="review-confirm" autofocus
                            on:click=move |_| { asking.set(false); if let Some(f) = on_click { f.run(()) } }>{t("Confirm")}</button>
                        <button on:click=move |_| asking.set(false)>{t("Back")}</button>
                    </div>
                </div>
            </Show>
        }
    });
    view! {
        <button type=kind class:primary=primary data-testid=testid
            prop:disabled=move || w.flow.get().is_some()
            aria-busy=move || mine().then_some("true")
            on:click=move |_| {
                if check.is_some_and(|c| !c.run(())) {
                } else if has_review {
                    asking.set(true)
                } else if let Some(f) = on_click {
                    f.run(())
                }
            }>
            {move || if mine() { w.step() } else { label.clone() }}
        </button>
        {sheet}
    }
}

/// The live region reporting the current transaction.
#[component]
pub(crate) fn TxBanner() -> impl IntoView {
    let w = expect_context::<Wallet>();
    let text = move || match w.tx.get() {
        TxState::Idle => None,
        TxState::Info(m) => Some(("info", m, None)),
        TxState::Switching(m) => Some(("busy", format!("{m}…"), None)),
        TxState::Checking(l) => Some(("busy", tf("{0}: checking…", &[&l]), None)),
        TxState::Signing(l) => Some(("busy", tf("{0}: confirm in your wallet…", &[&l]), None)),
        TxState::Pending(l, h) => Some(("busy", tf("{0}: pending", &[&l]), Some(h))),
        TxState::Confirmed(l, h) => Some(("ok", tf("{0}: confirmed", &[&l]), Some(h))),
        TxState::Failed(l, r) => Some(("error", tf("{0} failed: {1}", &[&l, &r]), None)),
        TxState::Rejected(m) => Some(("error", m, None)),
        TxState::Replaced(l, h) => Some((
            "info",
            tf("{0}: replaced by another transaction in your wallet", &[&l]),
            Some(h),
        )),
    };
    view! {
        <div class="tx" role="status" aria-live="polite" data-testid="tx-status">
            {move || text().map(|(kind, msg, hash)| view! {
                <div class=format!("tx-{kind}") data-state=kind>
                    <span>{msg}</span>
                    {hash.map(|h| view! { <code class="hash" title=h.clone()>{short(&h)}</code> })}
                    <button class="link" aria-label=t("Dismiss") on:click=move |_| w.tx.set(TxState::Idle)>"×"</button>
                </div>
            })}
        </div>
    }
}

/// Warns when the wallet is on a chain the indexer does not serve, with a switch button.
#[component]
pub(crate) fn ChainBanner() -> impl IntoView {
    let w = expect_context::<Wallet>();
    let wrong = move || {
        let c = w.chain_id.get()?;
        w.account.get()?;
        let chains = w.chains.get();
        if chains.is_empty() || chains.iter().any(|x| x.chain_id == c) {
            return None;
        }
        Some((c, chains.first().map_or(1, |x| x.chain_id)))
    };
    move || {
        wrong().map(|(c, target)| {
            view! {
                <div class="banner" role="alert" data-testid="wrong-chain">
                    {tf("Your wallet is on chain {0}, which Co-Intent does not serve. ", &[&c])}
                    <button on:click=move |_| {
                        spawn_local(async move {
                            if w.ensure_chain(target).await {
                                w.tx.set(TxState::Idle);
                            }
                        })
                    }>{tf("Switch to {0}", &[&w.chain_name(target)])}</button>
                </div>
            }
        })
    }
}
