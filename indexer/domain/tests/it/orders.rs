//! `GET /v1/orders` and `GET /v1/orders/{chain_id}/{order_id}`, and what the domain computes
//! of them: the price breakdown (the payout cascade), the proof's hash, the kind.

use std::collections::BTreeSet;

use cointent_domain::{
    OrderKind, OrderStatus, Page, U256,
    orders::{OrderDetail, OrderSummary},
    payout,
    terms::{terms_abi, terms_hash},
};

use crate::fixtures::{ORDERS, round_trip};

#[test]
fn order_lists_read_and_write_back() {
    let all: Page<OrderSummary> = round_trip("orders_all");
    assert_eq!(all.items.len(), 10);
    assert_eq!(all.next_cursor, None);
    let kinds: BTreeSet<OrderKind> = all.items.iter().map(|o| o.kind).collect();
    assert_eq!(kinds.len(), 3, "the demo has every kind");
    let statuses: BTreeSet<OrderStatus> = all.items.iter().map(|o| o.status).collect();
    assert!(statuses.len() >= 5, "{statuses:?}");
    let page: Page<OrderSummary> = round_trip("orders_page");
    assert_eq!(page.items.len(), 3);
    assert!(page.next_cursor.is_some());
    let _: Page<OrderSummary> = round_trip("account_orders");
}

#[test]
fn order_details_read_and_write_back_and_agree_with_the_domain() {
    for name in ORDERS {
        let d: OrderDetail = round_trip(name);
        let (s, t) = (&d.summary, &d.terms);
        assert_eq!(s.kind, t.kind(), "{name}");
        assert_eq!((s.seller, s.token, s.unit_price), (t.seller, t.token, t.unit_price), "{name}");
        assert_eq!((s.fee_bps, s.promoter_bps), (t.fee_bps, t.promoter_bps), "{name}");
        assert_eq!((s.min_units, s.max_units), (u64::from(t.min_units), u64::from(t.max_units)));
        assert_eq!(s.milestone_count as usize, t.milestone_bps.len(), "{name}");
        let bps: Vec<u16> = d.milestones.iter().map(|m| m.bps).collect();
        assert_eq!(bps, t.milestone_bps, "{name}");

        // The proof: the ABI terms hash to the order's terms hash.
        let abi = t.to_abi().unwrap();
        assert_eq!(terms_hash(&abi), s.terms_hash, "{name}");
        assert_eq!(d.proof.terms_hash, s.terms_hash, "{name}");
        assert_eq!(terms_abi(&abi), d.proof.terms_abi, "{name}");
        assert_eq!(&d.proof.terms, t, "{name}");

        // The price breakdown the indexer computed is the domain's cascade.
        let f = d.figures();
        let expected = payout::price_breakdown(
            &t.payout(),
            t.unit_price.0,
            s.funded.0,
            f.released,
            f.promoted_units,
            f.units_pledged,
        );
        assert_eq!(d.price_breakdown, expected, "{name}");
        for b in
            [&d.price_breakdown.per_unit, &d.price_breakdown.funded, &d.price_breakdown.released]
        {
            assert_eq!(b.parts_sum(), b.amount.0, "{name}");
        }

        if let Some(doc) = &d.metadata {
            let doc = doc.document().unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(Some(&doc.title), s.title.as_ref(), "{name}");
        }
        let released: U256 = d.milestones.iter().map(|m| m.released_amount.0).sum();
        assert_eq!(released, s.released.0, "{name}");
    }
}

/// With `time`, the terms' text comes from the ABI terms exactly as the indexer wrote it, and
/// the summary's Postgres-written deadline is the same instant.
#[cfg(feature = "time")]
#[test]
fn deadlines_format_as_the_indexer_did() {
    use cointent_domain::Terms;
    for name in ORDERS {
        let d: OrderDetail = crate::fixtures::round_trip(name);
        let abi = d.terms.to_abi().unwrap();
        assert_eq!(Terms::from_abi(&abi), d.terms, "{name}");
        let unix = d.summary.funding_deadline.to_unix().unwrap();
        assert_eq!(unix, d.terms.funding_deadline_unix as i64, "{name}");
        assert!(d.summary.funding_deadline.as_str().ends_with("+00:00"));
        assert!(d.terms.funding_deadline.as_str().ends_with('Z'));
    }
}
