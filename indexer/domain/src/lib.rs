//! Co-Intent's shared domain: the types and rules that cross a boundary, defined once.
//!
//! The indexer's HTTP API serializes these types and the app (Leptos, compiled to WASM)
//! deserializes them. This first part is the vocabulary: the API's scalars ([`Amount`],
//! [`OrderId`], [`ProposalId`], [`DateTime`]; alloy's [`Address`] and [`B256`] already write
//! lower-case hex), the contract's [`OrderKind`], [`OrderStatus`] and [`MilestoneState`]
//! ([`lifecycle`]), amounts for people ([`amount`]) and, with the `time` feature, RFC 3339
//! from and to unix seconds (`time`).
//!
//! Nothing here does I/O; the crate compiles to `wasm32-unknown-unknown`.

pub mod amount;
pub mod lifecycle;
pub mod primitives;
#[cfg(feature = "time")]
pub mod time;

pub use alloy_primitives::{Address, B256, Bytes, U256};
pub use lifecycle::{MilestoneState, OrderKind, OrderStatus};
pub use primitives::{Amount, DateTime, OrderId, ProposalId};
