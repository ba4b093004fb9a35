//! Rust bindings for the Co-Intent contracts (Escrow v2).
//!
//! The ABI JSON in `abi/json/` is exported from the Solidity sources by `script/export-abi`
//! (CI fails when it is stale). Each contract becomes a module of `sol!` types: calls to
//! encode, events and custom errors to decode. Both the indexer (native) and the app (WASM)
//! use these, so the crate depends on `alloy-sol-types` only: no provider, no transport.
//!
//! # Where the Escrow's types live
//!
//! [`IEscrow`] is the one home of the Escrow's shared types: the typed
//! [`Terms`](IEscrow::Terms) (with [`Milestone`](IEscrow::Milestone) and
//! [`Split`](IEscrow::Split); also the EIP-712 type a seller signs), the records
//! [`OrderState`](IEscrow::OrderState), [`OrderAux`](IEscrow::OrderAux),
//! [`Dispute`](IEscrow::Dispute), [`PromoterPool`](IEscrow::PromoterPool) and
//! [`Participant`](IEscrow::Participant), and the `uint8` value types
//! [`Status`](IEscrow::Status) and [`MilestoneState`](IEscrow::MilestoneState). They come from
//! the [`EscrowLens`] ABI, the only one whose functions take or return the structs
//! (`packTerms`, `unpackTerms`, `orderState`, ...), so the lens's calls use them directly.
//!
//! The [`Escrow`] itself takes terms as packed `bytes` (see `cointent_domain::terms`) and
//! names only the two enums. `sol!` gives every JSON ABI its own copy of the libraries it
//! references, and two copies of `IEscrow` cannot share a module, so the Escrow's bindings
//! live in [`escrow`] (re-exported here as [`Escrow`]). Nothing is lost: `sol!` writes a value
//! type's fields as the underlying `u8` (`Escrow::WrongStatus::status`,
//! `Escrow::Finalized::status`, `IEscrow::OrderState::status` alike), which
//! `cointent_domain::OrderStatus::try_from` reads.
//!
//! The [`Shop`]'s listings take the Escrow's `Milestone` and `Split` structs, so its bindings
//! get their own copy of `IEscrow` too and live in [`shop`] (re-exported as [`Shop`]), next to
//! its own types ([`shop::IShop::Listing`], [`shop::IShop::Item`], [`shop::IShop::Permit`]).
//!
//! ```
//! use alloy_sol_types::SolCall;
//! use cointent_abi::{DemoStablecoin, Escrow, IEscrow};
//! let call = DemoStablecoin::decimalsCall {};
//! assert_eq!(call.abi_encode(), DemoStablecoin::decimalsCall::SELECTOR.to_vec());
//! // Statuses are plain `u8`s in the Escrow's errors and events and in the lens's records.
//! let err = Escrow::WrongStatus { orderId: Default::default(), status: 6 };
//! let state = IEscrow::OrderState { status: err.status, ..Default::default() };
//! assert_eq!(state.status, 6);
//! ```

#![allow(missing_docs, clippy::too_many_arguments)] // generated from the ABIs

use alloy_sol_types::sol;

/// Each contract's ABI JSON by contract name, for dynamic decoding (the indexer).
pub const ABI_JSON: &[(&str, &str)] = &[
    ("CointentGovernor", include_str!("../json/CointentGovernor.json")),
    ("DemoStablecoin", include_str!("../json/DemoStablecoin.json")),
    ("Escrow", include_str!("../json/Escrow.json")),
    ("EscrowLens", include_str!("../json/EscrowLens.json")),
    ("Shop", include_str!("../json/Shop.json")),
    ("TeamVesting", include_str!("../json/TeamVesting.json")),
    ("TermsVerifier", include_str!("../json/TermsVerifier.json")),
    ("TimelockController", include_str!("../json/TimelockController.json")),
    ("Token", include_str!("../json/Token.json")),
    ("Treasury", include_str!("../json/Treasury.json")),
];

/// The creation code of `ValidateSigOffchain` (contracts/src/UniversalSigValidator.sol) as
/// hex without `0x`, ending in a newline: ERC-6492's deployless signature check. Append
/// `abi.encode(signer, hash, signature)` and send it as an `eth_call` without `to`; the
/// output is one byte, 1 when the signature is valid.
pub const VALIDATE_SIG_OFFCHAIN_HEX: &str = include_str!("../bytecode/ValidateSigOffchain.hex");

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

// Defines `IEscrow` (every shared struct and both enums) next to `EscrowLens`.
sol!(
    #[derive(Debug, Default, PartialEq, Eq)]
    EscrowLens,
    "json/EscrowLens.json"
);

/// The Escrow's bindings, apart from [`IEscrow`] (see the crate docs): `escrow::IEscrow`
/// only repeats the two enums' value types.
pub mod escrow {
    #![allow(missing_docs)]

    use alloy_sol_types::sol;

    sol!(
        #[derive(Debug, PartialEq, Eq)]
        Escrow,
        "json/Escrow.json"
    );
}

pub use escrow::Escrow;

/// The Shop's bindings, with their own copy of the Escrow's `Milestone` and `Split` (see the
/// crate docs).
pub mod shop {
    #![allow(missing_docs)]

    use alloy_sol_types::sol;

    sol!(
        #[derive(Debug, PartialEq, Eq)]
        Shop,
        "json/Shop.json"
    );
}

pub use shop::Shop;

sol!(
    #[derive(Debug, PartialEq, Eq)]
    TeamVesting,
    "json/TeamVesting.json"
);

sol!(
    #[derive(Debug, PartialEq, Eq)]
    TermsVerifier,
    "json/TermsVerifier.json"
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

#[cfg(test)]
mod tests {
    use alloy_sol_types::{SolCall, SolEvent, SolStruct};

    use super::*;

    #[test]
    fn every_abi_is_listed_and_parses_to_the_bindings() {
        let names: Vec<&str> = ABI_JSON.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "CointentGovernor",
                "DemoStablecoin",
                "Escrow",
                "EscrowLens",
                "Shop",
                "TeamVesting",
                "TermsVerifier",
                "TimelockController",
                "Token",
                "Treasury"
            ]
        );
        // A few selectors the product relies on, against the JSON's own signatures.
        assert_eq!(
            Escrow::OrderCreated::SIGNATURE,
            "OrderCreated(uint256,address,address,address,bytes)"
        );
        assert_eq!(
            Escrow::DisputeRuled::SIGNATURE,
            "DisputeRuled(uint256,uint256,uint256,uint256,uint256,bool,bool,bool,address,uint256,uint256)"
        );
        assert_eq!(Escrow::createOrderForCall::SIGNATURE, "createOrderFor(bytes,bytes)");
        assert_eq!(
            EscrowLens::packTermsCall::SIGNATURE,
            "packTerms((address,address,uint96,uint32,uint32,uint40,uint32,uint32,uint16,uint16,\
             uint16,address,address,bytes32,(uint16,uint32)[],(address,uint16)[]))"
        );
        assert_eq!(TermsVerifier::digestCall::SIGNATURE, "digest(address,bytes)");
        assert_eq!(Escrow::createSaleCall::SIGNATURE, "createSale(bytes,address,uint32,address)");
        assert_eq!(Shop::buyCall::SIGNATURE, "buy(uint256,uint32,address,uint256)");
        assert_eq!(Shop::buyCartCall::SIGNATURE, "buyCart((uint256,uint32,address,uint256)[])");
        assert_eq!(
            Shop::Purchased::SIGNATURE,
            "Purchased(uint256,uint256,address,uint256,uint256,uint256)"
        );
    }

    #[test]
    fn the_terms_struct_is_the_eip712_type_sellers_sign() {
        // `PackedTerms.TERMS_TYPEHASH`'s string.
        assert_eq!(
            IEscrow::Terms::eip712_encode_type(),
            "Terms(address seller,address token,uint96 unitPrice,uint32 minUnits,uint32 \
             maxUnits,uint40 fundingDeadline,uint32 reviewPeriod,uint32 rulingPeriod,uint16 \
             promoterBps,uint16 feeBps,uint16 bondBps,address soleBuyer,address arbiter,bytes32 \
             metadataHash,Milestone[] milestones,Split[] splits)Milestone(uint16 bps,uint32 \
             deliveryPeriod)Split(address recipient,uint16 bps)"
        );
    }
}
