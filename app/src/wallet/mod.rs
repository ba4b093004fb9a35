//! The browser wallet, written against the standards rather than a wallet library.
//!
//! Why by hand: the wallet libraries of the field are JavaScript (wagmi, viem, ethers) and
//! would have to be bundled and bridged; alloy, the Rust one the app already uses for its
//! types, talks to nodes and to local signers, not to a wallet injected into a page. What a
//! page needs from an injected wallet is two short standards, EIP-6963 to find it and
//! EIP-1193 to talk to it: a few dozen lines each through wasm-bindgen, with nothing added
//! to the first page's download.
//!
//! - [`discovery`]: EIP-6963 (every injected wallet announces itself; a picker when several
//!   do; `window.ethereum` for older wallets), connecting, and remembering the choice.
//! - [`provider`]: EIP-1193 requests and errors, `accountsChanged` / `chainChanged` events,
//!   and chain switching (adding the chain on error 4902).
//! - [`transactions`]: a transaction followed through its states: checking (a simulation
//!   that turns a revert into a sentence before anything is signed), signing, pending,
//!   confirmed, failed, replaced; a rejection in the wallet is reported as such. Signatures.
//! - [`walletconnect`]: a phone wallet through WalletConnect v2, its JS client imported
//!   only when picked.
//! - [`view`]: the wallet bar and picker, the wrong-chain banner, the transaction status
//!   line.
//!
//! [`Wallet`] is the reactive state the pages read (through the context), with the chains
//! the indexer serves.

pub(crate) mod discovery;
mod live;
mod pending;
pub(crate) mod provider;
pub(crate) mod transactions;
pub(crate) mod view;
pub(crate) mod walletconnect;

use std::{future::Future, pin::Pin};

use crate::i18n::{t, tf};
use cointent_domain::chains::{ChainInfo, WalletConnectInfo};
use leptos::{prelude::*, task::spawn_local};

pub(crate) use view::{ChainBanner, TxBanner, TxButton, WalletBar};

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
    pub(crate) chains: RwSignal<Vec<ChainInfo>>,
    /// Whether the chains were asked for (answered or not): pages wait for it, so that no
    /// amount is ever shown without its token's decimals and symbol.
    pub(crate) ready: RwSignal<bool>,
    /// The action whose transaction flow is under way (its button's test id): while set,
    /// every action button is disabled, so a double click sends one transaction.
    pub(crate) flow: RwSignal<Option<&'static str>>,
    /// Bumped when the API's event stream reports new events (debounced): pages that show
    /// the mirror reload, in every open tab.
    pub(crate) live: RwSignal<u32>,
    /// The token the current flow pays in (chain, token), so a token's refusal reads in its
    /// units and symbol.
    pub(crate) paying: RwSignal<Option<(u64, alloy_primitives::Address)>>,
    /// The server's WalletConnect settings, when it has a project id.
    pub(crate) wc: RwSignal<Option<WalletConnectInfo>>,
}

impl Wallet {
    /// Creates the state, starts EIP-6963 discovery and loads the indexer's chains.
    pub(crate) fn init() -> Self {
        let w = Self {
            wallets: RwSignal::new(Vec::new()),
            account: RwSignal::new(None),
            chain_id: RwSignal::new(None),
            picker: RwSignal::new(false),
            tx: RwSignal::new(TxState::Idle),
            refresh: RwSignal::new(0),
            chains: RwSignal::new(Vec::new()),
            ready: RwSignal::new(false),
            flow: RwSignal::new(None),
            live: RwSignal::new(0),
            paying: RwSignal::new(None),
            wc: RwSignal::new(None),
        };
        discovery::start(w);
        spawn_local(async move {
            if let Ok(list) = crate::api::get::<Vec<ChainInfo>>("/v1/chains").await {
                w.chains.set(list);
            }
            w.ready.set(true);
            // Transactions sent before a reload, or from another tab, are watched again.
            pending::resume(w);
            if let Ok(wc) = crate::api::get::<WalletConnectInfo>("/v1/walletconnect").await
                && wc.project_id.is_some()
            {
                w.wc.set(Some(wc));
                if discovery::remembered_walletconnect() {
                    w.restore_walletconnect().await;
                }
            }
        });
        pending::listen(w);
        live::follow(w);
        w
    }

    /// Runs the transaction flow of action `key` (its button's test id) unless another flow
    /// is under way: the check and the mark happen before anything is awaited, so a second
    /// click in the same instant finds the first one's mark.
    pub(crate) fn run(self, key: &'static str, flow: impl Future<Output = ()> + 'static) {
        self.run_boxed(key, Box::pin(flow));
    }

    /// [`Self::run`] for one boxed type: the task machinery is compiled once, not per flow.
    fn run_boxed(self, key: &'static str, flow: Pin<Box<dyn Future<Output = ()>>>) {
        if self.flow.get_untracked().is_some() {
            return;
        }
        self.flow.set(Some(key));
        spawn_local(async move {
            flow.await;
            self.flow.set(None);
            self.paying.set(None);
        });
    }

    /// What the button of the flow under way says: the current step.
    pub(crate) fn step(self) -> String {
        match self.tx.get() {
            TxState::Checking(_) => t("Checking…"),
            TxState::Signing(_) => t("Confirm in your wallet…"),
            TxState::Pending(..) => t("Pending…"),
            TxState::Switching(_) => t("Switching…"),
            _ => t("Working…"),
        }
    }

    /// The indexer's description of a chain.
    pub(crate) fn chain(self, chain_id: u64) -> Option<ChainInfo> {
        self.chains.with_untracked(|cs| cs.iter().find(|c| c.chain_id == chain_id).cloned())
    }

    /// The name of a chain for people.
    pub(crate) fn chain_name(self, chain_id: u64) -> String {
        self.chains.with(|cs| {
            cs.iter()
                .find(|c| c.chain_id == chain_id)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| tf("chain {0}", &[&chain_id]))
        })
    }

    /// The `0x` address of deployment `name` (`escrow`, `governor`, ...) on `chain_id`.
    pub(crate) fn contract(self, chain_id: u64, name: &str) -> Option<String> {
        self.chains.with_untracked(|cs| {
            let c = cs.iter().find(|c| c.chain_id == chain_id)?;
            c.contract(name).map(|a| crate::eth::addr_hex(&a))
        })
    }
}
