//! The Escrow's payout cascade, the one Rust copy of `contracts/src/Escrow.sol`'s money
//! scheme (its top natspec, `_entitlement`, `_pool` and `_commission`).
//!
//! Let `R` be an amount released to the seller side (or any amount to break down). Each step
//! takes an exact floor and passes the remainder on:
//!
//! ```text
//! fee      = floor(R * feeBps / 10 000)                                     -> treasury
//! pool     = floor((R - fee) * promoterBps * promotedUnits / (10 000 * unitsPledged))
//! split i  = floor(rest_i * bps_i / (10 000 - bps_0 - ... - bps_{i-1}))     (rest_0 = R - fee - pool)
//! seller   = the last remainder
//! ```
//!
//! so the parts sum to `R` exactly. [`breakdown`] computes the parts; [`entitlement`],
//! [`claimable`] and [`commission_claimable`] compute what the contract's `claimable` and
//! `commissionClaimable` views return, from the terms and the order's figures (the
//! contract's own `orderState`, `claimedOf`, `promoterOf` and `promoterPoolOf` views, or the
//! indexer's mirror of them).
//!
//! Every function is total: for terms the Escrow accepts (fee at most 500 bps, promoter share
//! at most 10 000 bps, split bps summing to at most 10 000, promoted units at most the units
//! pledged) the results are the contract's; outside them, each part is capped at what is left,
//! so the parts still sum to the amount, where the contract would have reverted.
//!
//! ```
//! use cointent_domain::{Address, U256, payout::{self, PayoutTerms}, Split};
//! let terms = PayoutTerms {
//!     seller: Address::repeat_byte(4),
//!     fee_bps: 100,
//!     promoter_bps: 500,
//!     splits: vec![Split { bps: 1000, recipient: Address::repeat_byte(7) }],
//! };
//! // 60 000 000 released, 4 of 6 units pledged through promoters.
//! let b = payout::breakdown(&terms, U256::from(60_000_000), 4, 6);
//! assert_eq!(b.platform_fee.0, U256::from(600_000));
//! assert_eq!(b.promoter_pool.0, U256::from(1_980_000));
//! assert_eq!(b.splits[0].amount.0, U256::from(5_742_000));
//! assert_eq!(b.seller_amount.0, U256::from(51_678_000));
//! ```

use alloy_primitives::{Address, U256};
use cointent_abi::IEscrow;

use crate::{
    Amount, OrderStatus, Split, Terms,
    lifecycle::UnknownVariant,
    orders::{OrderBreakdown, OrderPriceBreakdown, SplitShare},
};

/// The denominator of every bps figure: 10 000 bps is the whole.
pub const BPS: u16 = 10_000;

/// What the cascade reads from an order's terms: the fee, the promoter share, the split table
/// and the seller. Built from the API's [`Terms`] or the ABI's `IEscrow::Terms` with `From`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutTerms {
    /// The seller, who takes the remainder.
    pub seller: Address,
    /// Platform fee in bps (the Escrow caps it at 500).
    pub fee_bps: u16,
    /// Promoters' share, in bps of what is left after the fee, for promoted units.
    pub promoter_bps: u16,
    /// The split table, in order.
    pub splits: Vec<Split>,
}

impl From<&Terms> for PayoutTerms {
    fn from(t: &Terms) -> Self {
        Self {
            seller: t.seller,
            fee_bps: t.fee_bps,
            promoter_bps: t.promoter_bps,
            splits: t.splits.clone(),
        }
    }
}

impl From<&IEscrow::Terms> for PayoutTerms {
    fn from(t: &IEscrow::Terms) -> Self {
        Self {
            seller: t.seller,
            fee_bps: t.feeBps,
            promoter_bps: t.promoterBps,
            splits: t.splits.iter().map(|s| Split { bps: s.bps, recipient: s.recipient }).collect(),
        }
    }
}

/// `floor(a * b / c)`, exactly and without overflow for every `a` when `b <= c` (the result is
/// then at most `a`): `a = q * c + r` gives `q * b + floor(r * b / c)`, and `r * b < c * b`
/// fits since both are below 2^128. Saturates when `b > c` (terms the Escrow refuses).
fn mul_div(a: U256, b: u128, c: u128) -> U256 {
    debug_assert!(c > 0);
    let (b, c) = (U256::from(b), U256::from(c));
    let (q, r) = a.div_rem(c);
    q.saturating_mul(b).saturating_add(r * b / c)
}

/// The Escrow's cascade applied to `amount`, for `promoted_units` of `units` units pledged
/// through promoters: the treasury's fee, the promoter pool, each split's part, and the
/// seller's remainder; the parts sum to `amount`.
///
/// As the API uses it: `amount` = an order's `released` gives what each party is entitled to
/// now (the contract's `_entitlement`); `funded` gives the final shares if everything is
/// released; the unit price with `promoted_units = units = 1` gives one promoted unit's parts.
pub fn breakdown(
    terms: &PayoutTerms,
    amount: U256,
    promoted_units: u64,
    units: u64,
) -> OrderBreakdown {
    let bps = u128::from(BPS);
    let fee = mul_div(amount, u128::from(terms.fee_bps), bps).min(amount);
    let after_fee = amount - fee;
    let pool = if promoted_units == 0 || units == 0 {
        U256::ZERO
    } else {
        let share = u128::from(terms.promoter_bps) * u128::from(promoted_units);
        mul_div(after_fee, share, bps * u128::from(units)).min(after_fee)
    };
    let mut rest = after_fee - pool;
    let mut remaining = bps;
    let splits = terms
        .splits
        .iter()
        .map(|s| {
            let share = if remaining == 0 {
                U256::ZERO
            } else {
                mul_div(rest, u128::from(s.bps), remaining).min(rest)
            };
            remaining = remaining.saturating_sub(u128::from(s.bps));
            rest -= share;
            SplitShare { amount: Amount(share), bps: s.bps, recipient: s.recipient }
        })
        .collect();
    OrderBreakdown {
        amount: Amount(amount),
        platform_fee: Amount(fee),
        promoter_pool: Amount(pool),
        seller: terms.seller,
        seller_amount: Amount(rest),
        splits,
    }
}

impl OrderBreakdown {
    /// What `account` gets of this breakdown as treasury (the fee), split recipient (every
    /// split naming it) and seller (the remainder), added up as the Escrow's `_entitlement`
    /// does. Promoters' commissions are not included: see [`commission_claimable`].
    pub fn entitlement(&self, account: Address, treasury: Address) -> U256 {
        let mut total = U256::ZERO;
        if account == treasury {
            total += self.platform_fee.0;
        }
        for s in self.splits.iter().filter(|s| s.recipient == account) {
            total += s.amount.0;
        }
        if account == self.seller {
            total += self.seller_amount.0;
        }
        total
    }

    /// The sum of the parts: the fee, the promoter pool, the splits and the seller's
    /// remainder. Equals `amount`.
    pub fn parts_sum(&self) -> U256 {
        let splits = self.splits.iter().fold(U256::ZERO, |sum, s| sum + s.amount.0);
        self.platform_fee.0 + self.promoter_pool.0 + splits + self.seller_amount.0
    }
}

/// An order's figures the payout views read (the Escrow's `OrderState`, or the indexer's
/// mirror of it: `status`, `units_pledged`, the promotions' units summed, `released`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderFigures {
    /// Lifecycle status.
    pub status: OrderStatus,
    /// Units pledged (fixed once funding ended).
    pub units_pledged: u64,
    /// Units pledged through a promoter (fixed once funding ended).
    pub promoted_units: u64,
    /// Cumulative amount released to the seller side.
    pub released: U256,
}

impl TryFrom<&IEscrow::OrderState> for OrderFigures {
    type Error = UnknownVariant;

    /// The contract's `orderState(orderId)`; fails only for an out-of-range status.
    fn try_from(s: &IEscrow::OrderState) -> Result<Self, UnknownVariant> {
        Ok(Self {
            status: OrderStatus::try_from(s.status)?,
            units_pledged: u64::from(s.unitsPledged),
            promoted_units: u64::from(s.promotedUnits),
            released: U256::from(s.released),
        })
    }
}

/// `account`'s total entitlement as treasury, split recipient and seller once `released` has
/// been released (the Escrow's `_entitlement`). `treasury` is the Escrow's `treasury()`.
pub fn entitlement(
    terms: &PayoutTerms,
    treasury: Address,
    order: &OrderFigures,
    account: Address,
) -> U256 {
    breakdown(terms, order.released, order.promoted_units, order.units_pledged)
        .entitlement(account, treasury)
}

/// What the Escrow's `claimable(orderId, terms, account)` returns: the entitlement (see
/// [`entitlement`]) less what `account` already claimed (`claimedOf(orderId, account)`), or
/// zero.
pub fn claimable(
    terms: &PayoutTerms,
    treasury: Address,
    order: &OrderFigures,
    account: Address,
    claimed: U256,
) -> U256 {
    entitlement(terms, treasury, order, account).saturating_sub(claimed)
}

/// One promoter's position in an order (the Escrow's `promoterOf(orderId, promoter)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PromoterPosition {
    /// Units pledged by the backers the promoter brought.
    pub units: u64,
    /// Commission claimed so far.
    pub claimed: U256,
    /// Whether the promoter made its final claim after the order ended.
    pub closed: bool,
}

impl From<&IEscrow::Promoter> for PromoterPosition {
    fn from(p: &IEscrow::Promoter) -> Self {
        Self { units: u64::from(p.units), claimed: U256::from(p.claimed), closed: p.closed }
    }
}

/// An order's promoter pool bookkeeping (the Escrow's `promoterPoolOf(orderId)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PromoterPoolState {
    /// Commission paid out so far, to every promoter.
    pub paid: U256,
    /// Promoters holding units (fixed once funding ended).
    pub count: u64,
    /// Promoters that made their final claim after the order ended.
    pub closed: u64,
}

impl From<&IEscrow::PromoterPool> for PromoterPoolState {
    fn from(p: &IEscrow::PromoterPool) -> Self {
        Self { paid: U256::from(p.paid), count: u64::from(p.count), closed: u64::from(p.closed) }
    }
}

/// What the Escrow's `commissionClaimable(orderId, terms, promoter)` returns (its
/// `_commission`): zero for a promoter without units or already closed; once the order is
/// `Completed` or `Resolved`, the last promoter to close takes what is left of the pool;
/// otherwise the promoter's pro-rata share of the pool at `order.released` (by promoted
/// units), less what it claimed.
pub fn commission_claimable(
    terms: &PayoutTerms,
    order: &OrderFigures,
    promoter: &PromoterPosition,
    pool: &PromoterPoolState,
) -> U256 {
    if promoter.units == 0 || promoter.closed || order.promoted_units == 0 {
        return U256::ZERO;
    }
    let total =
        breakdown(terms, order.released, order.promoted_units, order.units_pledged).promoter_pool.0;
    if order.status.is_settled() && pool.closed + 1 == pool.count {
        total.saturating_sub(pool.paid)
    } else {
        let share = mul_div(total, u128::from(promoter.units), u128::from(order.promoted_units));
        share.saturating_sub(promoter.claimed)
    }
}

/// An order's [`OrderPriceBreakdown`]: one promoted unit at `unit_price`, the `funded` amount
/// and the `released` amount, each with the promoted units so far, and the note explaining
/// how the promoter share applies (the API's `price_breakdown`).
pub fn price_breakdown(
    terms: &PayoutTerms,
    unit_price: U256,
    funded: U256,
    released: U256,
    promoted_units: u64,
    units_pledged: u64,
) -> OrderPriceBreakdown {
    let bps = terms.promoter_bps;
    let note = if bps == 0 {
        "No promoter share: the terms set promoter_bps to 0.".to_string()
    } else if promoted_units == 0 {
        format!(
            "The promoter share ({bps} bps of the amount after the fee) applies only to units \
             pledged through a promoter; none are so far. per_unit shows it at its maximum, \
             for a promoted unit."
        )
    } else {
        format!(
            "The promoter share ({bps} bps of the amount after the fee) applies to the \
             {promoted_units} of {units_pledged} units pledged through a promoter. per_unit \
             shows it at its maximum, for a promoted unit."
        )
    };
    OrderPriceBreakdown {
        funded: breakdown(terms, funded, promoted_units, units_pledged),
        note,
        per_unit: breakdown(terms, unit_price, 1, 1),
        promoter_share_applies: bps > 0 && promoted_units > 0,
        released: breakdown(terms, released, promoted_units, units_pledged),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> PayoutTerms {
        PayoutTerms {
            seller: Address::repeat_byte(4),
            fee_bps: 100,
            promoter_bps: 500,
            splits: vec![Split { bps: 1000, recipient: Address::repeat_byte(7) }],
        }
    }

    fn n(v: u128) -> U256 {
        U256::from(v)
    }

    /// A small deterministic generator (xorshift64*), so the property tests need no crate
    /// and always run the same cases.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn breakdown_follows_the_escrow_and_sums_exactly() {
        // The escrow test's figures (as `indexer/src/api/orders.rs` checks them): R = 60 000 000,
        // 4 of 6 units promoted.
        let b = breakdown(&terms(), n(60_000_000), 4, 6);
        assert_eq!(b.platform_fee.0, n(600_000));
        assert_eq!(b.promoter_pool.0, n(1_980_000));
        assert_eq!(b.splits[0].amount.0, n(5_742_000));
        assert_eq!(b.seller_amount.0, n(51_678_000));
        assert_eq!(b.parts_sum(), n(60_000_000));
        for (amount, promoted, units) in [(7_u128, 1, 3), (10_000_001, 1, 1), (999, 0, 5)] {
            let b = breakdown(&terms(), n(amount), promoted, units);
            assert_eq!(b.parts_sum(), n(amount));
        }
    }

    #[test]
    fn the_api_reads_the_same_json_as_before() {
        // `breakdown` in the indexer produced this for the figures above (json! sorts keys).
        let b = breakdown(&terms(), n(60_000_000), 4, 6);
        let expected = r#"{"amount":"60000000","platform_fee":"600000","promoter_pool":"1980000","seller":"0x0404040404040404040404040404040404040404","seller_amount":"51678000","splits":[{"amount":"5742000","bps":1000,"recipient":"0x0707070707070707070707070707070707070707"}]}"#;
        assert_eq!(serde_json::to_string(&b).unwrap(), expected);
    }

    #[test]
    fn cascade_rounding_matches_the_contract_by_hand() {
        // Three splits over a remainder that does not divide: each takes the floor of its
        // share of what is left, the seller the rest.
        let t = PayoutTerms {
            seller: Address::repeat_byte(1),
            fee_bps: 333,
            promoter_bps: 777,
            splits: vec![
                Split { bps: 3333, recipient: Address::repeat_byte(2) },
                Split { bps: 3333, recipient: Address::repeat_byte(3) },
                Split { bps: 3334, recipient: Address::repeat_byte(4) },
            ],
        };
        let b = breakdown(&t, n(1_000_003), 2, 3);
        let fee = 1_000_003 * 333 / 10_000; // 33 300
        let pool = (1_000_003 - fee) * 777 * 2 / 30_000; // 50 075
        let rest = 1_000_003 - fee - pool;
        let s0 = rest * 3333 / 10_000;
        let s1 = (rest - s0) * 3333 / 6667;
        let s2 = (rest - s0 - s1) * 3334 / 3334;
        assert_eq!(b.platform_fee.0, n(fee));
        assert_eq!(b.promoter_pool.0, n(pool));
        let shares: Vec<U256> = b.splits.iter().map(|s| s.amount.0).collect();
        assert_eq!(shares, [n(s0), n(s1), n(s2)]);
        // The splits sum to 10 000 bps: the last one takes the whole remainder.
        assert_eq!(b.seller_amount.0, U256::ZERO);
    }

    #[test]
    fn parts_always_sum_to_the_amount() {
        let mut rng = Rng(0x00c0_ffee);
        for _ in 0..20_000 {
            let splits = (0..rng.below(6))
                .map(|i| Split {
                    bps: rng.below(4_000) as u16,
                    recipient: Address::repeat_byte(i as u8 + 10),
                })
                .collect();
            let t = PayoutTerms {
                seller: Address::repeat_byte(1),
                // Mostly what the Escrow accepts, sometimes beyond it (bps up to u16::MAX).
                fee_bps: if rng.below(10) == 0 { rng.next() as u16 } else { rng.below(501) as u16 },
                promoter_bps: rng.below(10_001) as u16,
                splits,
            };
            let units = rng.below(5_000);
            let promoted = if units == 0 { 0 } else { rng.below(units + 1) };
            let amount = match rng.below(4) {
                0 => U256::from(rng.below(1_000)),
                1 => U256::from(rng.next()) * U256::from(rng.next()),
                2 => U256::MAX - U256::from(rng.below(1_000)),
                _ => U256::from(rng.next()) << 40,
            };
            let b = breakdown(&t, amount, promoted, units);
            assert_eq!(b.parts_sum(), amount, "{t:?} {amount} {promoted}/{units}");
            assert_eq!(b.amount.0, amount);
        }
    }

    #[test]
    fn entitlements_grow_with_the_released_amount() {
        // Every seller-side entitlement is monotone in R, so claims can repeat as R grows.
        let mut rng = Rng(7);
        let t = terms();
        let treasury = Address::repeat_byte(0xee);
        let parties = [t.seller, t.splits[0].recipient, treasury];
        let mut last = [U256::ZERO; 3];
        let mut released = U256::ZERO;
        for _ in 0..2_000 {
            released += U256::from(rng.below(50_000));
            let order = OrderFigures {
                status: OrderStatus::Active,
                units_pledged: 6,
                promoted_units: 4,
                released,
            };
            for (i, party) in parties.iter().enumerate() {
                let now = entitlement(&t, treasury, &order, *party);
                assert!(now >= last[i], "{party} went down at {released}");
                last[i] = now;
            }
        }
    }

    #[test]
    fn claimable_adds_every_role_and_subtracts_claims() {
        let t = terms();
        let treasury = Address::repeat_byte(0xee);
        let order = OrderFigures {
            status: OrderStatus::Active,
            units_pledged: 6,
            promoted_units: 4,
            released: n(60_000_000),
        };
        assert_eq!(claimable(&t, treasury, &order, t.seller, U256::ZERO), n(51_678_000));
        assert_eq!(claimable(&t, treasury, &order, t.seller, n(50_000_000)), n(1_678_000));
        assert_eq!(claimable(&t, treasury, &order, t.seller, n(99_000_000)), U256::ZERO);
        assert_eq!(claimable(&t, treasury, &order, treasury, U256::ZERO), n(600_000));
        assert_eq!(
            claimable(&t, treasury, &order, Address::repeat_byte(7), U256::ZERO),
            n(5_742_000)
        );
        assert_eq!(
            claimable(&t, treasury, &order, Address::repeat_byte(9), U256::ZERO),
            U256::ZERO
        );
        // A seller that is also a split recipient and the treasury gets all three.
        let mut both = t.clone();
        both.splits.push(Split { bps: 500, recipient: t.seller });
        let all = breakdown(&both, order.released, 4, 6);
        let expected = all.seller_amount.0 + all.splits[1].amount.0 + all.platform_fee.0;
        assert_eq!(claimable(&both, t.seller, &order, t.seller, U256::ZERO), expected);
        // Nothing released, nothing to claim.
        let fresh = OrderFigures { released: U256::ZERO, ..order };
        assert_eq!(claimable(&t, treasury, &fresh, t.seller, U256::ZERO), U256::ZERO);
    }

    #[test]
    fn commissions_follow_the_contract() {
        let t = terms();
        // The pool at 60 000 000 released with 4 of 6 units promoted is 1 980 000; promoter A
        // brought 3 units, promoter B 1.
        let mut order = OrderFigures {
            status: OrderStatus::Active,
            units_pledged: 6,
            promoted_units: 4,
            released: n(60_000_000),
        };
        let a = PromoterPosition { units: 3, claimed: U256::ZERO, closed: false };
        let b = PromoterPosition { units: 1, claimed: U256::ZERO, closed: false };
        let pool = PromoterPoolState { paid: U256::ZERO, count: 2, closed: 0 };
        assert_eq!(commission_claimable(&t, &order, &a, &pool), n(1_485_000));
        assert_eq!(commission_claimable(&t, &order, &b, &pool), n(495_000));
        let a_claimed = PromoterPosition { claimed: n(1_485_000), ..a };
        assert_eq!(commission_claimable(&t, &order, &a_claimed, &pool), U256::ZERO);
        // No units or closed: nothing.
        assert_eq!(
            commission_claimable(&t, &order, &PromoterPosition::default(), &pool),
            U256::ZERO
        );
        let closed = PromoterPosition { closed: true, ..a };
        assert_eq!(commission_claimable(&t, &order, &closed, &pool), U256::ZERO);
        // Completed at 100 000 001 released: pool 3 300 000 (floors); A closes first with its
        // pro-rata floor, B (the last) takes the remainder.
        order.status = OrderStatus::Completed;
        order.released = n(100_000_001);
        let total = breakdown(&t, order.released, 4, 6).promoter_pool.0;
        let a_due = commission_claimable(&t, &order, &a, &pool);
        assert_eq!(a_due, total * n(3) / n(4));
        let after_a = PromoterPoolState { paid: a_due, count: 2, closed: 1 };
        assert_eq!(commission_claimable(&t, &order, &b, &after_a), total - a_due);
    }

    #[test]
    fn closing_claims_pay_the_promoter_pool_out_exactly() {
        // As the Escrow's `claimCommission` does once the order ended: each claim closes the
        // promoter's position, the last takes the remainder; nothing is left in the pool.
        let mut rng = Rng(42);
        for _ in 0..500 {
            let t = PayoutTerms { promoter_bps: rng.below(10_001) as u16, ..terms() };
            let mut promoters: Vec<PromoterPosition> = (0..1 + rng.below(6))
                .map(|_| PromoterPosition { units: 1 + rng.below(50), ..Default::default() })
                .collect();
            let promoted: u64 = promoters.iter().map(|p| p.units).sum();
            let order = OrderFigures {
                status: OrderStatus::Resolved,
                units_pledged: promoted + rng.below(100),
                promoted_units: promoted,
                released: U256::from(rng.next() >> 8),
            };
            // Some promoters claim while the order runs, with half of it released.
            let running = OrderFigures {
                status: OrderStatus::Active,
                released: order.released / U256::from(2),
                ..order
            };
            let mut pool =
                PromoterPoolState { count: promoters.len() as u64, ..Default::default() };
            for p in promoters.iter_mut().filter(|_| rng.below(2) == 0) {
                let due = commission_claimable(&t, &running, p, &pool);
                p.claimed += due;
                pool.paid += due;
            }
            for p in &mut promoters {
                let due = commission_claimable(&t, &order, p, &pool);
                p.claimed += due;
                p.closed = true;
                pool.paid += due;
                pool.closed += 1;
                assert_eq!(commission_claimable(&t, &order, p, &pool), U256::ZERO);
            }
            let total = breakdown(&t, order.released, promoted, order.units_pledged).promoter_pool;
            assert_eq!(pool.paid, total.0);
        }
    }

    #[test]
    fn price_breakdown_notes_how_the_promoter_share_applies() {
        let t = terms();
        let p = price_breakdown(&t, n(10_000_000), n(60_000_000), n(30_000_000), 4, 6);
        assert!(p.promoter_share_applies);
        assert_eq!(
            p.note,
            "The promoter share (500 bps of the amount after the fee) applies to the 4 of 6 \
             units pledged through a promoter. per_unit shows it at its maximum, for a promoted \
             unit."
        );
        assert_eq!(p.per_unit.promoter_pool.0, n(495_000));
        assert_eq!(p.funded, breakdown(&t, n(60_000_000), 4, 6));
        assert_eq!(p.released, breakdown(&t, n(30_000_000), 4, 6));
        let none = price_breakdown(&t, n(10_000_000), n(60_000_000), U256::ZERO, 0, 6);
        assert!(!none.promoter_share_applies);
        assert!(none.note.contains("none are so far"));
        let zero = PayoutTerms { promoter_bps: 0, ..t };
        let p = price_breakdown(&zero, n(1), n(1), n(1), 4, 6);
        assert_eq!(p.note, "No promoter share: the terms set promoter_bps to 0.");
    }

    #[test]
    fn figures_come_from_the_contracts_views() {
        let state = IEscrow::OrderState {
            status: OrderStatus::Completed.index(),
            milestone: 2,
            milestoneState: 0,
            unitsPledged: 6,
            backerCount: 2,
            promotedUnits: 4,
            released: 60_000_000,
        };
        let f = OrderFigures::try_from(&state).unwrap();
        assert_eq!(f.status, OrderStatus::Completed);
        assert_eq!((f.units_pledged, f.promoted_units, f.released), (6, 4, n(60_000_000)));
        let p = IEscrow::Promoter { units: 3, claimed: 5, closed: true };
        assert_eq!(
            PromoterPosition::from(&p),
            PromoterPosition { units: 3, claimed: n(5), closed: true }
        );
        let pool = IEscrow::PromoterPool { paid: 9, count: 2, closed: 1 };
        assert_eq!(
            PromoterPoolState::from(&pool),
            PromoterPoolState { paid: n(9), count: 2, closed: 1 }
        );
    }
}
