//! The `events` area of the API: `GET /v1/events` (a [`Page`](crate::Page) of [`Event`]) and
//! `GET /v1/events/stream`, whose server-sent events each carry one [`Event`] as data.

use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};

use crate::DateTime;

/// One mirrored contract event, with its arguments decoded by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// The chain.
    pub chain_id: u64,
    /// The block.
    pub block_number: u64,
    /// The log's index in its block.
    pub log_index: u32,
    /// The block's hash.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub block_hash: B256,
    /// The block's time.
    pub block_time: DateTime,
    /// The transaction.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub tx_hash: B256,
    /// Deployment name of the emitter (escrow, token, treasury, governor, timelock,
    /// stablecoin; unknown for other addresses).
    pub contract: String,
    /// The emitter's address.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub address: Address,
    /// The event's name in the ABI (`OrderCreated`, `Pledged`, ...).
    pub event: String,
    /// Decoded arguments by name; integers as decimal strings, addresses and bytes as
    /// lower-case hex (their shape depends on the event, so they stay JSON).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub args: serde_json::Map<String, serde_json::Value>,
}
