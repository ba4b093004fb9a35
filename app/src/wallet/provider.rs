//! EIP-1193: requests to the connected wallet and their errors, the `accountsChanged` and
//! `chainChanged` events, and switching chains (EIP-3326, adding the chain with EIP-3085 when
//! the wallet answers 4902).
//!
//! Requests and answers cross into JS as JSON: they are JSON-RPC, not API data.

use std::cell::RefCell;

use js_sys::JSON;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;

use super::{TxState, Wallet, discovery};
use crate::{
    i18n::{t, tf},
    net::{self, array, member, object},
};

thread_local! {
    static ACTIVE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// An EIP-1193 error.
#[derive(Debug, Clone)]
pub(crate) struct WalletError {
    /// EIP-1193 / JSON-RPC code (4001 = user rejected, 4902 = unknown chain).
    pub(crate) code: i64,
    /// The wallet's message.
    pub(crate) message: String,
    /// The error's `data`, as plain JSON (revert data is found in there).
    pub(crate) data: JsValue,
}

impl WalletError {
    fn new(message: impl Into<String>) -> Self {
        Self { code: 0, message: message.into(), data: JsValue::NULL }
    }

    /// Whether the error or its data carries `code`.
    pub(crate) fn has_code(&self, code: i64) -> bool {
        self.code == code || net::stringify(&self.data).contains(&code.to_string())
    }

    /// The user rejected the request.
    pub(crate) fn rejected(&self) -> bool {
        self.has_code(4001)
    }

    /// Revert data carried by the error, if any (see [`net::revert_data`]).
    pub(crate) fn revert_data(&self) -> Option<Vec<u8>> {
        net::revert_data(&self.data)
    }
}

/// A plain-JSON copy of `v` (what `JSON.stringify` keeps of it); null for what it cannot
/// write.
fn plain(v: &JsValue) -> JsValue {
    JSON::stringify(v).ok().and_then(|s| JSON::parse(&s.as_string()?).ok()).unwrap_or(JsValue::NULL)
}

/// `v[key]` of a JS object.
pub(super) fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Makes `provider` the wallet requests go to, and follows its account and chain.
pub(super) fn activate(w: Wallet, provider: JsValue) {
    ACTIVE.with(|a| *a.borrow_mut() = Some(provider.clone()));
    let Ok(on) = get(&provider, "on").dyn_into::<js_sys::Function>() else { return };
    let accounts = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
        let first = member(&v, "0").as_string().map(|a| a.to_ascii_lowercase());
        if first.is_none() {
            discovery::forget();
        }
        w.account.set(first);
    });
    let chain = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
        w.chain_id.set(net::quantity(&v));
    });
    let _ = on.call2(&provider, &"accountsChanged".into(), accounts.as_ref());
    let _ = on.call2(&provider, &"chainChanged".into(), chain.as_ref());
    accounts.forget();
    chain.forget();
}

/// An EIP-1193 request to the connected wallet.
pub(crate) async fn request(method: &str, params: JsValue) -> Result<JsValue, WalletError> {
    let provider = ACTIVE
        .with(|a| a.borrow().clone())
        .ok_or_else(|| WalletError::new(t("no wallet connected")))?;
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"method".into(), &method.into());
    let _ = js_sys::Reflect::set(&args, &"params".into(), &params);
    let f: js_sys::Function = get(&provider, "request")
        .dyn_into()
        .map_err(|_| WalletError::new(t("not an EIP-1193 wallet")))?;
    let promise: js_sys::Promise = f
        .call1(&provider, &args)
        .map_err(|e| WalletError::new(net::js_err(e)))?
        .dyn_into()
        .map_err(|_| WalletError::new(t("the wallet did not answer with a promise")))?;
    match JsFuture::from(promise).await {
        Ok(v) => Ok(plain(&v)),
        Err(e) => Err(WalletError {
            code: get(&e, "code").as_f64().unwrap_or(0.0) as i64,
            message: get(&e, "message").as_string().unwrap_or_else(|| t("wallet error")),
            data: plain(&get(&e, "data")),
        }),
    }
}

impl Wallet {
    /// Switches the wallet to `chain_id`, adding the chain (error 4902) when the wallet does
    /// not know it.
    pub(crate) async fn ensure_chain(self, chain_id: u64) -> bool {
        let current = request("eth_chainId", array(&[])).await.ok().and_then(|c| net::quantity(&c));
        self.chain_id.set(current);
        if current == Some(chain_id) {
            return true;
        }
        let name = self.chain_name(chain_id);
        self.tx.set(TxState::Switching(tf(
            "Switch your wallet to {0} (chain {1})",
            &[&name, &chain_id],
        )));
        let hex_id = format!("0x{chain_id:x}");
        let switch = || array(&[object(&[("chainId", hex_id.as_str().into())])]);
        let mut res = request("wallet_switchEthereumChain", switch()).await;
        if let Err(e) = &res
            && e.has_code(4902)
        {
            let rpc = self.chain(chain_id).map(|c| c.rpc_url).unwrap_or_default();
            let add = object(&[
                ("chainId", hex_id.as_str().into()),
                ("chainName", name.as_str().into()),
                ("rpcUrls", array(&[rpc.into()])),
                (
                    "nativeCurrency",
                    object(&[
                        ("name", "Ether".into()),
                        ("symbol", "ETH".into()),
                        ("decimals", 18.into()),
                    ]),
                ),
            ]);
            res = match request("wallet_addEthereumChain", array(&[add])).await {
                Ok(_) => request("wallet_switchEthereumChain", switch()).await,
                Err(e) => Err(e),
            };
        }
        match res {
            Ok(_) => {
                self.chain_id.set(Some(chain_id));
                true
            }
            Err(e) if e.rejected() => {
                self.tx.set(TxState::Rejected(tf(
                    "You declined switching to {0}: nothing was sent.",
                    &[&name],
                )));
                false
            }
            Err(e) => {
                self.tx.set(TxState::Failed(
                    tf("Switch to {0}", &[&name]),
                    tf("The wallet could not switch chains: {0}", &[&e.message]),
                ));
                false
            }
        }
    }
}
