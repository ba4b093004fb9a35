//! A proposal's calls: built from what the proposal form says, and read back in words.
//!
//! The preview before signing and every proposal's card print the same sentences, decoded
//! from the calldata itself, so what a voter reads is what the timelock will execute. Pure
//! logic, tested natively; the page does the reading and sending.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use cointent_abi::{Escrow, ITreasury::Allocation, Treasury};
use cointent_domain::{amount::parse_units, chains::ChainInfo};

use crate::{
    eth,
    format::percent,
    i18n::{t, tf},
};

/// The most allocations the Treasury takes (its `MAX_ALLOCATIONS`).
pub(super) const MAX_ALLOCATIONS: usize = 8;

/// The three kinds of change the product's governance makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Change {
    /// Replace the treasury's allocation table (`Treasury.setAllocations`).
    Allocations(Vec<Allocation>),
    /// Set the platform fee on new orders, in basis points (`Escrow.setFeeBps`).
    Fee(u16),
    /// Add a payment token to the escrow's allowlist, or remove it
    /// (`Escrow.setTokenAllowed`).
    Token(Address, bool),
}

/// Calldata of a function whose arguments are all static words (numbers, addresses): its
/// selector, then each argument. One encoder for the page's many reads, rather than an
/// `abi_encode` compiled for each call type.
pub(super) fn calldata(selector: [u8; 4], args: &[U256]) -> Vec<u8> {
    let mut data = selector.to_vec();
    for a in args {
        data.extend_from_slice(&a.to_be_bytes::<32>());
    }
    data
}

/// An address as an ABI word.
pub(super) fn addr_word(a: Address) -> U256 {
    U256::from_be_slice(a.as_slice())
}

/// Word `i` of ABI data (return data, or arguments after the selector) as a number.
pub(super) fn word(data: &[u8], i: usize) -> Option<U256> {
    data.get(i * 32..i * 32 + 32).map(U256::from_be_slice)
}

/// One row of the allocation form as typed: label, recipient, percent.
pub(super) type Row = [String; 3];

/// A share typed in percent (`60`, `12.5`, `0.25`) as basis points.
pub(super) fn bps(text: &str) -> Result<u16, String> {
    let v = parse_units(text, 2)
        .map_err(|e| tf("“{0}” is not a percentage: {1}.", &[&text.trim(), &e]))?;
    if v > U256::from(10_000) {
        return Err(tf("{0}% is more than 100%.", &[&text.trim()]));
    }
    Ok(v.to::<u16>())
}

/// The allocation table of the typed rows (empty rows skipped): each with a label of at most
/// 31 bytes, a recipient and a share above 0%, together at most 100%.
pub(super) fn allocations(rows: &[Row]) -> Result<Vec<Allocation>, String> {
    let mut out = Vec::new();
    let mut sum = 0u32;
    for (i, [label, recipient, share]) in rows.iter().enumerate() {
        if label.trim().is_empty() && recipient.trim().is_empty() && share.trim().is_empty() {
            continue;
        }
        let n = i + 1;
        let label = label.trim().as_bytes();
        if label.is_empty() || label.len() > 31 {
            return Err(tf("Row {0}: the label must have 1 to 31 characters.", &[&n]));
        }
        let recipient = eth::parse_addr(recipient)
            .filter(|a| !a.is_zero())
            .ok_or_else(|| tf("Row {0}: the recipient must be an address.", &[&n]))?;
        let bps = bps(share).map_err(|e| tf("Row {0}: {1}", &[&n, &e]))?;
        if bps == 0 {
            return Err(tf("Row {0}: the share must be more than 0%.", &[&n]));
        }
        sum += u32::from(bps);
        let mut word = B256::ZERO;
        word[..label.len()].copy_from_slice(label);
        out.push(Allocation { label: word, recipient, bps });
    }
    if out.is_empty() {
        return Err(t("Give at least one allocation: a label, a recipient and a share."));
    }
    if out.len() > MAX_ALLOCATIONS {
        return Err(tf("The treasury takes at most {0} allocations.", &[&MAX_ALLOCATIONS]));
    }
    if sum > 10_000 {
        return Err(tf(
            "The shares add up to {0}: at most 100% can be allocated.",
            &[&percent(sum as u16)],
        ));
    }
    Ok(out)
}

/// A fee typed in percent, at most `max` basis points (the Escrow's `MAX_FEE_BPS`).
pub(super) fn fee(text: &str, max: u16) -> Result<u16, String> {
    let fee = bps(text)?;
    if fee > max {
        return Err(tf("The fee can be at most {0}.", &[&percent(max)]));
    }
    Ok(fee)
}

/// `Treasury.setAllocations` calldata: an array of static tuples is an offset, a length, then
/// each tuple's words.
fn allocations_calldata(list: &[Allocation]) -> Vec<u8> {
    let mut words = vec![U256::from(32), U256::from(list.len())];
    for a in list {
        words.extend([a.label.into(), addr_word(a.recipient), U256::from(a.bps)]);
    }
    calldata(Treasury::setAllocationsCall::SELECTOR, &words)
}

/// The allocation table of `setAllocations` arguments (the calldata after the selector).
fn decode_allocations(args: &[u8]) -> Option<Vec<Allocation>> {
    let at = word(args, 0)?.saturating_to::<usize>() / 32;
    let n = word(args, at)?.saturating_to::<usize>();
    (0..n.min(256))
        .map(|i| {
            let w = at + 1 + 3 * i;
            Some(Allocation {
                label: word(args, w)?.into(),
                recipient: args.get(w * 32 + 44..w * 32 + 64).map(Address::from_slice)?,
                bps: word(args, w + 2)?.saturating_to(),
            })
        })
        .collect()
}

/// The call that makes `change` on `chain`: target and calldata.
pub(super) fn call(chain: &ChainInfo, change: &Change) -> Result<(Address, Bytes), String> {
    let (contract, data) = match change {
        Change::Allocations(a) => ("treasury", allocations_calldata(a)),
        Change::Fee(f) => ("escrow", calldata(Escrow::setFeeBpsCall::SELECTOR, &[U256::from(*f)])),
        Change::Token(token, allowed) => (
            "escrow",
            calldata(
                Escrow::setTokenAllowedCall::SELECTOR,
                &[addr_word(*token), U256::from(*allowed as u8)],
            ),
        ),
    };
    let target = chain
        .contract(contract)
        .ok_or_else(|| tf("{0} has no {1} deployment.", &[&chain.name, &contract]))?;
    Ok((target, data.into()))
}

/// An address with the name people know it by, when there is one.
pub(super) fn named(names: &[(Address, String)], a: &Address) -> String {
    match names.iter().find(|(x, _)| x == a) {
        Some((_, n)) => format!("{n} ({})", eth::addr_hex(a)),
        None => eth::addr_hex(a),
    }
}

/// A payment token in words: its symbol on `chain` when the allowlist names it.
fn token_words(chain: &ChainInfo, token: &Address) -> String {
    if token.is_zero() {
        return tf("the native coin ({0})", &[&chain.native_currency.symbol]);
    }
    match chain.payment_tokens.iter().find(|t| t.address == *token).and_then(|t| t.symbol.clone()) {
        Some(s) => format!("{s} ({})", eth::addr_hex(token)),
        None => tf("the token {0}", &[&eth::addr_hex(token)]),
    }
}

/// One call of a proposal in words: the contract, the function, and its arguments as people
/// read them (percentages, names, addresses), never as hex.
pub(super) fn describe(
    chain: &ChainInfo,
    names: &[(Address, String)],
    target: &Address,
    data: &[u8],
) -> String {
    let contract = chain.contracts.iter().find(|(_, a)| *a == target).map(|(n, _)| n.as_str());
    let selector = data.get(..4).unwrap_or_default();
    match contract {
        Some("treasury") if selector == Treasury::setAllocationsCall::SELECTOR => {
            let Some(list) = decode_allocations(&data[4..]) else {
                return t("Treasury.setAllocations with arguments the app cannot read");
            };
            let rows: Vec<String> = list
                .iter()
                .map(|a| {
                    let end = a.label.iter().position(|b| *b == 0).unwrap_or(32);
                    tf(
                        "{0}: {1} to {2}",
                        &[
                            &String::from_utf8_lossy(&a.label[..end]),
                            &percent(a.bps),
                            &named(names, &a.recipient),
                        ],
                    )
                })
                .collect();
            let sum: u32 = list.iter().map(|a| u32::from(a.bps)).sum();
            let kept = 10_000u32.saturating_sub(sum) as u16;
            tf(
                "Treasury.setAllocations: each distribution of fees is shared as {0}; {1} stays in the treasury.",
                &[&rows.join("; "), &percent(kept)],
            )
        }
        Some("escrow") if selector == Escrow::setFeeBpsCall::SELECTOR => {
            let fee = word(&data[4..], 0).filter(|f| *f <= U256::from(10_000)).unwrap_or_default();
            let fee = fee.to::<u16>();
            tf(
                "Escrow.setFeeBps: the platform fee on new orders becomes {0} ({1} basis points).",
                &[&percent(fee), &fee],
            )
        }
        Some("escrow") if selector == Escrow::setTokenAllowedCall::SELECTOR => {
            let token = data.get(16..36).map(Address::from_slice).unwrap_or_default();
            let allowed = word(&data[4..], 1).is_some_and(|a| !a.is_zero());
            let token = token_words(chain, &token);
            if allowed {
                tf("Escrow.setTokenAllowed: new orders may be paid in {0}.", &[&token])
            } else {
                tf("Escrow.setTokenAllowed: new orders may no longer be paid in {0}.", &[&token])
            }
        }
        _ => tf(
            "A call to {0} that the app cannot read ({1} bytes of data).",
            &[&named(names, target), &data.len()],
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use cointent_domain::chains::{NativeCurrency, PaymentToken};

    use super::*;

    fn chain() -> ChainInfo {
        let mut contracts = BTreeMap::new();
        contracts.insert("treasury".into(), Address::repeat_byte(0x71));
        contracts.insert("escrow".into(), Address::repeat_byte(0xe5));
        ChainInfo {
            chain_id: 31337,
            name: "Local".into(),
            testnet: true,
            native_currency: NativeCurrency {
                name: "Ether".into(),
                symbol: "ETH".into(),
                decimals: 18,
            },
            explorer: None,
            rpc_url: String::new(),
            contracts,
            finality_depth: 0,
            head_block: 0,
            indexed_block: 0,
            lag: 0,
            live: true,
            events: 0,
            reorgs: 0,
            payment_tokens: vec![PaymentToken {
                address: Address::repeat_byte(0xd0),
                symbol: Some("dUSD".into()),
                decimals: Some(6),
            }],
        }
    }

    fn row(label: &str, to: &str, share: &str) -> Row {
        [label.into(), to.into(), share.into()]
    }

    #[test]
    fn percentages_become_basis_points() {
        for (text, bps) in [("60", 6000), ("12.5", 1250), ("0.25", 25), (" 100 ", 10_000), ("0", 0)]
        {
            assert_eq!(super::bps(text), Ok(bps), "{text}");
        }
        for text in ["", "100.01", "1.234", "-1", "sixty"] {
            assert!(super::bps(text).is_err(), "{text}");
        }
    }

    #[test]
    fn allocation_rows_are_checked_as_the_treasury_checks_them() {
        let nine = format!("0x{}", "09".repeat(20));
        let eight = format!("0x{}", "08".repeat(20));
        let ok = allocations(&[
            row("operations", &nine, "60"),
            row("", "", ""),
            row("carbon offsets", &eight, "40"),
        ])
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].bps, 6000);
        assert_eq!(&ok[1].label[..14], b"carbon offsets");
        assert_eq!(ok[1].label[14..], [0u8; 18]);
        let too_much = allocations(&[row("a", &nine, "60"), row("b", &eight, "40.5")]);
        assert_eq!(
            too_much.unwrap_err(),
            "The shares add up to 100.5%: at most 100% can be allocated."
        );
        assert_eq!(
            allocations(&[row("a", "0x12", "5")]).unwrap_err(),
            "Row 1: the recipient must be an address."
        );
        assert_eq!(
            allocations(&[row("a", &nine, "0")]).unwrap_err(),
            "Row 1: the share must be more than 0%."
        );
        assert!(allocations(&[row(&"x".repeat(32), &nine, "5")]).is_err());
        assert!(allocations(&[row("", "", "")]).is_err());
        let nine_rows: Vec<Row> = (0..9).map(|_| row("a", &nine, "1")).collect();
        assert!(allocations(&nine_rows).is_err());
    }

    #[test]
    fn hand_encoded_calldata_is_the_abi_encoding() {
        let list = allocations(&[
            row("operations", &format!("0x{}", "09".repeat(20)), "60"),
            row("carbon offsets", &format!("0x{}", "08".repeat(20)), "40"),
        ])
        .unwrap();
        let alloy = Treasury::setAllocationsCall { newAllocations: list.clone() }.abi_encode();
        assert_eq!(allocations_calldata(&list), alloy);
        assert_eq!(decode_allocations(&alloy[4..]), Some(list));
        let token = Address::repeat_byte(0xd0);
        let (_, data) = call(&chain(), &Change::Token(token, true)).unwrap();
        assert_eq!(data, Escrow::setTokenAllowedCall { token, allowed: true }.abi_encode());
        let (_, data) = call(&chain(), &Change::Fee(150)).unwrap();
        assert_eq!(data, Escrow::setFeeBpsCall { newFeeBps: 150 }.abi_encode());
    }

    #[test]
    fn the_fee_is_capped() {
        assert_eq!(fee("1.5", 500), Ok(150));
        assert_eq!(fee("5", 500), Ok(500));
        assert_eq!(fee("5.01", 500).unwrap_err(), "The fee can be at most 5%.");
    }

    #[test]
    fn calls_read_back_in_words() {
        let c = chain();
        let nine = Address::repeat_byte(9);
        let names = vec![(nine, "Rosa".to_owned())];
        let rows = [
            row("operations", &eth::addr_hex(&nine), "60"),
            row("carbon offsets", &format!("0x{}", "08".repeat(20)), "25"),
        ];
        let (target, data) = call(&c, &Change::Allocations(allocations(&rows).unwrap())).unwrap();
        assert_eq!(target, Address::repeat_byte(0x71));
        assert_eq!(
            describe(&c, &names, &target, &data),
            format!(
                "Treasury.setAllocations: each distribution of fees is shared as operations: 60% to Rosa (0x{n}); carbon offsets: 25% to 0x{e}; 15% stays in the treasury.",
                n = "09".repeat(20),
                e = "08".repeat(20)
            )
        );
        let (target, data) = call(&c, &Change::Fee(150)).unwrap();
        assert_eq!(
            describe(&c, &names, &target, &data),
            "Escrow.setFeeBps: the platform fee on new orders becomes 1.5% (150 basis points)."
        );
        let (target, data) = call(&c, &Change::Token(Address::repeat_byte(0xd0), false)).unwrap();
        assert_eq!(
            describe(&c, &names, &target, &data),
            format!(
                "Escrow.setTokenAllowed: new orders may no longer be paid in dUSD (0x{}).",
                "d0".repeat(20)
            )
        );
        let (target, data) = call(&c, &Change::Token(Address::ZERO, true)).unwrap();
        assert_eq!(
            describe(&c, &names, &target, &data),
            "Escrow.setTokenAllowed: new orders may be paid in the native coin (ETH)."
        );
        assert_eq!(
            describe(&c, &names, &nine, &[1, 2, 3, 4, 5]),
            format!(
                "A call to Rosa (0x{}) that the app cannot read (5 bytes of data).",
                "09".repeat(20)
            )
        );
    }
}
