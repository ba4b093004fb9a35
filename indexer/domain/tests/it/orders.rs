//! `GET /v1/orders` and `GET /v1/orders/{chain_id}/{order_id}`, and what the domain computes
//! of them: the price breakdown (the payout cascade), the released amount and each party's
//! figures, the proof's hash, the kind.

use std::collections::BTreeSet;

use cointent_domain::{
    MilestoneState, OrderKind, OrderStatus, Page, Terms, U256,
    orders::{OrderDetail, OrderSummary},
    payout::{self, Participant},
    terms::terms_hash,
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
    // The lists carry the same summaries as the details.
    for s in &all.items {
        let d: OrderDetail = round_trip(&format!("order_{}", s.order_id));
        assert_eq!(s, &d.summary);
    }
}

#[test]
fn order_details_read_and_write_back_and_agree_with_the_domain() {
    for name in ORDERS {
        let d: OrderDetail = round_trip(name);
        let (s, t, f) = (&d.summary, &d.terms, &d.figures);
        assert_eq!(s.kind, t.kind(), "{name}");
        assert_eq!((s.seller, s.token, s.unit_price), (t.seller, t.token, t.unit_price), "{name}");
        assert_eq!((s.fee_bps, s.promoter_bps), (t.fee_bps, t.promoter_bps), "{name}");
        assert_eq!((s.min_units, s.max_units), (u64::from(t.min_units), u64::from(t.max_units)));
        assert_eq!(s.milestone_count as usize, t.milestones.len(), "{name}");
        let shapes: Vec<(u16, u32)> =
            d.milestones.iter().map(|m| (m.bps, m.delivery_period)).collect();
        let terms: Vec<(u16, u32)> =
            t.milestones.iter().map(|m| (m.bps, m.delivery_period)).collect();
        assert_eq!(shapes, terms, "{name}");

        // The proof: the packed terms unpack to the terms and hash to the order's terms hash.
        assert_eq!(t.pack().unwrap(), d.proof.terms_packed, "{name}");
        assert_eq!(&Terms::unpack(&d.proof.terms_packed).unwrap(), t, "{name}");
        assert_eq!(terms_hash(&d.proof.terms_packed), s.terms_hash, "{name}");
        assert_eq!(t.hash().unwrap(), s.terms_hash, "{name}");
        assert_eq!(d.proof.terms_hash, s.terms_hash, "{name}");
        assert_eq!(&d.proof.terms, t, "{name}");

        // The Escrow's records agree with the summary, and the domain's money rules with
        // what the indexer computed from them.
        assert_eq!(
            (f.status, f.units_pledged, f.weighted_units),
            (s.status, s.units_pledged, s.weighted_units),
            "{name}"
        );
        assert_eq!(f.milestone, s.current_milestone, "{name}");
        assert_eq!(payout::released(t, f), s.released.0, "{name}");
        let released: U256 = d.milestones.iter().map(|m| m.released_amount.0).sum();
        assert_eq!(released, s.released.0, "{name}");
        let withheld: U256 = d.milestones.iter().map(|m| m.withheld_amount.0).sum();
        assert_eq!(withheld, f.withheld.0, "{name}");
        for (i, m) in d.milestones.iter().enumerate() {
            assert_eq!(m.amount.0, payout::milestone_amount(t, s.units_pledged, i), "{name} {i}");
            assert_eq!(m.dispute_bond.is_some(), m.disputed_by.is_some(), "{name} {i}");
        }
        assert_eq!(
            s.dispute_bond.map(|b| b.0),
            (s.status == OrderStatus::Active && f.milestone_state != MilestoneState::Disputed)
                .then(|| payout::dispute_bond(t, f)),
            "{name}"
        );
        for x in &d.disputes {
            assert_eq!(Some(x.bond), d.milestones[x.milestone as usize].dispute_bond, "{name}");
            assert_eq!(x.outcome.is_some(), x.resolved, "{name}");
            assert_eq!(x.outcome, d.milestones[x.milestone as usize].ruling, "{name}");
        }
        let promoted = |a| d.promotions.iter().find(|p| p.promoter == a).map_or(0, |p| p.units);
        for p in &d.pledges {
            let who =
                Participant { units: p.units, promoted: promoted(p.backer), ..Default::default() };
            assert_eq!(p.weighted, payout::weight(t, &who, p.backer) > 0, "{name} {}", p.backer);
            assert_eq!(p.refundable.0, payout::refundable(t, f, &who), "{name} {}", p.backer);
        }
        assert_eq!(f.promoted_units, d.promotions.iter().map(|p| p.units).sum::<u64>(), "{name}");
        for p in &d.promotions {
            let who = Participant { promoted: p.units, closed: p.closed, ..Default::default() };
            assert_eq!(
                p.commission_claimable.0,
                payout::commission_claimable(t, f, &who, p.commission_claimed.0),
                "{name} {}",
                p.promoter
            );
        }

        // The price breakdown the indexer computed is the domain's cascade.
        let expected = payout::price_breakdown(
            &t.payout(),
            t.unit_price.0,
            s.funded.0,
            s.released.0,
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
    }
}

/// With `time`, the terms' text is the deadline's, and the summary's Postgres-written times
/// are the phase deadlines the domain computes from the records.
#[cfg(feature = "time")]
#[test]
fn deadlines_agree_with_the_records() {
    for name in ORDERS {
        let d: OrderDetail = crate::fixtures::round_trip(name);
        let abi = d.terms.to_abi().unwrap();
        assert_eq!(Terms::from_abi(&abi), d.terms, "{name}");
        let unix = d.summary.funding_deadline.to_unix().unwrap();
        assert_eq!(unix, d.terms.funding_deadline_unix as i64, "{name}");
        assert!(d.summary.funding_deadline.as_str().ends_with("+00:00"));
        assert!(d.terms.funding_deadline.as_str().ends_with('Z'));
        let s = &d.summary;
        let shown = [&s.deliver_by, &s.review_ends_at, &s.ruling_ends_at]
            .into_iter()
            .find_map(|t| t.as_ref())
            .map(|t| t.to_unix().unwrap() as u64);
        let phase = payout::deadline(&d.terms, &d.figures);
        match d.summary.status {
            OrderStatus::Active => assert_eq!(shown, phase, "{name}"),
            OrderStatus::Funding => assert_eq!(phase, Some(d.terms.funding_deadline_unix)),
            _ => assert_eq!((shown, phase), (None, None), "{name}"),
        }
        if let (Some(by), Some(m)) = (&s.deliver_by, d.milestones.get(s.current_milestone as usize))
        {
            assert_eq!(m.deliver_by.as_ref(), Some(by), "{name}");
        }
    }
}
