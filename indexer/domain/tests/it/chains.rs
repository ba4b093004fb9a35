//! `GET /v1/chains`.

use cointent_domain::chains::ChainInfo;

use crate::fixtures::round_trip;

#[test]
fn chains_read_and_write_back() {
    let chains: Vec<ChainInfo> = round_trip("chains");
    assert_eq!(chains.len(), 1);
    let c = &chains[0];
    assert_eq!(c.chain_id, 31337);
    assert!(c.contract("escrow").is_some() && c.contract("stablecoin").is_some());
    assert!(c.live && c.lag >= 0);
}
