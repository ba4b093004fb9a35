//! `GET /v1/transparency/{chain_id}/{order_id}`: the record repeats the order detail.

use cointent_domain::{orders::OrderDetail, transparency::TransparencyRecord};

use crate::fixtures::round_trip;

#[test]
fn records_read_and_write_back_and_match_the_order() {
    for n in [1, 3, 5, 6, 8, 9] {
        let r: TransparencyRecord = round_trip(&format!("transparency_{n}"));
        let d: OrderDetail = round_trip(&format!("order_{n}"));
        assert_eq!(r.record.summary, d.summary);
        assert_eq!(r.record.terms, d.terms);
        assert_eq!(r.record.milestones, d.milestones);
        assert_eq!(r.record.price_breakdown, d.price_breakdown);
        assert_eq!(r.record.metadata, d.metadata);
        assert_eq!(r.proof, d.proof);
        assert!(r.proof.contract.is_some() && r.proof.rpc_url.is_some());
    }
}
