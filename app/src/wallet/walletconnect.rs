//! WalletConnect v2: paying from a phone wallet. The client is JavaScript (the ecosystem's
//! `@walletconnect/universal-provider`, bundled by script/build-app into
//! `walletconnect.<hash>.js`, see app/js/walletconnect.mjs) and is imported with a dynamic
//! `import()` only when the user picks it, or reconnects to a wallet chosen so: nothing of
//! it is in the first load, not even the pairing dialog (the bundle draws it, in the words
//! given here). Once the phone approves the session, its EIP-1193 face becomes the wallet
//! exactly like an injected one ([`provider::activate`]).

use std::cell::RefCell;

use js_sys::{Function, Promise};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{TxState, Wallet, discovery, provider};
use crate::{
    i18n::{t, tf},
    net::{array, member, object},
};

/// What [`discovery`] remembers for a WalletConnect session (an injected wallet's `rdns`
/// otherwise).
pub(crate) const REMEMBERED: &str = "walletconnect";

thread_local! {
    /// The imported bundle, while a WalletConnect session is the wallet.
    static MODULE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// Imports the bundle (`window.cointentWalletConnect`, set by index.html's module script).
async fn module() -> Result<JsValue, String> {
    let load: Function =
        provider::get(&web_sys::window().expect("window").into(), "cointentWalletConnect")
            .dyn_into()
            .map_err(|_| t("WalletConnect is not available on this page."))?;
    let promise: Promise = load.call0(&JsValue::NULL).map_err(crate::net::js_err)?.unchecked_into();
    JsFuture::from(promise)
        .await
        .map_err(|_| t("Could not load WalletConnect: check your connection."))
}

/// `module.name(args...)`, awaited.
async fn call(m: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = provider::get(m, name).unchecked_into();
    let promise: Promise = f.apply(m, &args.iter().collect())?.unchecked_into();
    JsFuture::from(promise).await
}

impl Wallet {
    /// The bundle's options: project, relay, and this site for the wallet to show.
    fn wc_options(self) -> Option<JsValue> {
        let info = self.wc.get_untracked()?;
        let origin = web_sys::window()?.location().origin().ok()?;
        Some(object(&[
            ("projectId", info.project_id?.as_str().into()),
            ("relayUrl", info.relay_url.as_str().into()),
            ("name", "Co-Intent".into()),
            ("url", origin.as_str().into()),
        ]))
    }

    /// Pairs a phone wallet: the bundle shows the pairing URI (QR code, "Open in wallet",
    /// "Copy link") until the wallet approves; then the session is the wallet.
    pub(crate) async fn connect_walletconnect(self) -> bool {
        self.picker.set(false);
        let Some(opts) = self.wc_options() else { return false };
        self.tx.set(TxState::Switching(t("Starting WalletConnect")));
        let m = match module().await {
            Ok(m) => m,
            Err(e) => {
                self.tx.set(TxState::Info(e));
                return false;
            }
        };
        let chains = self.chains.with_untracked(|cs| {
            array(
                &cs.iter()
                    .map(|c| {
                        object(&[
                            ("id", (c.chain_id as f64).into()),
                            ("rpc", c.rpc_url.as_str().into()),
                        ])
                    })
                    .collect::<Vec<_>>(),
            )
        });
        let labels = object(&[
            ("title", t("Connect a phone wallet").into()),
            ("scan", t("Scan this code with your phone's wallet app.").into()),
            ("code", t("WalletConnect pairing code").into()),
            ("open", t("Open in wallet").into()),
            ("copy", t("Copy link").into()),
            ("copied", t("Link copied").into()),
            ("cancel", t("Cancel").into()),
        ]);
        self.tx.set(TxState::Idle);
        let res = call(&m, "connect", &[opts, chains, labels]).await;
        match res {
            Ok(wallet) => self.use_walletconnect(m, wallet, true).await,
            Err(e) => {
                let detail = member(&e, "message").as_string().unwrap_or_default();
                let relay = self.wc.get_untracked().map(|w| w.relay_url).unwrap_or_default();
                let said = match member(&e, "kind").as_string().as_deref() {
                    Some("cancelled") => return false,
                    Some("rejected") => {
                        self.tx.set(TxState::Rejected(t(
                            "You declined the connection in your wallet.",
                        )));
                        return false;
                    }
                    Some("expired") => {
                        t("The pairing request expired before a wallet answered: try again.")
                    }
                    Some("relay") => tf(
                        "The WalletConnect relay ({0}) cannot be reached: check your connection and try again.",
                        &[&relay],
                    ),
                    _ => tf("WalletConnect could not connect: {0}", &[&detail]),
                };
                self.tx.set(TxState::Info(said));
                false
            }
        }
    }

    /// Reconnects to the session approved on an earlier visit, if it is still there.
    pub(super) async fn restore_walletconnect(self) {
        let Some(opts) = self.wc_options() else { return };
        let Ok(m) = module().await else { return };
        match call(&m, "restore", &[opts]).await {
            Ok(wallet) if !wallet.is_null() => {
                self.use_walletconnect(m, wallet, false).await;
            }
            _ => discovery::forget(),
        }
    }

    async fn use_walletconnect(self, m: JsValue, wallet: JsValue, prompt: bool) -> bool {
        MODULE.with(|x| *x.borrow_mut() = Some(m));
        provider::activate(self, wallet);
        let accounts = provider::request("eth_accounts", array(&[])).await.unwrap_or(JsValue::NULL);
        let Some(first) = member(&accounts, "0").as_string() else { return false };
        self.account.set(Some(first.to_ascii_lowercase()));
        if let Ok(c) = provider::request("eth_chainId", array(&[])).await {
            self.chain_id.set(crate::net::quantity(&c));
        }
        discovery::remember(REMEMBERED);
        if prompt {
            self.tx.set(TxState::Idle);
        }
        true
    }
}

/// Ends the WalletConnect session, in the phone wallet too, if one is the wallet.
pub(super) fn disconnect() {
    if let Some(m) = MODULE.with(|x| x.borrow_mut().take()) {
        leptos::task::spawn_local(async move {
            let _ = call(&m, "disconnect", &[]).await;
        });
    }
}
