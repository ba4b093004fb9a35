//! Rust bindings for the Co-Intent contracts.
//!
//! The ABI JSON in `abi/json/` is exported from the Solidity sources by `script/export-abi`
//! (CI fails when it is stale). Each contract becomes a module of `sol!` types: calls to
//! encode, events and custom errors to decode. Both the indexer (native) and the app (WASM)
//! use these, so the crate depends on `alloy-sol-types` only: no provider, no transport.
//!
//! ```
//! use alloy_sol_types::SolCall;
//! use cointent_abi::DemoStablecoin;
//! let call = DemoStablecoin::decimalsCall {};
//! assert_eq!(call.abi_encode(), DemoStablecoin::decimalsCall::SELECTOR.to_vec());
//! ```

#![allow(missing_docs, clippy::too_many_arguments)] // generated from the ABIs

use alloy_sol_types::sol;

/// Each contract's ABI JSON by contract name, for dynamic decoding (the indexer).
pub const ABI_JSON: &[(&str, &str)] = &[
    ("CointentGovernor", include_str!("../json/CointentGovernor.json")),
    ("DemoStablecoin", include_str!("../json/DemoStablecoin.json")),
    ("Escrow", include_str!("../json/Escrow.json")),
    ("TimelockController", include_str!("../json/TimelockController.json")),
    ("Token", include_str!("../json/Token.json")),
    ("Treasury", include_str!("../json/Treasury.json")),
];

sol!(
    #[derive(Debug, PartialEq, Eq)]
    CointentGovernor,
    "json/CointentGovernor.json"
);

sol!(
    #[derive(Debug, PartialEq, Eq)]
    DemoStablecoin,
    "json/DemoStablecoin.json"
);

sol!(
    #[derive(Debug, PartialEq, Eq)]
    Escrow,
    "json/Escrow.json"
);

sol!(
    #[derive(Debug, PartialEq, Eq)]
    TimelockController,
    "json/TimelockController.json"
);

sol!(
    #[derive(Debug, PartialEq, Eq)]
    Token,
    "json/Token.json"
);

sol!(
    #[derive(Debug, PartialEq, Eq)]
    Treasury,
    "json/Treasury.json"
);
