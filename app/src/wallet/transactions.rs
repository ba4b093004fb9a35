//! A transaction followed to its end, and signatures: every call is simulated first
//! (`eth_call`), so a revert is explained in a sentence before the user is asked to sign;
//! then signing, pending, and confirmed, failed (with the reason, replayed at the block it
//! failed in) or replaced (another transaction took its nonce). The state is published in
//! [`Wallet::tx`] for the status line.

use alloy_primitives::{U256, hex};
use leptos::prelude::*;
use serde_json::{Value, json};
use wasm_bindgen_futures::JsFuture;

use super::{TxState, Wallet, provider::request};
use crate::{eth, net};

/// Waits `ms` milliseconds.
async fn sleep(ms: i32) {
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
    ) -> Option<Value> {
        let label = label.to_owned();
        let Some(from) = self.ensure_account().await else {
            self.tx.set(TxState::Info("Connect a wallet first.".into()));
            return None;
        };
        if !self.ensure_chain(chain_id).await {
            return None;
        }
        let tx = json!({"from": from, "to": to, "data": hex::encode_prefixed(&data), "value": format!("{value:#x}")});
        self.tx.set(TxState::Checking(label.clone()));
        if let Err(e) = request("eth_call", json!([tx, "latest"])).await {
            let reason = match e.revert_data() {
                Some(d) => eth::explain_revert(&d),
                None => format!("The transaction would fail: {}", e.message),
            };
            self.tx.set(TxState::Failed(label, reason));
            return None;
        }
        self.tx.set(TxState::Signing(label.clone()));
        let hash = match request("eth_sendTransaction", json!([tx])).await {
            Ok(h) => h.as_str().unwrap_or_default().to_owned(),
            Err(e) if e.rejected() => {
                self.tx.set(TxState::Rejected(format!(
                    "You rejected \u{201c}{label}\u{201d} in your wallet: nothing was sent."
                )));
                return None;
            }
            Err(e) => {
                self.tx.set(TxState::Failed(label, e.message));
                return None;
            }
        };
        self.tx.set(TxState::Pending(label.clone(), hash.clone()));
        let nonce = request("eth_getTransactionByHash", json!([hash]))
            .await
            .ok()
            .and_then(|t| net::quantity(&t["nonce"]));
        for i in 0..900 {
            sleep(if i < 10 { 250 } else { 1000 }).await;
            let receipt =
                request("eth_getTransactionReceipt", json!([hash])).await.unwrap_or_default();
            if !receipt.is_null() {
                if receipt["status"].as_str() == Some("0x1") {
                    self.tx.set(TxState::Confirmed(label, hash));
                    self.refresh.update(|r| *r += 1);
                    return Some(receipt);
                }
                let block = receipt["blockNumber"].clone();
                let reason = match request("eth_call", json!([tx, block])).await {
                    Err(e) => e.revert_data().map(|d| eth::explain_revert(&d)).unwrap_or(e.message),
                    Ok(_) => "The transaction failed on chain.".into(),
                };
                self.tx.set(TxState::Failed(label, reason));
                return None;
            }
            if i % 5 == 4 {
                let gone =
                    request("eth_getTransactionByHash", json!([hash])).await.map(|t| t.is_null());
                let count = request("eth_getTransactionCount", json!([from, "latest"]))
                    .await
                    .ok()
                    .and_then(|c| net::quantity(&c));
                if let (Ok(true), Some(count), Some(nonce)) = (gone, count, nonce)
                    && count > nonce
                {
                    self.tx.set(TxState::Replaced(label, hash));
                    self.refresh.update(|r| *r += 1);
                    return None;
                }
            }
        }
        None
    }

    /// Asks the wallet for a signature (`personal_sign` or `eth_signTypedData_v4`).
    pub(crate) async fn sign(self, label: &str, method: &str, params: Value) -> Option<String> {
        self.tx.set(TxState::Signing(label.to_owned()));
        match request(method, params).await {
            Ok(sig) => {
                self.tx.set(TxState::Idle);
                sig.as_str().map(str::to_owned)
            }
            Err(e) if e.rejected() => {
                self.tx.set(TxState::Rejected(format!(
                    "You rejected \u{201c}{label}\u{201d} in your wallet: nothing was sent."
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
