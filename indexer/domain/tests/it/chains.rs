//! `GET /v1/chains`.

use cointent_domain::{Address, chains::ChainInfo};

use crate::fixtures::round_trip;

#[test]
fn chains_read_and_write_back() {
    let chains: Vec<ChainInfo> = round_trip("chains");
    assert_eq!(chains.len(), 1);
    let c = &chains[0];
    assert_eq!(c.chain_id, 31337);
    assert!(c.contract("escrow").is_some() && c.contract("escrow_lens").is_some());
    assert!(c.live && c.lag >= 0);
    // A local chain takes its demo stablecoin and the native coin.
    let stablecoin = c.contract("stablecoin").unwrap();
    assert!(c.accepts(stablecoin) && c.accepts(Address::ZERO));
    assert!(!c.accepts(c.contract("token").unwrap()));
    assert!(c.payment_tokens.iter().any(|t| t.is_native() && t.decimals == Some(18)));
    // A local chain: a test network without an explorer, paying in Ether.
    assert!(c.testnet && c.explorer.is_none());
    assert_eq!((c.native_currency.symbol.as_str(), c.native_currency.decimals), ("ETH", 18));
}
