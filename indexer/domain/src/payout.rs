//! The Escrow's money rules, the one Rust copy of `contracts/src/libraries/EscrowMath.sol` and
//! of the views `contracts/src/EscrowLens.sol` computes with it.
//!
//! # Released amount
//!
//! Let `F = unitsPledged * unitPrice` be what an order holds once funding ended. Milestone `i`
//! releases `A_i = cum(i + 1) - cum(i)` with `cum(k) = floor(F * (bps_0 + ... + bps_{k-1}) /
//! 10 000)`, so the amounts add up to `F` exactly ([`cumulative`], [`milestone_amount`]). The
//! order's released amount is `R = cum(milestone) - withheld` ([`released`]): every settled
//! milestone counts in full, except what rulings withheld.
//!
//! # The cascade
//!
//! `R` (or any amount to break down) goes down a cascade in which each step takes an exact
//! floor and passes the remainder on:
//!
//! ```text
//! fee      = floor(R * feeBps / 10 000)                                     -> treasury
//! pool     = floor((R - fee) * promoterBps * promotedUnits / (10 000 * unitsPledged))
//! split i  = floor(rest_i * bps_i / (10 000 - bps_0 - ... - bps_{i-1}))     (rest_0 = R - fee - pool)
//! seller   = the last remainder
//! ```
//!
//! so the parts sum to `R` exactly ([`breakdown`]). Every seller-side entitlement is monotone
//! in `R`, so claims credit `entitlement(R) - claimed` and repeat as `R` grows
//! ([`entitlement`], [`claimable`]). The promoter pool is shared pro rata of promoted units;
//! once the order ended, each promoter's claim closes its position and the last one to close
//! takes the pool's remainder ([`commission_claimable`]).
//!
//! # Refunds, bonds, weight, deadlines
//!
//! Backers of a failed or cancelled order take back exactly what they paid; once an order
//! ended otherwise (`Completed`, `Resolved`, `Expired`), `F - R` goes back to backers pro rata
//! of their units, the last backer refunded taking the remainder ([`refundable`]). A dispute
//! costs a bond of `bondBps` of the disputed milestone's amount, rounded up, at least 1
//! ([`dispute_bond`]); bonds never enter the cascade. Only backers that are not the seller, a
//! split recipient, the arbiter or a promoter of the order carry approval and dispute weight
//! ([`weight`]). Each phase ends by a deadline ([`deadline`]).
//!
//! # Inputs
//!
//! The views read the order's [`Terms`] and the records the Escrow stores, as
//! [`OrderFigures`] (the lens's `orderState`, `orderAux` and `promoterPoolOf`) and
//! [`Participant`] (`participantOf`), built from the `cointent-abi` structs with `TryFrom` and
//! `From`, or by the indexer from the events. For terms the Escrow accepts and records that
//! belong to them, every function returns exactly what the lens returns (the differential
//! test in `tests/it/differential.rs` checks it on anvil); outside them each function is total
//! (capped or saturating) where the contract would revert.
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
use serde::{Deserialize, Serialize};

use crate::{
    Amount, MilestoneState, OrderStatus, Split, Terms,
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

/// An order's records as the Escrow stores them: the lens's `orderState`, `orderAux` and
/// `promoterPoolOf`, which the indexer mirrors from the events. With the terms, everything
/// the payout views need besides one party's [`Participant`] record and claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderFigures {
    /// Lifecycle status.
    pub status: OrderStatus,
    /// Milestones settled (released or ruled on): the index of the current milestone while
    /// the order is `Active`, the milestone count once the schedule is done.
    pub milestone: u32,
    /// State of the current milestone (`Pending`, `Delivered` or `Disputed`; `Pending` unless
    /// the order is `Active`).
    pub milestone_state: MilestoneState,
    /// Start of the current phase, unix seconds: the creation time while `Funding`; then the
    /// start of the current milestone's delivery window (`Pending`), its delivery time
    /// (`Delivered`) or the dispute's opening (`Disputed`); the time the order ended
    /// otherwise.
    pub since: u64,
    /// Units pledged (fixed once funding ended).
    pub units_pledged: u64,
    /// Units that carry approval and dispute weight (fixed once funding ended).
    pub weighted_units: u64,
    /// Units pledged through a promoter (fixed once funding ended).
    pub promoted_units: u64,
    /// Backers holding units (fixed once funding ended).
    pub backer_count: u64,
    /// Promoters with promoted units (fixed once funding ended).
    pub promoter_count: u64,
    /// Weighted units that approved the current delivered milestone.
    pub approval_units: u64,
    /// What rulings withheld from settled milestones, for backers.
    pub withheld: Amount,
    /// Refunded so far after the order ended (pro-rata refunds).
    pub refund_paid: Amount,
    /// Backers refunded so far after the order ended.
    pub refunded_count: u64,
    /// Commission paid out so far, to every promoter.
    pub commission_paid: Amount,
    /// Promoters that made their final claim after the order ended.
    pub promoters_closed: u64,
}

impl Default for OrderFigures {
    /// A new order: `Funding`, nothing pledged.
    fn default() -> Self {
        Self {
            status: OrderStatus::Funding,
            milestone: 0,
            milestone_state: MilestoneState::Pending,
            since: 0,
            units_pledged: 0,
            weighted_units: 0,
            promoted_units: 0,
            backer_count: 0,
            promoter_count: 0,
            approval_units: 0,
            withheld: Amount::ZERO,
            refund_paid: Amount::ZERO,
            refunded_count: 0,
            commission_paid: Amount::ZERO,
            promoters_closed: 0,
        }
    }
}

impl TryFrom<&IEscrow::OrderState> for OrderFigures {
    type Error = UnknownVariant;

    /// The lens's `orderState(orderId)`, with no ruling, refund or commission yet (see the
    /// `TryFrom` of all three records); fails only for an out-of-range status or state.
    fn try_from(s: &IEscrow::OrderState) -> Result<Self, UnknownVariant> {
        Ok(Self {
            status: OrderStatus::try_from(s.status)?,
            milestone: u32::from(s.milestone),
            milestone_state: MilestoneState::try_from(s.milestoneState)?,
            since: s.since.to::<u64>(),
            units_pledged: u64::from(s.unitsPledged),
            weighted_units: u64::from(s.weightedUnits),
            promoted_units: u64::from(s.promotedUnits),
            backer_count: u64::from(s.backerCount),
            promoter_count: u64::from(s.promoterCount),
            approval_units: u64::from(s.approvalUnits),
            ..Self::default()
        })
    }
}

impl TryFrom<(&IEscrow::OrderState, &IEscrow::OrderAux, &IEscrow::PromoterPool)> for OrderFigures {
    type Error = UnknownVariant;

    /// The lens's `orderState`, `orderAux` and `promoterPoolOf` of one order.
    fn try_from(
        (state, aux, pool): (&IEscrow::OrderState, &IEscrow::OrderAux, &IEscrow::PromoterPool),
    ) -> Result<Self, UnknownVariant> {
        Ok(Self {
            withheld: Amount(U256::from(aux.withheld)),
            refund_paid: Amount(U256::from(aux.refundPaid)),
            refunded_count: u64::from(aux.refundedCount),
            commission_paid: Amount(U256::from(pool.paid)),
            promoters_closed: u64::from(pool.closed),
            ..Self::try_from(state)?
        })
    }
}

/// One account's position in an order, as backer and as promoter (the lens's
/// `participantOf(orderId, account)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Participant {
    /// Units it holds as a backer.
    pub units: u64,
    /// Its promoter, fixed by its first pledge (reset when it unpledges everything).
    pub promoter: Option<Address>,
    /// Units pledged by the backers that named it as promoter.
    pub promoted: u64,
    /// Index + 1 of the last milestone it approved (0 if none).
    pub approved: u32,
    /// Whether, as a promoter, it made its final claim after the order ended.
    pub closed: bool,
}

impl From<&IEscrow::Participant> for Participant {
    fn from(p: &IEscrow::Participant) -> Self {
        Self {
            units: u64::from(p.units),
            promoter: (p.promoter != Address::ZERO).then_some(p.promoter),
            promoted: u64::from(p.promoted),
            approved: u32::from(p.approved),
            closed: p.closed,
        }
    }
}

/// `F = unitsPledged * unitPrice`: what the order holds once funding ended.
pub fn funded(terms: &Terms, units_pledged: u64) -> U256 {
    U256::from(units_pledged).saturating_mul(terms.unit_price.0)
}

/// The bps of the milestones before index `k` (all of them when `k` is past the end).
fn bps_before(terms: &Terms, k: usize) -> u128 {
    terms.milestones.iter().take(k).map(|m| u128::from(m.bps)).sum()
}

/// `cum(k) = floor(F * (bps_0 + ... + bps_{k-1}) / 10 000)`: what milestones `0..k` release in
/// full (`EscrowMath.cum`).
pub fn cumulative(terms: &Terms, units_pledged: u64, k: usize) -> U256 {
    mul_div(funded(terms, units_pledged), bps_before(terms, k), u128::from(BPS))
}

/// What milestone `index` releases in full, `cum(index + 1) - cum(index)`; 0 past the last
/// milestone (the lens's `milestoneAmount`).
pub fn milestone_amount(terms: &Terms, units_pledged: u64, index: usize) -> U256 {
    if index >= terms.milestones.len() {
        return U256::ZERO;
    }
    cumulative(terms, units_pledged, index + 1).saturating_sub(cumulative(
        terms,
        units_pledged,
        index,
    ))
}

/// The order's released amount `R = cum(milestone) - withheld` (the lens's `releasedOf`), from
/// which every seller-side share and the promoter pool are computed.
pub fn released(terms: &Terms, order: &OrderFigures) -> U256 {
    cumulative(terms, order.units_pledged, order.milestone as usize)
        .saturating_sub(order.withheld.0)
}

/// What disputing the current milestone costs: `bondBps` of its amount, rounded up, at least
/// 1; 0 once the schedule is done (the lens's `disputeBond`).
pub fn dispute_bond(terms: &Terms, order: &OrderFigures) -> U256 {
    let index = order.milestone as usize;
    if index >= terms.milestones.len() {
        return U256::ZERO;
    }
    let amount = milestone_amount(terms, order.units_pledged, index);
    let bps = U256::from(BPS);
    let bond = (amount * U256::from(terms.bond_bps) + bps - U256::from(1)) / bps;
    bond.max(U256::from(1))
}

/// The deadline of the order's current phase, unix seconds: the funding deadline while
/// `Funding`; while `Active`, the current milestone's delivery deadline (`Pending`), the end
/// of its review window (`Delivered`) or of the ruling period (`Disputed`); `None` otherwise
/// (the lens's `deadlineOf`, which says 0).
pub fn deadline(terms: &Terms, order: &OrderFigures) -> Option<u64> {
    match order.status {
        OrderStatus::Funding => Some(terms.funding_deadline_unix),
        OrderStatus::Active => {
            let period = match order.milestone_state {
                MilestoneState::Pending => {
                    terms.milestones.get(order.milestone as usize)?.delivery_period
                }
                MilestoneState::Delivered => terms.review_period,
                MilestoneState::Disputed => terms.ruling_period,
                _ => return None,
            };
            Some(order.since + u64::from(period))
        }
        _ => None,
    }
}

/// Whether `account` is the seller, the arbiter or a split recipient of the order
/// (`EscrowMath.isRole`): its units carry no weight, and it may not be named promoter.
pub fn is_role(terms: &Terms, account: Address) -> bool {
    account == terms.seller
        || account == terms.arbiter
        || terms.splits.iter().any(|s| s.recipient == account)
}

/// `account`'s approval and dispute weight: its units, unless it is a role of the order or a
/// promoter with promoted units in it (the lens's `weightOf`).
pub fn weight(terms: &Terms, participant: &Participant, account: Address) -> u64 {
    if participant.units == 0 || participant.promoted != 0 || is_role(terms, account) {
        0
    } else {
        participant.units
    }
}

/// `account`'s total entitlement as treasury, split recipient and seller at the order's
/// released amount (`EscrowMath.entitlement`). `treasury` is the Escrow's `treasury()`.
/// Promoters' commissions are apart: see [`commission_claimable`].
pub fn entitlement(
    terms: &Terms,
    treasury: Address,
    order: &OrderFigures,
    account: Address,
) -> U256 {
    let r = released(terms, order);
    breakdown(&terms.payout(), r, order.promoted_units, order.units_pledged)
        .entitlement(account, treasury)
}

/// What `claim(orderId, terms, account)` would credit now (the lens's `claimable`): the
/// entitlement (see [`entitlement`]) less what `account` already claimed (`claimedOf`), or
/// zero.
pub fn claimable(
    terms: &Terms,
    treasury: Address,
    order: &OrderFigures,
    account: Address,
    claimed: U256,
) -> U256 {
    entitlement(terms, treasury, order, account).saturating_sub(claimed)
}

/// The promoter pool at the released amount `r`.
fn pool(terms: &Terms, order: &OrderFigures, r: U256) -> U256 {
    breakdown(&terms.payout(), r, order.promoted_units, order.units_pledged).promoter_pool.0
}

/// What `claimCommission(orderId, terms, promoter)` would credit now (the lens's
/// `commissionClaimable`, `EscrowMath.commission`): zero for a promoter without promoted
/// units or already closed; once the order ended, the last promoter to close takes what is
/// left of the pool; otherwise the promoter's pro-rata share of the pool (by promoted units)
/// less what it claimed (`claimed`, the lens's `claimedOf`).
pub fn commission_claimable(
    terms: &Terms,
    order: &OrderFigures,
    promoter: &Participant,
    claimed: U256,
) -> U256 {
    if promoter.promoted == 0 || promoter.closed || order.promoted_units == 0 {
        return U256::ZERO;
    }
    let total = pool(terms, order, released(terms, order));
    if order.status.has_ended() && order.promoters_closed + 1 == order.promoter_count {
        total.saturating_sub(order.commission_paid.0)
    } else {
        let share = mul_div(total, u128::from(promoter.promoted), u128::from(order.promoted_units));
        share.saturating_sub(claimed)
    }
}

/// What `refund(orderId, terms, backer, to)` would pay `backer` now (the lens's
/// `refundable`): nothing without units; exactly what it paid when the order failed or was
/// cancelled; once the order ended, its pro-rata share of `F - R` (the last backer refunded
/// takes the remainder); nothing otherwise.
pub fn refundable(terms: &Terms, order: &OrderFigures, backer: &Participant) -> U256 {
    if backer.units == 0 {
        return U256::ZERO;
    }
    match order.status {
        OrderStatus::Failed | OrderStatus::Cancelled => funded(terms, backer.units),
        s if s.has_ended() => {
            let left = funded(terms, order.units_pledged).saturating_sub(released(terms, order));
            if order.refunded_count + 1 == order.backer_count {
                left.saturating_sub(order.refund_paid.0)
            } else if order.units_pledged == 0 {
                U256::ZERO
            } else {
                mul_div(left, u128::from(backer.units), u128::from(order.units_pledged))
            }
        }
        _ => U256::ZERO,
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

    /// The terms of `terms::tests`: 10 000 000 a unit, fee 100, promoter share 500, a 1 000 bps
    /// split to 0x07.., two milestones of 5 000 bps, bond 500 bps.
    fn order_terms() -> Terms {
        Terms::from_abi(&crate::terms::tests::abi_terms())
    }

    /// An `Active` order with `units` pledged, `promoted` through two promoters, `milestone`
    /// milestones settled.
    fn active(units: u64, promoted: u64, milestone: u32) -> OrderFigures {
        OrderFigures {
            status: OrderStatus::Active,
            milestone,
            units_pledged: units,
            weighted_units: units - promoted,
            promoted_units: promoted,
            backer_count: 3,
            promoter_count: 2,
            ..OrderFigures::default()
        }
    }

    fn backer(units: u64) -> Participant {
        Participant { units, ..Participant::default() }
    }

    fn promoter(promoted: u64) -> Participant {
        Participant { promoted, ..Participant::default() }
    }

    #[test]
    fn released_counts_settled_milestones_less_what_rulings_withheld() {
        let t = order_terms();
        assert_eq!(funded(&t, 6), n(60_000_000));
        assert_eq!(released(&t, &active(6, 4, 0)), U256::ZERO);
        assert_eq!(released(&t, &active(6, 4, 1)), n(30_000_000));
        assert_eq!(released(&t, &active(6, 4, 2)), n(60_000_000));
        let ruled = OrderFigures { withheld: Amount(n(12_345)), ..active(6, 4, 2) };
        assert_eq!(released(&t, &ruled), n(60_000_000 - 12_345));
        // Uneven shares: each milestone is the difference of cumulative floors.
        let mut u = t.clone();
        u.unit_price = Amount(n(333_337));
        u.milestones = [3333_u16, 3333, 3334]
            .map(|bps| crate::terms::Milestone { bps, delivery_period: 3_600 })
            .to_vec();
        let f = 3 * 333_337_u128;
        let (c1, c2) = (f * 3333 / 10_000, f * 6666 / 10_000);
        let amounts: Vec<U256> = (0..4).map(|i| milestone_amount(&u, 3, i)).collect();
        assert_eq!(amounts, [n(c1), n(c2 - c1), n(f - c2), U256::ZERO]);
        assert_eq!(cumulative(&u, 3, 2), n(c2));
        assert_eq!(cumulative(&u, 3, 3), n(f));
        assert_eq!(released(&u, &active(3, 0, 2)), n(c2));
    }

    #[test]
    fn milestone_amounts_add_up_to_the_funds() {
        let mut rng = Rng(0x5eed);
        let mut t = order_terms();
        for _ in 0..5_000 {
            let count = 1 + rng.below(8) as usize;
            let mut left = 10_000_u64;
            t.milestones = (0..count)
                .map(|i| {
                    let bps = if i + 1 == count {
                        left
                    } else {
                        1 + rng.below(left - (count - i - 1) as u64)
                    };
                    left -= bps;
                    crate::terms::Milestone { bps: bps as u16, delivery_period: 3_600 }
                })
                .collect();
            t.unit_price = Amount(U256::from(1 + rng.below(1 << 40)));
            let units = rng.below(1 << 20);
            let sum = (0..count).fold(U256::ZERO, |s, i| s + milestone_amount(&t, units, i));
            assert_eq!(sum, funded(&t, units), "{:?} x {units}", t.milestones);
            assert_eq!(cumulative(&t, units, count), funded(&t, units));
        }
    }

    #[test]
    fn claimable_adds_every_role_and_subtracts_claims() {
        let t = order_terms();
        let treasury = Address::repeat_byte(0xee);
        // R = 60 000 000, 4 of 6 units promoted: the cascade of `breakdown`'s first test.
        let order = active(6, 4, 2);
        assert_eq!(claimable(&t, treasury, &order, t.seller, U256::ZERO), n(51_678_000));
        assert_eq!(claimable(&t, treasury, &order, t.seller, n(50_000_000)), n(1_678_000));
        assert_eq!(claimable(&t, treasury, &order, t.seller, n(99_000_000)), U256::ZERO);
        assert_eq!(claimable(&t, treasury, &order, treasury, U256::ZERO), n(600_000));
        let recipient = Address::repeat_byte(7);
        assert_eq!(claimable(&t, treasury, &order, recipient, U256::ZERO), n(5_742_000));
        assert_eq!(
            claimable(&t, treasury, &order, Address::repeat_byte(9), U256::ZERO),
            U256::ZERO
        );
        // Half settled: half of everything (the cascade of 30 000 000).
        let half = breakdown(&t.payout(), n(30_000_000), 4, 6);
        assert_eq!(
            claimable(&t, treasury, &active(6, 4, 1), t.seller, U256::ZERO),
            half.seller_amount.0
        );
        // A seller that is also a split recipient and the treasury gets all three.
        let mut both = t.clone();
        both.splits.push(Split { bps: 500, recipient: t.seller });
        let all = breakdown(&both.payout(), n(60_000_000), 4, 6);
        let expected = all.seller_amount.0 + all.splits[1].amount.0 + all.platform_fee.0;
        assert_eq!(claimable(&both, t.seller, &order, t.seller, U256::ZERO), expected);
        // Nothing settled, nothing to claim; a withheld amount is not claimable.
        assert_eq!(claimable(&t, treasury, &active(6, 4, 0), t.seller, U256::ZERO), U256::ZERO);
        let withheld = OrderFigures { withheld: Amount(n(30_000_000)), ..order };
        assert_eq!(claimable(&t, treasury, &withheld, t.seller, U256::ZERO), half.seller_amount.0);
    }

    #[test]
    fn entitlements_grow_with_the_released_amount() {
        // Every seller-side entitlement is monotone in R, so claims can repeat as R grows.
        let mut rng = Rng(7);
        let mut t = order_terms();
        t.unit_price = Amount(n(1_000_003));
        t.milestones = vec![crate::terms::Milestone { bps: 1_250, delivery_period: 3_600 }; 8];
        let treasury = Address::repeat_byte(0xee);
        let parties = [t.seller, t.splits[0].recipient, treasury];
        for _ in 0..200 {
            let mut order = active(1 + rng.below(1_000), 0, 0);
            order.promoted_units = rng.below(order.units_pledged + 1);
            let mut last = [U256::ZERO; 3];
            for milestone in 0..=8 {
                order.milestone = milestone;
                for (i, party) in parties.iter().enumerate() {
                    let now = entitlement(&t, treasury, &order, *party);
                    assert!(now >= last[i], "{party} went down at milestone {milestone}");
                    last[i] = now;
                }
            }
        }
    }

    #[test]
    fn commissions_follow_the_contract() {
        let t = order_terms();
        // The pool at 60 000 000 released with 4 of 6 units promoted is 1 980 000; promoter A
        // brought 3 units, promoter B 1.
        let order = active(6, 4, 2);
        let (a, b) = (promoter(3), promoter(1));
        assert_eq!(commission_claimable(&t, &order, &a, U256::ZERO), n(1_485_000));
        assert_eq!(commission_claimable(&t, &order, &b, U256::ZERO), n(495_000));
        assert_eq!(commission_claimable(&t, &order, &a, n(1_485_000)), U256::ZERO);
        assert_eq!(commission_claimable(&t, &order, &a, n(1_000_000)), n(485_000));
        // No promoted units (a plain backer) or closed: nothing.
        assert_eq!(commission_claimable(&t, &order, &backer(3), U256::ZERO), U256::ZERO);
        let closed = Participant { closed: true, ..a };
        assert_eq!(commission_claimable(&t, &order, &closed, U256::ZERO), U256::ZERO);
        // Ended at 100 000 002 released: A closes first with its pro-rata floor, B (the last)
        // takes the remainder.
        let mut u = t.clone();
        u.unit_price = Amount(n(16_666_667));
        for status in [OrderStatus::Completed, OrderStatus::Resolved, OrderStatus::Expired] {
            let ended = OrderFigures { status, ..order.clone() };
            let total = breakdown(&u.payout(), n(100_000_002), 4, 6).promoter_pool.0;
            let a_due = commission_claimable(&u, &ended, &a, U256::ZERO);
            assert_eq!(a_due, total * n(3) / n(4));
            let after_a =
                OrderFigures { commission_paid: Amount(a_due), promoters_closed: 1, ..ended };
            assert_eq!(commission_claimable(&u, &after_a, &b, U256::ZERO), total - a_due);
        }
    }

    #[test]
    fn closing_claims_pay_the_promoter_pool_out_exactly() {
        // As the Escrow's `claimCommission` does once the order ended: each claim closes the
        // promoter's position, the last takes the remainder; nothing is left in the pool.
        let mut rng = Rng(42);
        let mut t = order_terms();
        for _ in 0..500 {
            t.promoter_bps = rng.below(10_001) as u16;
            t.unit_price = Amount(U256::from(1 + (rng.next() >> 30)));
            let mut promoters: Vec<(Participant, U256)> =
                (0..1 + rng.below(6)).map(|_| (promoter(1 + rng.below(50)), U256::ZERO)).collect();
            let promoted: u64 = promoters.iter().map(|(p, _)| p.promoted).sum();
            let statuses = [OrderStatus::Completed, OrderStatus::Resolved, OrderStatus::Expired];
            let mut order = OrderFigures {
                status: statuses[rng.below(3) as usize],
                milestone: 1 + rng.below(2) as u32,
                units_pledged: promoted + rng.below(100),
                promoted_units: promoted,
                promoter_count: promoters.len() as u64,
                ..OrderFigures::default()
            };
            let cap = cumulative(&t, order.units_pledged, order.milestone as usize);
            order.withheld = Amount(U256::from(rng.next()) % (cap + U256::from(1)));
            // Some promoters claim while the order runs, with one milestone settled.
            let running =
                OrderFigures { status: OrderStatus::Active, milestone: 1, ..order.clone() };
            for (p, claimed) in promoters.iter_mut().filter(|_| rng.below(2) == 0) {
                let due = commission_claimable(&t, &running, p, *claimed);
                *claimed += due;
                order.commission_paid.0 += due;
            }
            for (p, claimed) in &mut promoters {
                let due = commission_claimable(&t, &order, p, *claimed);
                *claimed += due;
                p.closed = true;
                order.commission_paid.0 += due;
                order.promoters_closed += 1;
                assert_eq!(commission_claimable(&t, &order, p, *claimed), U256::ZERO);
            }
            let total = pool(&t, &order, released(&t, &order));
            assert_eq!(order.commission_paid.0, total);
        }
    }

    #[test]
    fn refunds_pay_back_what_was_not_released() {
        let t = order_terms();
        let mut order = active(6, 0, 1);
        order.backer_count = 2;
        // Failed or cancelled: exactly what was paid; running: nothing; no units: nothing.
        for (status, due) in [
            (OrderStatus::Failed, n(40_000_000)),
            (OrderStatus::Cancelled, n(40_000_000)),
            (OrderStatus::Funding, U256::ZERO),
            (OrderStatus::Active, U256::ZERO),
        ] {
            let o = OrderFigures { status, ..order.clone() };
            assert_eq!(refundable(&t, &o, &backer(4)), due, "{status}");
            assert_eq!(refundable(&t, &o, &backer(0)), U256::ZERO);
        }
        // Expired after one milestone: 30 000 000 left for 4 + 2 units.
        order.status = OrderStatus::Expired;
        assert_eq!(refundable(&t, &order, &backer(4)), n(20_000_000));
        let first = OrderFigures { refund_paid: Amount(n(20_000_000)), refunded_count: 1, ..order };
        assert_eq!(refundable(&t, &first, &backer(2)), n(10_000_000));
    }

    #[test]
    fn end_refunds_share_what_was_not_released_exactly() {
        let mut rng = Rng(99);
        let mut t = order_terms();
        for _ in 0..2_000 {
            t.unit_price = Amount(U256::from(1 + (rng.next() >> 20)));
            let holdings: Vec<u64> = (0..1 + rng.below(12)).map(|_| 1 + rng.below(40)).collect();
            let mut order = OrderFigures {
                status: [OrderStatus::Completed, OrderStatus::Resolved, OrderStatus::Expired]
                    [rng.below(3) as usize],
                milestone: rng.below(3) as u32,
                units_pledged: holdings.iter().sum(),
                backer_count: holdings.len() as u64,
                ..OrderFigures::default()
            };
            let cap = cumulative(&t, order.units_pledged, order.milestone as usize);
            order.withheld = Amount(U256::from(rng.next()) % (cap + U256::from(1)));
            let left = funded(&t, order.units_pledged) - released(&t, &order);
            for units in &holdings {
                let due = refundable(&t, &order, &backer(*units));
                if order.refunded_count + 1 < order.backer_count {
                    assert_eq!(due, left * U256::from(*units) / U256::from(order.units_pledged));
                }
                order.refund_paid.0 += due;
                order.refunded_count += 1;
            }
            assert_eq!(order.refund_paid.0, left, "the last backer takes the remainder");
        }
    }

    #[test]
    fn bonds_round_up_and_are_at_least_one() {
        let mut t = order_terms();
        // Milestone 0 of 6 units: 30 000 000, 500 bps of it.
        assert_eq!(dispute_bond(&t, &active(6, 0, 0)), n(1_500_000));
        assert_eq!(dispute_bond(&t, &active(6, 0, 1)), n(1_500_000));
        assert_eq!(dispute_bond(&t, &active(6, 0, 2)), U256::ZERO, "the schedule is done");
        t.unit_price = Amount(n(11));
        t.bond_bps = 1_500;
        // Milestone 0 of 6 units at 11: 33; 15 % of it is 4.95, rounded up.
        assert_eq!(dispute_bond(&t, &active(6, 0, 0)), n(5));
        t.unit_price = Amount(n(1));
        assert_eq!(milestone_amount(&t, 1, 0), U256::ZERO);
        assert_eq!(dispute_bond(&t, &active(1, 0, 0)), n(1), "at least 1");
    }

    #[test]
    fn each_phase_has_its_deadline() {
        let t = order_terms();
        let at = |status, milestone, state| OrderFigures {
            status,
            milestone,
            milestone_state: state,
            since: 1_000,
            ..OrderFigures::default()
        };
        use MilestoneState::*;
        assert_eq!(deadline(&t, &at(OrderStatus::Funding, 0, Pending)), Some(1_700_000_000));
        assert_eq!(deadline(&t, &at(OrderStatus::Active, 0, Pending)), Some(1_000 + 604_800));
        assert_eq!(deadline(&t, &at(OrderStatus::Active, 1, Pending)), Some(1_000 + 1_209_600));
        assert_eq!(deadline(&t, &at(OrderStatus::Active, 1, Delivered)), Some(1_000 + 86_400));
        assert_eq!(deadline(&t, &at(OrderStatus::Active, 0, Disputed)), Some(1_000 + 259_200));
        for status in [
            OrderStatus::Failed,
            OrderStatus::Cancelled,
            OrderStatus::Completed,
            OrderStatus::Resolved,
            OrderStatus::Expired,
        ] {
            assert_eq!(deadline(&t, &at(status, 0, Pending)), None);
        }
    }

    #[test]
    fn roles_and_promoters_carry_no_weight() {
        let t = order_terms();
        let plain = Address::repeat_byte(0x33);
        assert_eq!(weight(&t, &backer(5), plain), 5);
        assert_eq!(weight(&t, &backer(0), plain), 0);
        for role in [t.seller, t.arbiter, t.splits[0].recipient] {
            assert!(is_role(&t, role));
            assert_eq!(weight(&t, &backer(5), role), 0);
        }
        assert!(!is_role(&t, plain) && !is_role(&t, t.token));
        let promoting = Participant { units: 5, promoted: 1, ..Participant::default() };
        assert_eq!(weight(&t, &promoting, plain), 0);
    }

    #[test]
    fn figures_come_from_the_lens_records() {
        let state = IEscrow::OrderState {
            status: OrderStatus::Active.index(),
            milestone: 1,
            milestoneState: 2,
            since: alloy_primitives::aliases::U40::from(1_234_u64),
            unitsPledged: 6,
            weightedUnits: 2,
            promotedUnits: 4,
            backerCount: 3,
            promoterCount: 2,
            approvalUnits: 1,
        };
        let aux = IEscrow::OrderAux {
            withheld: alloy_primitives::aliases::U96::from(7_u64),
            refundPaid: alloy_primitives::aliases::U96::from(8_u64),
            refundedCount: 9,
        };
        let pool = IEscrow::PromoterPool {
            paid: alloy_primitives::aliases::U96::from(10_u64),
            closed: 11,
        };
        let f = OrderFigures::try_from((&state, &aux, &pool)).unwrap();
        assert_eq!(
            f,
            OrderFigures {
                status: OrderStatus::Active,
                milestone: 1,
                milestone_state: MilestoneState::Disputed,
                since: 1_234,
                units_pledged: 6,
                weighted_units: 2,
                promoted_units: 4,
                backer_count: 3,
                promoter_count: 2,
                approval_units: 1,
                withheld: Amount(n(7)),
                refund_paid: Amount(n(8)),
                refunded_count: 9,
                commission_paid: Amount(n(10)),
                promoters_closed: 11,
            }
        );
        let bare = OrderFigures::try_from(&state).unwrap();
        assert_eq!(bare.withheld, Amount::ZERO);
        assert!(
            OrderFigures::try_from(&IEscrow::OrderState { status: 7, ..state.clone() }).is_err()
        );
        assert!(
            OrderFigures::try_from(&IEscrow::OrderState { milestoneState: 3, ..state }).is_err()
        );
        let p = IEscrow::Participant {
            units: 3,
            promoter: Address::repeat_byte(5),
            promoted: 2,
            approved: 1,
            closed: true,
        };
        assert_eq!(
            Participant::from(&p),
            Participant {
                units: 3,
                promoter: Some(Address::repeat_byte(5)),
                promoted: 2,
                approved: 1,
                closed: true
            }
        );
        let none = IEscrow::Participant { promoter: Address::ZERO, ..p };
        assert_eq!(Participant::from(&none).promoter, None);
    }
}
