//! EIP-6963 discovery: every injected wallet announces itself (`eip6963:announceProvider`)
//! in answer to `eip6963:requestProvider`; wallets that predate it only set
//! `window.ethereum`. Connecting picks one (through the picker when several announced) and
//! remembers its `rdns`, so the next visit reconnects without asking.

use std::cell::RefCell;

use js_sys::Array;
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};

use super::{
    TxState, Wallet, WalletInfo,
    provider::{self, get, request},
    walletconnect,
};
use crate::{
    i18n::{t, tf},
    net::{array, member},
};

thread_local! {
    static PROVIDERS: RefCell<Vec<(WalletInfo, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// Where the chosen wallet's `rdns` is remembered.
const REMEMBERED: &str = "cointent.wallet";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Forgets the remembered wallet (the user disconnected, or the wallet dropped the account).
pub(crate) fn forget() {
    if let Some(s) = storage() {
        let _ = s.remove_item(REMEMBERED);
    }
}

/// Remembers the chosen wallet (`rdns`, or [`walletconnect::REMEMBERED`]).
pub(super) fn remember(choice: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(REMEMBERED, choice);
    }
}

/// Whether the remembered choice is a WalletConnect session.
pub(super) fn remembered_walletconnect() -> bool {
    storage().and_then(|s| s.get_item(REMEMBERED).ok().flatten()).as_deref()
        == Some(walletconnect::REMEMBERED)
}

/// Listens for announcements, asks wallets to announce, and falls back to
/// `window.ethereum` when none did.
pub(super) fn start(w: Wallet) {
    let window = web_sys::window().expect("window");
    let on_announce =
        Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
            let detail = e.detail();
            let info = get(&detail, "info");
            let provider = get(&detail, "provider");
            let s = |k: &str| get(&info, k).as_string().unwrap_or_default();
            let wi =
                WalletInfo { uuid: s("uuid"), name: s("name"), icon: s("icon"), rdns: s("rdns") };
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
                    name: t("Browser wallet"),
                    icon: String::new(),
                    rdns: "legacy".into(),
                };
                w.add(info, legacy);
            }
        },
        std::time::Duration::from_millis(400),
    );
}

impl Wallet {
    fn add(self, info: WalletInfo, provider: JsValue) {
        if PROVIDERS.with(|p| p.borrow().iter().any(|(i, _)| i.uuid == info.uuid)) {
            return;
        }
        PROVIDERS.with(|p| p.borrow_mut().push((info.clone(), provider)));
        let remembered = storage().and_then(|s| s.get_item(REMEMBERED).ok().flatten());
        self.wallets.update(|ws| ws.push(info.clone()));
        if remembered.as_deref() == Some(info.rdns.as_str())
            && self.account.get_untracked().is_none()
        {
            spawn_local(async move {
                self.connect_to(&info.uuid, false).await;
            });
        }
    }

    /// Connects: directly when one wallet is there, through the picker when several are
    /// (WalletConnect, when the server has a project id, counts as one).
    pub(crate) fn connect(self) {
        let ws = self.wallets.get_untracked();
        let wc = usize::from(self.wc.get_untracked().is_some());
        match ws.len() + wc {
            0 => self.tx.set(TxState::Info(
                t("No wallet found. Install MetaMask or another browser wallet to take part; browsing works without one."),
            )),
            1 if wc == 0 => spawn_local(async move {
                self.connect_to(&ws[0].uuid, true).await;
            }),
            _ => self.picker.set(true),
        }
    }

    /// Connects to the wallet `uuid`, asking the user when `prompt`.
    pub(crate) async fn connect_to(self, uuid: &str, prompt: bool) -> bool {
        self.picker.set(false);
        let Some((info, wallet)) =
            PROVIDERS.with(|p| p.borrow().iter().find(|(i, _)| i.uuid == uuid).cloned())
        else {
            return false;
        };
        provider::activate(self, wallet);
        let method = if prompt { "eth_requestAccounts" } else { "eth_accounts" };
        match request(method, array(&[])).await {
            Ok(accounts)
                if Array::is_array(&accounts) && accounts.unchecked_ref::<Array>().length() > 0 =>
            {
                let first = member(&accounts, "0").as_string();
                self.account.set(first.map(|a| a.to_ascii_lowercase()));
                if let Ok(c) = request("eth_chainId", array(&[])).await {
                    self.chain_id.set(crate::net::quantity(&c));
                }
                remember(&info.rdns);
                if prompt {
                    self.tx.set(TxState::Idle);
                }
                true
            }
            Ok(_) => false,
            Err(e) if e.rejected() => {
                self.tx.set(TxState::Rejected(t("You declined the connection in your wallet.")));
                false
            }
            Err(e) => {
                self.tx.set(TxState::Info(tf("The wallet could not connect: {0}", &[&e.message])));
                false
            }
        }
    }

    /// Forgets the connection (wallets have no standard way to revoke it from the page).
    /// A WalletConnect session is ended in the phone wallet too.
    pub(crate) fn disconnect(self) {
        self.account.set(None);
        walletconnect::disconnect();
        forget();
    }

    /// Makes sure a wallet is connected; returns the account.
    pub(crate) async fn ensure_account(self) -> Option<String> {
        if let Some(a) = self.account.get_untracked() {
            return Some(a);
        }
        let ws = self.wallets.get_untracked();
        if ws.len() == 1 && self.wc.get_untracked().is_none() {
            self.connect_to(&ws[0].uuid, true).await;
        } else {
            self.connect();
        }
        self.account.get_untracked()
    }
}
