//! The browser wallet, written against the standards rather than a wallet library:
//! EIP-6963 discovery (every injected wallet announces itself; a picker when several do),
//! EIP-1193 requests, `accountsChanged` / `chainChanged` events, chain switch (adding the
//! chain on error 4902), and transactions followed through their states: checking (a
//! simulation that turns a revert into a sentence before anything is signed), signing,
//! pending, confirmed, failed, replaced; a rejection in the wallet is reported as such.

use std::cell::RefCell;

use alloy_primitives::U256;
use leptos::{prelude::*, task::spawn_local};
use serde_json::{Value, json};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;

use crate::{eth, net};

/// One wallet that announced itself (EIP-6963 `info`).
#[derive(Clone, PartialEq, Debug)]
pub(crate) struct WalletInfo {
    /// Unique per page load.
    pub(crate) uuid: String,
    /// Human name, e.g. "MetaMask".
    pub(crate) name: String,
    /// Data URI of its icon.
    pub(crate) icon: String,
    /// Reverse DNS id, stable across loads (remembered to reconnect).
    pub(crate) rdns: String,
}

thread_local! {
    static PROVIDERS: RefCell<Vec<(WalletInfo, JsValue)>> = const { RefCell::new(Vec::new()) };
    static ACTIVE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// Where the current transaction (or signature) stands.
#[derive(Clone, PartialEq, Debug)]
pub(crate) enum TxState {
    /// Nothing going on.
    Idle,
    /// A message for the user (no transaction).
    Info(String),
    /// Asking the wallet to switch chains, or another step under way.
    Switching(String),
    /// Simulating the call.
    Checking(String),
    /// Waiting for the user to sign in the wallet.
    Signing(String),
    /// Sent, waiting to be mined.
    Pending(String, String),
    /// Mined successfully.
    Confirmed(String, String),
    /// Refused by the chain (or by the simulation), with the reason.
    Failed(String, String),
    /// The user said no in the wallet.
    Rejected(String),
    /// Another transaction with the same nonce was mined instead.
    Replaced(String, String),
}

/// The wallet's reactive state, shared through the context.
#[derive(Clone, Copy)]
pub(crate) struct Wallet {
    /// Wallets discovered so far.
    pub(crate) wallets: RwSignal<Vec<WalletInfo>>,
    /// The connected account, lower-case hex.
    pub(crate) account: RwSignal<Option<String>>,
    /// The wallet's current chain.
    pub(crate) chain_id: RwSignal<Option<u64>>,
    /// Whether the wallet picker is open.
    pub(crate) picker: RwSignal<bool>,
    /// The current transaction.
    pub(crate) tx: RwSignal<TxState>,
    /// Bumped after each confirmed transaction so pages reload what they show.
    pub(crate) refresh: RwSignal<u32>,
    /// Chains served by the indexer (`/v1/chains`).
    pub(crate) chains: RwSignal<Vec<Value>>,
}

/// An EIP-1193 error.
#[derive(Debug, Clone)]
pub(crate) struct WalletError {
    /// EIP-1193 / JSON-RPC code (4001 = user rejected, 4902 = unknown chain).
    pub(crate) code: i64,
    /// The wallet's message.
    pub(crate) message: String,
    /// The error's `data` as JSON (revert data is found in there).
    pub(crate) data: Value,
}

impl WalletError {
    fn new(message: impl Into<String>) -> Self {
        Self { code: 0, message: message.into(), data: Value::Null }
    }

    /// The user rejected the request.
    pub(crate) fn rejected(&self) -> bool {
        self.code == 4001 || self.data.to_string().contains("4001")
    }

    /// Revert data carried by the error, if any.
    pub(crate) fn revert_data(&self) -> Option<Vec<u8>> {
        fn find(v: &Value) -> Option<String> {
            match v {
                Value::String(s) if s.starts_with("0x") && s.len() >= 10 => Some(s.clone()),
                Value::Object(m) => m.values().find_map(find),
                Value::Array(a) => a.iter().find_map(find),
                _ => None,
            }
        }
        find(&self.data).and_then(|s| net::unhex(&s))
    }
}

fn to_js(v: &Value) -> JsValue {
    js_sys::JSON::parse(&v.to_string()).unwrap_or(JsValue::UNDEFINED)
}

fn from_js(v: &JsValue) -> Value {
    if v.is_undefined() {
        return Value::Null;
    }
    js_sys::JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null)
}

fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// An EIP-1193 request to the connected wallet.
pub(crate) async fn request(method: &str, params: Value) -> Result<Value, WalletError> {
    let provider = ACTIVE
        .with(|a| a.borrow().clone())
        .ok_or_else(|| WalletError::new("no wallet connected"))?;
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"method".into(), &method.into());
    let _ = js_sys::Reflect::set(&args, &"params".into(), &to_js(&params));
    let f: js_sys::Function = get(&provider, "request")
        .dyn_into()
        .map_err(|_| WalletError::new("not an EIP-1193 wallet"))?;
    let promise: js_sys::Promise = f
        .call1(&provider, &args)
        .map_err(|e| WalletError::new(net::js_err(e)))?
        .dyn_into()
        .map_err(|_| WalletError::new("the wallet did not answer with a promise"))?;
    match JsFuture::from(promise).await {
        Ok(v) => Ok(from_js(&v)),
        Err(e) => Err(WalletError {
            code: get(&e, "code").as_f64().unwrap_or(0.0) as i64,
            message: get(&e, "message").as_string().unwrap_or_else(|| "wallet error".into()),
            data: from_js(&get(&e, "data")),
        }),
    }
}

/// Waits `ms` milliseconds.
pub(crate) async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(p).await;
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn parse_chain(v: &Value) -> Option<u64> {
    eth::u64_of(v)
}

impl Wallet {
    /// Creates the state and starts EIP-6963 discovery.
    pub(crate) fn init() -> Self {
        let w = Self {
            wallets: RwSignal::new(Vec::new()),
            account: RwSignal::new(None),
            chain_id: RwSignal::new(None),
            picker: RwSignal::new(false),
            tx: RwSignal::new(TxState::Idle),
            refresh: RwSignal::new(0),
            chains: RwSignal::new(Vec::new()),
        };
        let window = web_sys::window().expect("window");
        let on_announce =
            Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
                let detail = e.detail();
                let info = get(&detail, "info");
                let provider = get(&detail, "provider");
                let s = |k: &str| get(&info, k).as_string().unwrap_or_default();
                let wi = WalletInfo {
                    uuid: s("uuid"),
                    name: s("name"),
                    icon: s("icon"),
                    rdns: s("rdns"),
                };
                w.add(wi, provider);
            });
        let _ = window.add_event_listener_with_callback(
            "eip6963:announceProvider",
            on_announce.as_ref().unchecked_ref(),
        );
        on_announce.forget();
        if let Ok(ev) = web_sys::Event::new("eip6963:requestProvider") {
            let _ = window.dispatch_event(&ev);
        }
        // Wallets that predate EIP-6963 only set `window.ethereum`.
        set_timeout(
            move || {
                let legacy = get(&web_sys::window().expect("window").into(), "ethereum");
                if PROVIDERS.with(|p| p.borrow().is_empty()) && legacy.is_object() {
                    let info = WalletInfo {
                        uuid: "legacy".into(),
                        name: "Browser wallet".into(),
                        icon: String::new(),
                        rdns: "legacy".into(),
                    };
                    w.add(info, legacy);
                }
            },
            std::time::Duration::from_millis(400),
        );
        spawn_local(async move {
            if let Ok(Value::Array(list)) = net::get("/v1/chains").await {
                w.chains.set(list);
            }
        });
        w
    }

    fn add(self, info: WalletInfo, provider: JsValue) {
        if PROVIDERS.with(|p| p.borrow().iter().any(|(i, _)| i.uuid == info.uuid)) {
            return;
        }
        PROVIDERS.with(|p| p.borrow_mut().push((info.clone(), provider)));
        let remembered = storage().and_then(|s| s.get_item("cointent.wallet").ok().flatten());
        self.wallets.update(|ws| ws.push(info.clone()));
        if remembered.as_deref() == Some(info.rdns.as_str())
            && self.account.get_untracked().is_none()
        {
            spawn_local(async move {
                self.connect_to(&info.uuid, false).await;
            });
        }
    }

    /// Connects: directly when one wallet is there, through the picker when several are.
    pub(crate) fn connect(self) {
        let ws = self.wallets.get_untracked();
        match ws.len() {
            0 => self.tx.set(TxState::Info(
                "No wallet found. Install MetaMask or another browser wallet to take part; browsing works without one.".into(),
            )),
            1 => spawn_local(async move {
                self.connect_to(&ws[0].uuid, true).await;
            }),
            _ => self.picker.set(true),
        }
    }

    /// Connects to the wallet `uuid`, asking the user when `prompt`.
    pub(crate) async fn connect_to(self, uuid: &str, prompt: bool) -> bool {
        self.picker.set(false);
        let Some((info, provider)) =
            PROVIDERS.with(|p| p.borrow().iter().find(|(i, _)| i.uuid == uuid).cloned())
        else {
            return false;
        };
        ACTIVE.with(|a| *a.borrow_mut() = Some(provider.clone()));
        self.subscribe(&provider);
        let method = if prompt { "eth_requestAccounts" } else { "eth_accounts" };
        match request(method, json!([])).await {
            Ok(Value::Array(accounts)) if !accounts.is_empty() => {
                self.account.set(accounts[0].as_str().map(str::to_lowercase));
                if let Ok(c) = request("eth_chainId", json!([])).await {
                    self.chain_id.set(parse_chain(&c));
                }
                if let Some(s) = storage() {
                    let _ = s.set_item("cointent.wallet", &info.rdns);
                }
                if prompt {
                    self.tx.set(TxState::Idle);
                }
                true
            }
            Ok(_) => false,
            Err(e) if e.rejected() => {
                self.tx
                    .set(TxState::Rejected("You declined the connection in your wallet.".into()));
                false
            }
            Err(e) => {
                self.tx.set(TxState::Info(format!("The wallet could not connect: {}", e.message)));
                false
            }
        }
    }

    fn subscribe(self, provider: &JsValue) {
        let Ok(on) = get(provider, "on").dyn_into::<js_sys::Function>() else { return };
        let accounts = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
            let first = from_js(&v)[0].as_str().map(str::to_lowercase);
            if first.is_none()
                && let Some(s) = storage()
            {
                let _ = s.remove_item("cointent.wallet");
            }
            self.account.set(first);
        });
        let chain = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
            self.chain_id.set(parse_chain(&from_js(&v)));
        });
        let _ = on.call2(provider, &"accountsChanged".into(), accounts.as_ref());
        let _ = on.call2(provider, &"chainChanged".into(), chain.as_ref());
        accounts.forget();
        chain.forget();
    }

    /// Forgets the connection (wallets have no standard way to revoke it from the page).
    pub(crate) fn disconnect(self) {
        self.account.set(None);
        if let Some(s) = storage() {
            let _ = s.remove_item("cointent.wallet");
        }
    }

    /// The indexer's description of a chain.
    pub(crate) fn chain(self, chain_id: u64) -> Option<Value> {
        self.chains.with_untracked(|cs| {
            cs.iter().find(|c| eth::u64_of(&c["chain_id"]) == Some(chain_id)).cloned()
        })
    }

    /// The name of a chain for people.
    pub(crate) fn chain_name(self, chain_id: u64) -> String {
        self.chains.with(|cs| {
            cs.iter()
                .find(|c| eth::u64_of(&c["chain_id"]) == Some(chain_id))
                .and_then(|c| c["name"].as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("chain {chain_id}"))
        })
    }

    /// Makes sure a wallet is connected; returns the account.
    pub(crate) async fn ensure_account(self) -> Option<String> {
        if let Some(a) = self.account.get_untracked() {
            return Some(a);
        }
        let ws = self.wallets.get_untracked();
        if ws.len() == 1 {
            self.connect_to(&ws[0].uuid, true).await;
        } else {
            self.connect();
        }
        self.account.get_untracked()
    }

    /// Switches the wallet to `chain_id`, adding the chain (error 4902) when the wallet does
    /// not know it.
    pub(crate) async fn ensure_chain(self, chain_id: u64) -> bool {
        let current = request("eth_chainId", json!([])).await.ok().and_then(|c| parse_chain(&c));
        self.chain_id.set(current);
        if current == Some(chain_id) {
            return true;
        }
        let name = self.chain_name(chain_id);
        self.tx.set(TxState::Switching(format!("Switch your wallet to {name} (chain {chain_id})")));
        let hex_id = format!("0x{chain_id:x}");
        let mut res = request("wallet_switchEthereumChain", json!([{"chainId": hex_id}])).await;
        if let Err(e) = &res
            && (e.code == 4902 || e.data.to_string().contains("4902"))
        {
            let rpc = self.chain(chain_id).and_then(|c| c["rpc_url"].as_str().map(str::to_owned));
            let add = json!([{
                "chainId": hex_id, "chainName": name,
                "rpcUrls": [rpc.unwrap_or_default()],
                "nativeCurrency": {"name": "Ether", "symbol": "ETH", "decimals": 18}
            }]);
            res = match request("wallet_addEthereumChain", add).await {
                Ok(_) => request("wallet_switchEthereumChain", json!([{"chainId": hex_id}])).await,
                Err(e) => Err(e),
            };
        }
        match res {
            Ok(_) => {
                self.chain_id.set(Some(chain_id));
                true
            }
            Err(e) if e.rejected() => {
                self.tx.set(TxState::Rejected(format!(
                    "You declined switching to {name}: nothing was sent."
                )));
                false
            }
            Err(e) => {
                self.tx.set(TxState::Failed(
                    format!("Switch to {name}"),
                    format!("The wallet could not switch chains: {}", e.message),
                ));
                false
            }
        }
    }

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

    /// Like [`Self::send`], returning the receipt when confirmed.
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
        let tx = json!({"from": from, "to": to, "data": net::hex(&data), "value": format!("{value:#x}")});
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
            .and_then(|t| eth::u64_of(&t["nonce"]));
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
                    .and_then(|c| eth::u64_of(&c));
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

/// The connect button, the account and chain, and the wallet picker.
#[component]
pub(crate) fn WalletBar() -> impl IntoView {
    let w = expect_context::<Wallet>();
    view! {
        <div class="wallet">
            {move || match w.account.get() {
                None => view! {
                    <button class="primary" on:click=move |_| w.connect()>"Connect wallet"</button>
                }.into_any(),
                Some(a) => {
                    let chain = w.chain_id.get().map(|c| w.chain_name(c)).unwrap_or_default();
                    view! {
                        <span class="account" data-testid="account" title=a.clone()>{eth::short(&a)}</span>
                        <span class="chain" data-testid="wallet-chain">{chain}</span>
                        <button on:click=move |_| w.disconnect()>"Disconnect"</button>
                    }.into_any()
                }
            }}
        </div>
        <Show when=move || w.picker.get()>
            <div class="modal" role="dialog" aria-modal="true" aria-label="Choose a wallet">
                <h2>"Choose a wallet"</h2>
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
                </ul>
                <button on:click=move |_| w.picker.set(false)>"Cancel"</button>
            </div>
        </Show>
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
        TxState::Checking(l) => Some(("busy", format!("{l}: checking…"), None)),
        TxState::Signing(l) => Some(("busy", format!("{l}: confirm in your wallet…"), None)),
        TxState::Pending(l, h) => Some(("busy", format!("{l}: pending"), Some(h))),
        TxState::Confirmed(l, h) => Some(("ok", format!("{l}: confirmed"), Some(h))),
        TxState::Failed(l, r) => Some(("error", format!("{l} failed: {r}"), None)),
        TxState::Rejected(m) => Some(("error", m, None)),
        TxState::Replaced(l, h) => {
            Some(("info", format!("{l}: replaced by another transaction in your wallet"), Some(h)))
        }
    };
    view! {
        <div class="tx" role="status" aria-live="polite" data-testid="tx-status">
            {move || text().map(|(kind, msg, hash)| view! {
                <div class=format!("tx-{kind}") data-state=kind>
                    <span>{msg}</span>
                    {hash.map(|h| view! { <code class="hash" title=h.clone()>{eth::short(&h)}</code> })}
                    <button class="link" aria-label="Dismiss" on:click=move |_| w.tx.set(TxState::Idle)>"×"</button>
                </div>
            })}
        </div>
    }
}
