//! A transaction followed to its end, and signatures: every call is simulated first
//! (`eth_call`), so a revert is explained in a sentence before the user is asked to sign;
//! then signing, pending, and confirmed, failed (with the reason, replayed at the block it
//! failed in) or replaced (another transaction took its nonce). The state is published in
//! [`Wallet::tx`] for the status line.

use alloy_primitives::{U256, hex};
use leptos::prelude::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use super::{
    TxState, Wallet,
    pending::{self, PendingTx},
    provider::request,
};
use crate::{
    eth,
    i18n::{t, tf},
    net::{self, array, is_null, member, object},
};

/// Waits `ms` milliseconds.
pub(super) async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(p).await;
}

impl Wallet {
    /// Sends one transaction on `chain_id` and follows it to the end; true when confirmed.
    pub(crate) async fn send(
        self,
        chain_id: u64,
        label: &str,
        to: &str,
        data: Vec<u8>,
        value: U256,
    ) -> bool {
        self.send_receipt(chain_id, label, to, data, value).await.is_some()
    }

    /// Like [`Self::send`], returning the receipt (JSON-RPC) when confirmed.
    pub(crate) async fn send_receipt(
        self,
        chain_id: u64,
        label: &str,
        to: &str,
        data: Vec<u8>,
        value: U256,
    ) -> Option<JsValue> {
        let label = label.to_owned();
        let Some(from) = self.ensure_account().await else {
            self.tx.set(TxState::Info(t("Connect a wallet first.")));
            return None;
        };
        if !self.ensure_chain(chain_id).await {
            return None;
        }
        // A new object for each request: a wallet may add to the one it is given.
        let data = hex::encode_prefixed(&data);
        let tx = || {
            object(&[
                ("from", from.as_str().into()),
                ("to", to.into()),
                ("data", data.as_str().into()),
                ("value", format!("{value:#x}").into()),
            ])
        };
        self.tx.set(TxState::Checking(label.clone()));
        if let Err(e) = request("eth_call", array(&[tx(), "latest".into()])).await {
            let reason = match e.revert_data() {
                Some(d) => self.explain(&d),
                None => tf("The transaction would fail: {0}", &[&e.message]),
            };
            self.tx.set(TxState::Failed(label, reason));
            return None;
        }
        self.tx.set(TxState::Signing(label.clone()));
        let hash = match request("eth_sendTransaction", array(&[tx()])).await {
            Ok(h) => h.as_string().unwrap_or_default(),
            Err(e) if e.rejected() => {
                self.tx.set(TxState::Rejected(tf(
                    "You rejected \u{201c}{0}\u{201d} in your wallet: nothing was sent.",
                    &[&label],
                )));
                return None;
            }
            Err(e) => {
                self.tx.set(TxState::Failed(label, e.message));
                return None;
            }
        };
        self.tx.set(TxState::Pending(label.clone(), hash.clone()));
        // Kept until mined, so a reload or another tab still follows it.
        pending::add(PendingTx { chain_id, hash: hash.clone(), label: label.clone() });
        let outcome = self.follow(&label, &hash, &from, tx).await;
        pending::remove(&hash);
        outcome
    }

    /// Follows a sent transaction to its end: confirmed (its receipt), failed (with the reason
    /// replayed at its block) or replaced.
    async fn follow(
        self,
        label: &str,
        hash: &str,
        from: &str,
        tx: impl Fn() -> JsValue,
    ) -> Option<JsValue> {
        let label = label.to_owned();
        let by_hash = || array(&[hash.into()]);
        let nonce = request("eth_getTransactionByHash", by_hash())
            .await
            .ok()
            .and_then(|t| net::quantity(&member(&t, "nonce")));
        for i in 0..900 {
            sleep(if i < 10 { 250 } else { 1000 }).await;
            let receipt = request("eth_getTransactionReceipt", by_hash()).await.unwrap_or_default();
            if !is_null(&receipt) {
                if member(&receipt, "status").as_string().as_deref() == Some("0x1") {
                    self.tx.set(TxState::Confirmed(label, hash.to_owned()));
                    self.refresh.update(|r| *r += 1);
                    return Some(receipt);
                }
                let block = member(&receipt, "blockNumber");
                let reason = match request("eth_call", array(&[tx(), block])).await {
                    Err(e) => e.revert_data().map(|d| self.explain(&d)).unwrap_or(e.message),
                    Ok(_) => t("The transaction failed on chain."),
                };
                self.tx.set(TxState::Failed(label, reason));
                return None;
            }
            if i % 5 == 4 {
                let gone =
                    request("eth_getTransactionByHash", by_hash()).await.map(|t| is_null(&t));
                let count =
                    request("eth_getTransactionCount", array(&[from.into(), "latest".into()]))
                        .await
                        .ok()
                        .and_then(|c| net::quantity(&c));
                if let (Ok(true), Some(count), Some(nonce)) = (gone, count, nonce)
                    && count > nonce
                {
                    self.tx.set(TxState::Replaced(label, hash.to_owned()));
                    self.refresh.update(|r| *r += 1);
                    return None;
                }
            }
        }
        None
    }

    /// A revert in a sentence, token amounts in the paying token's units when known.
    fn explain(self, data: &[u8]) -> String {
        match self.paying.get_untracked() {
            Some((chain, token)) => {
                eth::explain_revert_in(data, &|v| crate::format::money(self, chain, &token, v))
            }
            None => eth::explain_revert(data),
        }
    }

    /// Asks the wallet for a signature (`personal_sign` or `eth_signTypedData_v4`).
    pub(crate) async fn sign(self, label: &str, method: &str, params: JsValue) -> Option<String> {
        self.tx.set(TxState::Signing(label.to_owned()));
        match request(method, params).await {
            Ok(sig) => {
                self.tx.set(TxState::Idle);
                sig.as_string()
            }
            Err(e) if e.rejected() => {
                self.tx.set(TxState::Rejected(tf(
                    "You rejected \u{201c}{0}\u{201d} in your wallet: nothing was sent.",
                    &[&label],
                )));
                None
            }
            Err(e) => {
                self.tx.set(TxState::Failed(label.to_owned(), e.message));
                None
            }
        }
    }
}
