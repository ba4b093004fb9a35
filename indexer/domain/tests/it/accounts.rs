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
