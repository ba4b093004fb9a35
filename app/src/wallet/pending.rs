//! Sent transactions kept in `localStorage` until they are mined, so that a reload or
//! another tab still shows them and then their outcome.
//!
//! The tab that sent a transaction follows it through the wallet
//! ([`super::transactions`]); a reloaded tab, or any other open tab, follows the remembered
//! ones through the chain's RPC instead (after a reload the wallet may not be connected
//! yet). The `storage` event tells the other tabs when the list changes.

use std::{cell::RefCell, collections::BTreeSet};

use js_sys::{Array, JSON};
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};

use super::{TxState, Wallet, transactions::sleep};
use crate::{
    i18n::{t, tf},
    net::{self, array, is_null, member, object},
};

/// The `localStorage` key of the list.
const KEY: &str = "cointent.pending";

/// A transaction sent and not yet seen mined (kept as JSON through the browser's own `JSON`,
/// which costs the WASM nothing).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PendingTx {
    /// The chain it was sent to.
    pub(crate) chain_id: u64,
    /// Its hash, `0x` hex.
    pub(crate) hash: String,
    /// Its name in the status line.
    pub(crate) label: String,
}

thread_local! {
    /// Hashes this tab follows already.
    static WATCHED: RefCell<BTreeSet<String>> = RefCell::default();
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn load() -> Vec<PendingTx> {
    let Some(text) = storage().and_then(|s| s.get_item(KEY).ok()?) else { return Vec::new() };
    let Ok(list) = JSON::parse(&text) else { return Vec::new() };
    Array::from(&list)
        .iter()
        .filter_map(|t| {
            Some(PendingTx {
                chain_id: member(&t, "chain_id").as_f64()? as u64,
                hash: member(&t, "hash").as_string()?,
                label: member(&t, "label").as_string()?,
            })
        })
        .collect()
}

fn save(list: &[PendingTx]) {
    let Some(s) = storage() else { return };
    if list.is_empty() {
        let _ = s.remove_item(KEY);
        return;
    }
    let items: Vec<JsValue> = list
        .iter()
        .map(|t| {
            object(&[
                ("chain_id", JsValue::from_f64(t.chain_id as f64)),
                ("hash", t.hash.as_str().into()),
                ("label", t.label.as_str().into()),
            ])
        })
        .collect();
    let _ = s.set_item(KEY, &net::stringify(&array(&items)));
}

/// Remembers a transaction this tab just sent (and follows already).
pub(super) fn add(tx: PendingTx) {
    WATCHED.with(|w| w.borrow_mut().insert(tx.hash.clone()));
    let mut list = load();
    if !list.iter().any(|t| t.hash == tx.hash) {
        list.push(tx);
        save(&list);
    }
}

/// Forgets a transaction once its outcome is known.
pub(super) fn remove(hash: &str) {
    let mut list = load();
    let before = list.len();
    list.retain(|t| t.hash != hash);
    if list.len() != before {
        save(&list);
    }
}

/// Follows every remembered transaction this tab does not follow yet (once the chains,
/// and so their RPC URLs, are known).
pub(super) fn resume(w: Wallet) {
    if w.chains.with_untracked(Vec::is_empty) {
        return;
    }
    for tx in load() {
        if WATCHED.with(|s| s.borrow_mut().insert(tx.hash.clone())) {
            spawn_local(watch(w, tx));
        }
    }
}

/// Follows the transactions another tab sends.
pub(super) fn listen(w: Wallet) {
    let Some(window) = web_sys::window() else { return };
    let on_storage = Closure::<dyn Fn()>::new(move || resume(w));
    let _ = window.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
    on_storage.forget();
}

/// Shows `tx` as pending until its receipt is found, then its outcome.
async fn watch(w: Wallet, tx: PendingTx) {
    let Some(rpc) = w.chain(tx.chain_id).map(|c| c.rpc_url) else {
        remove(&tx.hash);
        return;
    };
    w.tx.set(TxState::Pending(tx.label.clone(), tx.hash.clone()));
    // About 15 minutes, then the transaction is taken as dropped.
    for _ in 0..900 {
        let receipt =
            net::rpc(&rpc, "eth_getTransactionReceipt", array(&[tx.hash.as_str().into()]))
                .await
                .unwrap_or_default();
        if !is_null(&receipt) && !receipt.is_undefined() {
            let ok = member(&receipt, "status").as_string().as_deref() == Some("0x1");
            w.tx.set(if ok {
                TxState::Confirmed(tx.label, tx.hash.clone())
            } else {
                TxState::Failed(tx.label, t("the transaction failed on chain."))
            });
            w.refresh.update(|r| *r += 1);
            remove(&tx.hash);
            return;
        }
        sleep(1000).await;
    }
    w.tx.set(TxState::Info(tf("{0}: not mined after 15 minutes.", &[&tx.label])));
    remove(&tx.hash);
}
