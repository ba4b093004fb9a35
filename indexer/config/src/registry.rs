//! The chains Co-Intent knows: `chains/registry.json`, built into the binary. A
//! `[[chains]]` entry saying `registry = "base-sepolia"` takes the chain's id, name,
//! finality settings, block time (and from it a poll interval), explorer, native currency
//! and testnet flag from there; every field the entry gives itself wins.

use std::sync::OnceLock;

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

/// The registry file, as shipped.
const REGISTRY_JSON: &str = include_str!("../../../chains/registry.json");

/// A chain's native currency.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NativeCurrency {
    /// Its name (`Ether`).
    pub name: String,
    /// Its symbol (`ETH`, `POL`).
    pub symbol: String,
    /// Its decimals (18 on every EVM chain so far).
    pub decimals: u8,
}

/// A payment token the deploy script allows on a chain.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RegistryToken {
    /// Its symbol (`USDC`).
    pub symbol: String,
    /// Its address on the chain.
    pub address: Address,
    /// Its decimals.
    pub decimals: u8,
}

/// One chain of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RegistryChain {
    /// What a config entry names it by (`base-sepolia`).
    pub key: String,
    /// The EIP-155 chain id.
    pub chain_id: u64,
    /// Its human name.
    pub name: String,
    /// Whether it is a test network.
    pub testnet: bool,
    /// Its native currency.
    pub native_currency: NativeCurrency,
    /// The average time between blocks.
    pub block_time_ms: u64,
    /// The depth taken as final where the RPC does not answer the `finalized` tag.
    pub finality_depth: u64,
    /// Whether the chain answers the `finalized` block tag.
    pub finalized_tag: bool,
    /// The block explorer's base URL (none for local chains).
    #[serde(default)]
    pub explorer: Option<String>,
    /// The payment tokens the deploy script allows there.
    pub payment_tokens: Vec<RegistryToken>,
    /// A local development chain (anvil).
    #[serde(default)]
    pub local: bool,
}

#[derive(Deserialize)]
struct RegistryFile {
    chains: Vec<RegistryChain>,
}

/// Every chain of the registry, in the file's order.
pub fn registry() -> &'static [RegistryChain] {
    static CHAINS: OnceLock<Vec<RegistryChain>> = OnceLock::new();
    CHAINS.get_or_init(|| {
        // Checked by this module's tests: a broken file never ships.
        serde_json::from_str::<RegistryFile>(REGISTRY_JSON)
            .expect("chains/registry.json is valid")
            .chains
    })
}

/// The registry's chain named `key`.
pub fn lookup(key: &str) -> Option<&'static RegistryChain> {
    registry().iter().find(|c| c.key == key)
}

/// The poll interval a block time suggests: twice a block, between 100 ms and 6 s.
pub(crate) fn poll_interval_ms(block_time_ms: u64) -> u64 {
    (block_time_ms / 2).clamp(100, 6_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_registry_reads_and_is_consistent() {
        let chains = registry();
        let keys: Vec<&str> = chains.iter().map(|c| c.key.as_str()).collect();
        for key in [
            "ethereum",
            "base",
            "optimism",
            "arbitrum",
            "polygon",
            "sepolia",
            "base-sepolia",
            "op-sepolia",
            "arbitrum-sepolia",
            "polygon-amoy",
        ] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
        let mut ids: Vec<u64> = chains.iter().map(|c| c.chain_id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), chains.len(), "a chain id appears twice");
        for c in chains.iter().filter(|c| !c.local) {
            assert!(c.finality_depth >= 1 && c.block_time_ms > 0, "{}", c.key);
            assert!(c.explorer.as_deref().is_some_and(|e| e.starts_with("https://")), "{}", c.key);
            let usdc = c.payment_tokens.iter().find(|t| t.symbol == "USDC");
            assert!(
                usdc.is_some_and(|t| t.decimals == 6 && t.address != Address::ZERO),
                "{}",
                c.key
            );
        }
        assert_eq!(lookup("polygon").unwrap().native_currency.symbol, "POL");
        assert_eq!(lookup("base-sepolia").unwrap().chain_id, 84532);
        assert!(lookup("nope").is_none());
    }

    #[test]
    fn poll_intervals_follow_the_block_time_within_bounds() {
        assert_eq!(poll_interval_ms(12_000), 6_000);
        assert_eq!(poll_interval_ms(2_000), 1_000);
        assert_eq!(poll_interval_ms(250), 125);
        assert_eq!(poll_interval_ms(50), 100);
    }
}
