//! The demo world of the local stack: artisans, orders in every state, freelance jobs,
//! promoters, token holders, proposals and treasury flows, created on one chain through the
//! real contracts, with every order's metadata document uploaded through the real API.
//!
//! [`seed`] is what `cointent-dev` (the local stack) calls on a chain's first start, and
//! `cointent-demo` by hand.
//! It refuses a chain that already has orders, so the world is made once per chain;
//! uploading the metadata documents again is harmless (the API answers 200 for a stored
//! document), so a run that only lacked the API can be repeated with `--metadata-only`.
//!
//! Time: deadlines, review periods and the timelock delay are passed with anvil's
//! `evm_increaseTime`. The governor's voting period (50 400 blocks) is too long to mine
//! on anvil in a demo (about 100 blocks a second), so for the one proposal that is
//! executed the seeder shortens the period in the governor's storage and restores it
//! right after the proposal is made: that proposal records its real, short deadline in
//! its `ProposalCreated` event; everything else runs with the deployed parameters.

mod api;
mod chain;
mod content;
mod world;

use std::path::PathBuf;

pub use world::Report;

/// Which of the two demo worlds to build; the second chain gets a slightly different one
/// (other prices and quantities, other orders in each state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    /// The first chain's world.
    #[default]
    A,
    /// The second chain's world.
    B,
}

/// What to seed and where.
#[derive(Debug, Clone)]
pub struct Options {
    /// JSON-RPC URL of the chain (an anvil: the seeder moves its clock).
    pub rpc: String,
    /// `deployments/<chain id>.json` written by `script/Deploy.s.sol`.
    pub deployment: PathBuf,
    /// Base URL of `cointent serve` (its `http.public_url`), for the metadata uploads;
    /// `None` skips them.
    pub api: Option<String>,
    /// Which world.
    pub variant: Variant,
    /// Only upload the metadata documents of a chain seeded before.
    pub metadata_only: bool,
}

/// Seeds the chain of `options` and uploads the product pictures and the metadata
/// documents; prints one progress line per step. The shop's products name their pictures by
/// URL under `api` (content-addressed, so the URL is known before the upload); without
/// `api` they have none.
pub async fn seed(options: &Options) -> eyre::Result<Report> {
    let people = world::People::new();
    let chain = chain::Chain::connect(&options.rpc, &options.deployment, &people).await?;
    let api = options.api.as_deref();
    let report = if options.metadata_only {
        world::Report::documents_only(&chain, &people, api)
    } else {
        world::build(&chain, &people, options.variant, api).await?
    };
    match &options.api {
        Some(base) => {
            let pictures = api::upload_pictures(base, chain.chain_id, &report.pictures).await?;
            say(chain.chain_id, &format!("{pictures} product pictures uploaded to {base}"));
            let uploaded = api::upload_all(base, chain.chain_id, &report.documents).await?;
            say(chain.chain_id, &format!("{uploaded} metadata documents uploaded to {base}"));
        }
        None => say(chain.chain_id, "no --api: metadata documents not uploaded"),
    }
    Ok(report)
}

/// One of the ten funded anvil dev accounts and its role in the demo.
#[derive(Debug, Clone)]
pub struct DevAccount {
    /// Checksummed address.
    pub address: String,
    /// Private key (public knowledge: anvil's default mnemonic).
    pub key: &'static str,
    /// Who this is in the demo.
    pub name: &'static str,
    /// What this account does in the demo.
    pub role: &'static str,
}

/// The ten dev accounts with their demo roles, to import into a wallet.
pub fn dev_accounts() -> Vec<DevAccount> {
    world::People::new()
        .dev_accounts()
        .into_iter()
        .map(|(address, key, name, role)| DevAccount {
            address: address.to_checksum(None),
            key,
            name,
            role,
        })
        .collect()
}

/// The dev accounts as `cointent-demo --accounts` and `cointent-dev` print them: address,
/// name and role on one line, the key on the next.
pub fn dev_accounts_text() -> String {
    dev_accounts()
        .iter()
        .enumerate()
        .map(|(i, a)| format!("  #{i} {}  {}: {}\n     key {}\n", a.address, a.name, a.role, a.key))
        .collect()
}

/// One progress line.
pub(crate) fn say(chain_id: u64, line: &str) {
    println!("[demo {chain_id}] {line}");
}
