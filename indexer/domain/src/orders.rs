//! The `orders` area of the API: `GET /v1/orders` ([`Page`](crate::Page) of
//! [`OrderSummary`]) and `GET /v1/orders/{chain_id}/{order_id}` ([`OrderDetail`]).

use alloy_primitives::{Address, B256, Bytes};
use serde::{Deserialize, Serialize};

use crate::{
    Amount, DateTime, MilestoneState, OrderId, OrderKind, OrderStatus, Split, Terms,
    flatten::flattened, lifecycle::DisputeOutcome, metadata::MetadataJson, payout::OrderFigures,
};

/// One order as lists show it: the mirrored state plus a few fields of its linked metadata
/// document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderSummary {
    /// The chain the Escrow is on.
    pub chain_id: u64,
    /// The Escrow's order id.
    pub order_id: OrderId,
    /// Kind of trade, from the terms' shape.
    pub kind: OrderKind,
    /// Lifecycle status.
    pub status: OrderStatus,
    /// Maker, artisan or freelancer.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub seller: Address,
    /// Who sent the transaction creating the order: the seller, or whoever relayed the
    /// seller's signature over the terms (`createOrderFor`).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub creator: Address,
    /// Payment token; the zero address for the native coin.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub token: Address,
    /// Price of one unit in base units.
    pub unit_price: Amount,
    /// Funding goal in units.
    pub min_units: u64,
    /// Cap in units.
    pub max_units: u64,
    /// Units pledged now.
    pub units_pledged: u64,
    /// Units that carry approval and dispute weight: those of backers that are not the
    /// seller, a split recipient, the arbiter or a promoter of the order (the events'
    /// `weightedUnits`).
    pub weighted_units: u64,
    /// Amount paid in by backers, net of unpledges.
    pub funded: Amount,
    /// Cumulative amount released to the seller side (`totalReleased`: the settled
    /// milestones' amounts less what rulings withheld).
    pub released: Amount,
    /// Amount refunded to backers.
    pub refunded: Amount,
    /// Milestones settled (released or ruled on): the index of the current milestone while
    /// the order is `Active`, `milestone_count` once the schedule is done.
    pub current_milestone: u32,
    /// While the order is `Active` and the current milestone awaits delivery: its delivery
    /// deadline, after which anyone may expire the order; null otherwise.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub deliver_by: Option<DateTime>,
    /// While the current milestone is delivered: when its review window ends (then anyone may
    /// release it); null otherwise.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub review_ends_at: Option<DateTime>,
    /// While the current milestone is disputed: when the ruling period ends (then anyone may
    /// apply the default ruling); null otherwise.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ruling_ends_at: Option<DateTime>,
    /// While the order is `Active` and its current milestone not disputed: what disputing it
    /// costs (`bond_bps` of its amount, rounded up; `payout::dispute_bond`); null otherwise.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub dispute_bond: Option<Amount>,
    /// When funding closes.
    pub funding_deadline: DateTime,
    /// Platform fee in bps.
    pub fee_bps: u16,
    /// Promoters' commission in bps.
    pub promoter_bps: u16,
    /// Number of milestones.
    pub milestone_count: u32,
    /// keccak256 of the metadata document.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub metadata_hash: B256,
    /// keccak256 of the packed terms, as the Escrow stores it (`termsHashOf`).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub terms_hash: B256,
    /// The time of the block that created the order.
    pub created_at: DateTime,
    /// The block that created the order.
    pub created_block: u64,
    /// From the linked metadata document.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub title: Option<String>,
    /// From the linked metadata document.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub category: Option<String>,
    /// The artisan's region, from the linked metadata document.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub region: Option<String>,
    /// The artisan's craft, from the linked metadata document.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub craft: Option<String>,
    /// The document's first image URL.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub image: Option<String>,
}

/// One backer's pledge to an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderPledge {
    /// The backer.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub backer: Address,
    /// The backer's promoter (fixed by its first pledge); null when none.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::primitives::schema::Address>, required = true)
    )]
    pub promoter: Option<Address>,
    /// Units held now.
    pub units: u64,
    /// Whether the units carry approval and dispute weight: the backer is not the seller, a
    /// split recipient, the arbiter nor a promoter of the order (`payout::weight`).
    pub weighted: bool,
    /// Amount paid in, net of unpledges.
    pub paid: Amount,
    /// Amount refunded.
    pub refunded: Amount,
    /// What a refund would pay the backer now (`payout::refundable`, the lens's
    /// `refundable`): what it paid if the order failed or was cancelled, its pro-rata share
    /// of what was not released once the order ended, else 0.
    pub refundable: Amount,
}

/// One promoter's position in an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderPromotion {
    /// The promoter.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub promoter: Address,
    /// Units pledged by the backers the promoter brought.
    pub units: u64,
    /// What those backers paid.
    pub amount: Amount,
    /// Commission claimed so far.
    pub commission_claimed: Amount,
    /// What a commission claim would credit now (`payout::commission_claimable`, the lens's
    /// `commissionClaimable`).
    pub commission_claimable: Amount,
    /// Whether the promoter made its final claim after the order ended.
    pub closed: bool,
}

/// One milestone of an order, with its share, its deadlines and its state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderMilestone {
    /// Position, from 0.
    pub index: u32,
    /// Share of the funds it releases, in bps.
    pub bps: u16,
    /// Seconds the seller has to deliver it once its delivery window starts.
    pub delivery_period: u32,
    /// What it releases in full: the difference of cumulative floors of the funds
    /// (`payout::milestone_amount`; at the units pledged so far while funding).
    pub amount: Amount,
    /// Its state.
    pub state: MilestoneState,
    /// Its delivery deadline, once its delivery window started (at the end of funding for the
    /// first milestone, at the previous one's settlement for the others); null before.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub deliver_by: Option<DateTime>,
    /// Hash of the proof of delivery, once delivered.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::primitives::schema::Hash>, required = true)
    )]
    pub proof_hash: Option<B256>,
    /// When it was delivered.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub delivered_at: Option<DateTime>,
    /// When its review window ends.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub review_ends_at: Option<DateTime>,
    /// Units of the backers that approved it.
    pub approval_units: u64,
    /// The backer who disputed it.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::primitives::schema::Address>, required = true)
    )]
    pub disputed_by: Option<Address>,
    /// Amount it released to the seller side (its whole amount, or what a ruling released).
    pub released_amount: Amount,
    /// Amount a ruling withheld from it for backers (they take it back when the order ends).
    pub withheld_amount: Amount,
    /// The bond its dispute posted; null when it was not disputed.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub dispute_bond: Option<Amount>,
    /// How its dispute was ruled; null when it was not disputed or not ruled yet.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ruling: Option<DisputeOutcome>,
}

/// A dispute on one milestone of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderDispute {
    /// The disputed milestone's index.
    pub milestone: u32,
    /// The backer who disputed it.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub disputed_by: Address,
    /// Why, in the disputer's words (the `reason` it gave the contract; control characters
    /// that would make it display as something else are shown as U+FFFD).
    pub reason: String,
    /// The bond the disputer posted (`bond_bps` of the milestone's amount, rounded up).
    pub bond: Amount,
    /// When the ruling period ends: past it, anyone may apply the default ruling.
    pub ruling_ends_at: DateTime,
    /// Whether it was ruled on, by the arbiter or by default.
    pub resolved: bool,
    /// How it was ruled; null while open.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub outcome: Option<DisputeOutcome>,
    /// Who was credited the bond: the disputer when upheld, the seller when dismissed; null
    /// while open.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::primitives::schema::Address>, required = true)
    )]
    pub bond_to: Option<Address>,
    /// Amount of the milestone the ruling withheld for backers.
    pub withheld_amount: Amount,
    /// Amount of the milestone the ruling released to the seller side.
    pub released_amount: Amount,
    /// The time of the milestone's last change.
    pub updated_at: DateTime,
}

/// One split's part of an order breakdown.
// Fields in the order the API writes them (alphabetical, serde_json's map order), so
// serializing reproduces its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SplitShare {
    /// The split's part of the amount.
    pub amount: Amount,
    /// The split's bps (of what is left after the fee and the promoter pool).
    pub bps: u16,
    /// Who earns it.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub recipient: Address,
}

impl SplitShare {
    /// The split entry this share belongs to.
    pub fn split(&self) -> Split {
        Split { bps: self.bps, recipient: self.recipient }
    }
}

/// The Escrow's money scheme applied to `amount`: fee = floor(amount * fee_bps / 10000);
/// promoter pool = floor((amount - fee) * promoter_bps * promoted / (10000 * units)); splits
/// cascade over the rest; the seller takes the remainder. The parts sum to amount exactly.
// Computed by `payout::breakdown`.
// Fields in the order the API writes them (alphabetical, serde_json's map order), so
// serializing reproduces its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderBreakdown {
    /// The amount broken down.
    pub amount: Amount,
    /// The treasury's fee.
    pub platform_fee: Amount,
    /// The promoters' pool, shared pro rata of the units each brought.
    pub promoter_pool: Amount,
    /// The seller.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub seller: Address,
    /// The seller's remainder.
    pub seller_amount: Amount,
    /// Each split's part, in the split table's order.
    pub splits: Vec<SplitShare>,
}

/// Where an order's money goes: per unit, for what was funded and for what was released.
// Computed by `payout::price_breakdown`.
// Fields in the order the API writes them (alphabetical, serde_json's map order), so
// serializing reproduces its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderPriceBreakdown {
    /// For the whole funded amount, with the promoted units so far.
    pub funded: OrderBreakdown,
    /// How the promoter share applies to this order, in a sentence.
    pub note: String,
    /// For one unit at unit_price, with the promoter share at its maximum (a promoted unit).
    pub per_unit: OrderBreakdown,
    /// Whether any pledged unit came through a promoter (and promoter_bps > 0).
    pub promoter_share_applies: bool,
    /// For what has been released so far: each party's entitlement today.
    pub released: OrderBreakdown,
}

/// Where the order's `OrderCreated` event is on chain, and the packed terms it emitted, which
/// hash to `terms_hash`.
// Fields in the order the API writes them (alphabetical, serde_json's map order), so
// serializing reproduces its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderProof {
    /// The hash of the block holding the event.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub block_hash: B256,
    /// The block holding the event.
    pub block_number: u64,
    /// The chain.
    pub chain_id: u64,
    /// The Escrow's address.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::primitives::schema::Address>, required = true)
    )]
    pub contract: Option<Address>,
    /// The event's index in its block.
    pub log_index: u32,
    /// An RPC URL a browser can check the record against.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub rpc_url: Option<String>,
    /// The terms, as emitted in `OrderCreated` (`terms_packed`, unpacked).
    pub terms: Terms,
    /// The packed terms `OrderCreated` emitted, as every Escrow call takes them; their
    /// keccak256 is terms_hash (the Escrow's termsHashOf).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::HexBytes))]
    pub terms_packed: Bytes,
    /// keccak256(terms_packed).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub terms_hash: B256,
    /// The transaction that created the order.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub tx_hash: B256,
}

/// One order in full: the summary with the on-chain terms, the Escrow's records of it,
/// pledges, promotions, milestones (with their bps), disputes, the price breakdown, the
/// metadata document and the proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderDetail {
    /// The fields lists show.
    #[serde(flatten)]
    pub summary: OrderSummary,
    /// Pledges holding units or refunded, largest payment first.
    pub pledges: Vec<OrderPledge>,
    /// Promoters holding units, most units first.
    pub promotions: Vec<OrderPromotion>,
    /// Disputes, by milestone.
    pub disputes: Vec<OrderDispute>,
    /// The on-chain terms.
    pub terms: Terms,
    /// The Escrow's records of the order as the mirror has them (the lens's `orderState`,
    /// `orderAux` and `promoterPoolOf`): with the terms, what `cointent_domain::payout`
    /// computes each party's claimable amounts, commissions and refunds from.
    pub figures: OrderFigures,
    /// Every milestone of the terms, in order.
    pub milestones: Vec<OrderMilestone>,
    /// Where the money goes.
    pub price_breakdown: OrderPriceBreakdown,
    /// The linked metadata document (cointent.metadata/1), or null when none is uploaded.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::metadata::MetadataDocument>, required = true)
    )]
    pub metadata: Option<MetadataJson>,
    /// Where the record is on chain.
    pub proof: OrderProof,
}

flattened!(OrderDetail {
    summary: OrderSummary;
    pledges: Vec<OrderPledge>,
    promotions: Vec<OrderPromotion>,
    disputes: Vec<OrderDispute>,
    terms: Terms,
    figures: OrderFigures,
    milestones: Vec<OrderMilestone>,
    price_breakdown: OrderPriceBreakdown,
    metadata: Option<MetadataJson>,
    proof: OrderProof,
});
