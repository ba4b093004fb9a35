//! The `chains` area of the API: `GET /v1/chains`, every configured chain ([`ChainInfo`]), and
//! `GET /v1/walletconnect` ([`WalletConnectInfo`]).

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
    /// Whether the chain is a test network.
    pub testnet: bool,
    /// The chain's native currency.
    pub native_currency: NativeCurrency,
    /// The block explorer's base URL (`https://basescan.org`), when known; transactions are
    /// at `{explorer}/tx/{hash}`, addresses at `{explorer}/address/{address}`.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub explorer: Option<String>,
    /// The RPC URL browsers use (the transparency page checks records against it).
    pub rpc_url: String,
    /// Deployment name (`escrow`, `escrow_lens`, `terms_verifier`, `token`, `treasury`,
    /// `governor`, `timelock`, `team_vesting`, and `stablecoin` on local chains) to address.
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
    /// The tokens new orders may be paid in on this chain (the Escrow's allowlist, kept by
    /// governance), the native coin as the zero address.
    pub payment_tokens: Vec<PaymentToken>,
}

/// A chain's native currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NativeCurrency {
    /// Its name (`Ether`).
    pub name: String,
    /// Its symbol (`ETH`, `POL`).
    pub symbol: String,
    /// Its decimals.
    pub decimals: u8,
}

/// One token of a chain's payment-token allowlist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentToken {
    /// The token; the zero address for the chain's native coin.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub address: Address,
    /// Its symbol (`dUSD`, `ETH`), when known.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub symbol: Option<String>,
    /// Its decimals, when known.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub decimals: Option<u8>,
}

impl PaymentToken {
    /// Whether this is the chain's native coin.
    pub fn is_native(&self) -> bool {
        self.address == Address::ZERO
    }
}

impl ChainInfo {
    /// The address of deployment `name` (`escrow`, `stablecoin`, ...), if the chain has it.
    pub fn contract(&self, name: &str) -> Option<Address> {
        self.contracts.get(name).copied()
    }

    /// Whether new orders on this chain may be paid in `token` (the zero address: the native
    /// coin).
    pub fn accepts(&self, token: Address) -> bool {
        self.payment_tokens.iter().any(|t| t.address == token)
    }
}

/// `GET /v1/walletconnect`: what the app needs to pair a phone wallet through WalletConnect
/// v2, from the server's `[walletconnect]` configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletConnectInfo {
    /// The WalletConnect Cloud project id; null when the server has none, and then the app
    /// offers no WalletConnect entry.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub project_id: Option<String>,
    /// The relay's WebSocket URL.
    pub relay_url: String,
}
