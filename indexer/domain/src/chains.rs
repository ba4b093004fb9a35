//! The `chains` area of the API: `GET /v1/chains`, every configured chain ([`ChainInfo`]).

use std::collections::BTreeMap;

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

/// One configured chain: what a browser needs to reach it and how far the mirror has got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainInfo {
    /// The chain id.
    pub chain_id: u64,
    /// The configured name.
    pub name: String,
    /// The RPC URL browsers use (the transparency page checks records against it).
    pub rpc_url: String,
    /// Deployment name (`escrow`, `token`, `treasury`, `governor`, `timelock`, `stablecoin`)
    /// to address.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = BTreeMap<String, crate::primitives::schema::Address>)
    )]
    pub contracts: BTreeMap<String, Address>,
    /// Blocks behind the head after which the mirror treats a block as final.
    pub finality_depth: u64,
    /// The latest head the indexer saw (0 before the first).
    pub head_block: i64,
    /// The last block committed to the mirror (the start block - 1 before the first).
    pub indexed_block: i64,
    /// Blocks the mirror is behind the head (at least 0).
    pub lag: i64,
    /// Whether the mirror follows the head (within the finality depth).
    pub live: bool,
    /// Events in the mirror.
    pub events: i64,
    /// Reorgs rolled back.
    pub reorgs: i64,
}

impl ChainInfo {
    /// The address of deployment `name` (`escrow`, `stablecoin`, ...), if the chain has it.
    pub fn contract(&self, name: &str) -> Option<Address> {
        self.contracts.get(name).copied()
    }
}
