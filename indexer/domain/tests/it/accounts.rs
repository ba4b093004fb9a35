//! `GET /v1/accounts/{address}`.

use cointent_domain::{Address, OrderStatus, accounts::Account};

use crate::fixtures::round_trip;

#[test]
fn accounts_read_and_write_back() {
    for name in [
        "account_seller",
        "account_backer",
        "account_promoter",
        "account_arbiter",
        "account_treasury",
        "account_recipient",
        "account_partner",
        "account_unknown",
    ] {
        let a: Account = round_trip(name);
        let seller = &a.roles.seller;
        let by_status: u64 = OrderStatus::ALL.iter().map(|s| seller.by_status.get(*s)).sum();
        assert_eq!(by_status, seller.orders, "{name}");
        for e in &a.earnings {
            assert_eq!(e.total.0, e.share.0 + e.commission.0, "{name}");
        }
        for c in &a.claimable {
            assert_eq!(c.amount.0, c.credited.0 - c.withdrawn.0, "{name}");
        }
    }
    let seller: Account = round_trip("account_seller");
    assert!(seller.roles.seller.orders > 0 && !seller.reputation.is_empty());
    let nobody: Account = round_trip("account_unknown");
    assert_eq!(
        nobody.address,
        "0x000000000000000000000000000000000000dead".parse::<Address>().unwrap()
    );
    assert!(nobody.earnings.is_empty() && nobody.reputation.is_empty());
}

/// Every party of every captured order gets its position from the order's own record, and
/// a stranger gets none.
#[test]
fn dashboard_positions_come_from_the_order_record() {
    use alloy_primitives::U256;
    use cointent_domain::{MilestoneState, accounts::DashboardOrder, orders::OrderDetail, payout};
    let treasury: Address = "0x00000000000000000000000000000000000000ee".parse().unwrap();
    let stranger: Address = "0x000000000000000000000000000000000000dead".parse().unwrap();
    let (mut disputes, mut reviews, mut deliveries) = (0, 0, 0);
    for n in [1, 2, 3, 4, 5, 6, 7, 8, 10, 12] {
        let d: OrderDetail = round_trip(&format!("order_{n}"));
        let none = DashboardOrder::of(&d, stranger, treasury, U256::ZERO);
        assert!(none.maker.is_none() && none.backer.is_none(), "order {n}");
        assert!(none.promoter.is_none() && none.arbiter.is_none(), "order {n}");
        assert_eq!(none.terms_packed, d.proof.terms_packed);

        let seller = DashboardOrder::of(&d, d.terms.seller, treasury, U256::from(1u8));
        let maker = seller.maker.expect("the seller is a maker");
        let earned = payout::entitlement(&d.terms, treasury, &d.figures, d.terms.seller);
        assert_eq!(maker.earned.0, earned, "order {n}");
        assert_eq!(maker.claimable.0, earned.saturating_sub(U256::from(1u8)), "order {n}");
        let pending = d.summary.status == cointent_domain::OrderStatus::Active
            && d.figures.milestone_state == MilestoneState::Pending;
        assert_eq!(maker.delivery_due.is_some(), pending, "order {n}");
        if let Some(due) = maker.delivery_due {
            deliveries += 1;
            assert_eq!(Some(due.due_at), d.summary.deliver_by);
            assert_eq!(due.amount, d.milestones[d.summary.current_milestone as usize].amount);
        }

        for p in &d.pledges {
            let b = DashboardOrder::of(&d, p.backer, treasury, U256::ZERO).backer.unwrap();
            assert_eq!(
                (b.units, b.paid, b.refunded, b.refundable),
                (p.units, p.paid, p.refunded, p.refundable)
            );
            if let Some(due) = b.confirmation_due {
                reviews += 1;
                assert!(p.weighted);
                assert_eq!(Some(due.due_at), d.summary.review_ends_at);
            }
        }
        for p in d.promotions.iter().filter(|p| p.units > 0) {
            let mine = DashboardOrder::of(&d, p.promoter, treasury, U256::ZERO).promoter.unwrap();
            assert_eq!(
                (mine.claimed, mine.claimable),
                (p.commission_claimed, p.commission_claimable)
            );
        }
        let arbiter =
            DashboardOrder::of(&d, d.terms.arbiter, treasury, U256::ZERO).arbiter.unwrap();
        match d.disputes.iter().find(|x| !x.resolved) {
            None => assert!(arbiter.open_dispute.is_none(), "order {n}"),
            Some(x) => {
                disputes += 1;
                let case = arbiter.open_dispute.unwrap();
                assert_eq!((case.disputed_by, case.bond), (x.disputed_by, x.bond));
                assert_eq!(case.milestone.due_at, x.ruling_ends_at);
                assert_eq!(case.milestone.amount, d.milestones[x.milestone as usize].amount);
            }
        }
    }
    // The captured world has each kind of waiting state.
    assert!(disputes > 0 && reviews > 0 && deliveries > 0, "{disputes} {reviews} {deliveries}");
}
