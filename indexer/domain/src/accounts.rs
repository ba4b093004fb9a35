//! The `accounts` area of the API: `GET /v1/accounts/{address}` ([`Account`]) and
//! `GET /v1/accounts/{address}/orders?role=` (a [`Page`](crate::Page) of
//! [`OrderSummary`](crate::orders::OrderSummary)).

use alloy_primitives::{Address, B256, Bytes};
use serde::{Deserialize, Serialize};

use crate::{Amount, DateTime, OrderStatus};

/// What one address is in the mirror: its roles, what it earned, what it may withdraw from
/// the Escrow, and its reputation. An address the mirror never saw has zero counts and empty
/// lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    /// The account.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub address: Address,
    /// Its roles across every mirrored order.
    pub roles: AccountRoles,
    /// Claimed from orders (shares as seller, split recipient or treasury; promoter
    /// commissions), per token.
    pub earnings: Vec<Earning>,
    /// The Escrow's internal balances: credited by claims, amount still to withdraw.
    pub claimable: Vec<ClaimableBalance>,
    /// The seller's reputation, per chain.
    pub reputation: Vec<Reputation>,
}

/// An account's roles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountRoles {
    /// As seller.
    pub seller: SellerRole,
    /// As backer.
    pub backer: BackerRole,
    /// As promoter.
    pub promoter: PromoterRole,
    /// As split recipient.
    pub recipient: RecipientRole,
    /// As arbiter.
    pub arbiter: ArbiterRole,
}

/// An account as seller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SellerRole {
    /// Orders it sells.
    pub orders: u64,
    /// Those orders by status.
    pub by_status: StatusCounts,
}

/// A count per order status (every status present).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusCounts {
    /// Orders taking pledges.
    #[serde(rename = "Funding")]
    pub funding: u64,
    /// Funded orders delivering milestones.
    #[serde(rename = "Active")]
    pub active: u64,
    /// Orders that missed their goal.
    #[serde(rename = "Failed")]
    pub failed: u64,
    /// Orders the seller cancelled.
    #[serde(rename = "Cancelled")]
    pub cancelled: u64,
    /// Orders with every milestone released.
    #[serde(rename = "Completed")]
    pub completed: u64,
    /// Orders a ruling ended.
    #[serde(rename = "Resolved")]
    pub resolved: u64,
    /// Orders that expired on a milestone not delivered in time.
    #[serde(rename = "Expired")]
    pub expired: u64,
}

impl StatusCounts {
    /// The count for `status`.
    pub fn get(&self, status: OrderStatus) -> u64 {
        match status {
            OrderStatus::Funding => self.funding,
            OrderStatus::Active => self.active,
            OrderStatus::Failed => self.failed,
            OrderStatus::Cancelled => self.cancelled,
            OrderStatus::Completed => self.completed,
            OrderStatus::Resolved => self.resolved,
            OrderStatus::Expired => self.expired,
        }
    }
}

/// An account as backer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackerRole {
    /// Orders it holds units in or was refunded from.
    pub orders: u64,
    /// Units it holds.
    pub units: u64,
    /// What it paid and got back, per chain and token.
    pub paid: Vec<BackerPayment>,
}

/// What a backer paid in one token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackerPayment {
    /// The chain.
    pub chain_id: u64,
    /// The token.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub token: Address,
    /// Paid in, net of unpledges.
    pub paid: Amount,
    /// Refunded.
    pub refunded: Amount,
}

/// An account as promoter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromoterRole {
    /// Orders it brought backers to.
    pub orders: u64,
    /// Units those backers hold.
    pub units: u64,
    /// What they paid and the commission claimed, per chain and token.
    pub promoted: Vec<PromotedAmount>,
}

/// What a promoter's backers paid in one token, and the commission it claimed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotedAmount {
    /// The chain.
    pub chain_id: u64,
    /// The token.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub token: Address,
    /// What the promoted backers paid.
    pub amount: Amount,
    /// Commission claimed.
    pub commission_claimed: Amount,
}

/// An account as split recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecipientRole {
    /// Orders whose splits name the account.
    pub orders: u64,
}

/// An account as arbiter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArbiterRole {
    /// Orders naming it arbiter.
    pub orders: u64,
    /// Their milestones disputed and not yet resolved.
    pub open_disputes: u64,
}

/// What an account claimed in one token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Earning {
    /// The chain.
    pub chain_id: u64,
    /// The token.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub token: Address,
    /// Claimed as seller, split recipient or treasury.
    pub share: Amount,
    /// Claimed as promoter.
    pub commission: Amount,
    /// `share + commission`.
    pub total: Amount,
}

/// An account's internal balance of one token in the Escrow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimableBalance {
    /// The chain.
    pub chain_id: u64,
    /// The token.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub token: Address,
    /// Credited by claims.
    pub credited: Amount,
    /// Paid out.
    pub withdrawn: Amount,
    /// Still to withdraw: `credited - withdrawn`.
    pub amount: Amount,
}

/// A seller's reputation on one chain, recomputable from the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reputation {
    /// The chain.
    pub chain_id: u64,
    /// Orders completed.
    pub completed_orders: u64,
    /// Milestones released without a dispute.
    pub on_time_milestones: u64,
    /// Disputes upheld against its orders (a ruling withheld money or ended the order,
    /// including the default ruling).
    pub disputes_lost: u64,
    /// Milestones not delivered by their deadline (the order expired on them).
    pub deliveries_missed: u64,
    /// `completed_orders * 10 + on_time_milestones * 2 - (disputes_lost + deliveries_missed)
    /// * 15` (may be negative).
    pub score: i64,
}

/// `GET /v1/accounts/{address}/dashboard`: every order the account plays a part in (newest
/// first), each with what it means for the account in money and deadlines, by role, in one
/// answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    /// The account.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub address: Address,
    /// Its orders, newest first (at most [`Dashboard::MAX_ORDERS`]).
    pub orders: Vec<DashboardOrder>,
    /// Whether it plays a part in more orders than listed.
    pub truncated: bool,
    /// As a voter, per chain where it has voting power, delegates or voted.
    pub voter: Vec<VoterPosition>,
}

/// An account as a voter on one chain: its power, its delegate, the proposals open to a vote
/// and how it voted on them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoterPosition {
    /// The chain.
    pub chain_id: u64,
    /// Its voting power now (votes delegated to it, its own included once self-delegated).
    pub votes: Amount,
    /// Whom it delegates its tokens' votes to (itself, another, or null: nobody yet).
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::primitives::schema::Address>, required = true)
    )]
    pub delegate: Option<Address>,
    /// Proposals whose vote is open (newest first, at most 20), and its vote on each.
    pub open: Vec<VoterProposal>,
    /// Its votes on proposals whose vote closed (newest first, at most 20).
    pub voted: Vec<VoterProposal>,
}

/// A proposal on a voter's dashboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoterProposal {
    /// The proposal id.
    pub proposal_id: crate::ProposalId,
    /// Its description.
    pub description: String,
    /// When voting ends (unix seconds).
    pub vote_end: u64,
    /// The account's vote; null when it has not voted.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub vote: Option<VoterVote>,
}

/// A voter's vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoterVote {
    /// The choice.
    pub support: crate::governance::VoteSupport,
    /// The voting power it carried.
    pub weight: Amount,
    /// The reason given (may be empty).
    pub reason: String,
}

impl Dashboard {
    /// The most orders one dashboard lists.
    pub const MAX_ORDERS: usize = 100;
}

/// One order on an account's dashboard: the order, and the account's position in it in each
/// role it plays (absent roles are null).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardOrder {
    /// The order.
    pub summary: crate::orders::OrderSummary,
    /// Its packed terms, as every Escrow call takes them (for one-step actions).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::HexBytes))]
    pub terms_packed: Bytes,
    /// As its seller or a split recipient.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub maker: Option<MakerPosition>,
    /// As a backer (holding units, or refunded).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub backer: Option<BackerPosition>,
    /// As a promoter with promoted units.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub promoter: Option<PromoterPosition>,
    /// As its arbiter.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub arbiter: Option<ArbiterPosition>,
}

/// A seller's or split recipient's money in an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MakerPosition {
    /// It is the seller (else a split recipient only).
    pub seller: bool,
    /// Its share of what the order released so far (the Escrow's entitlement).
    pub earned: Amount,
    /// Claimed so far.
    pub claimed: Amount,
    /// Claimable now: `earned - claimed`.
    pub claimable: Amount,
    /// The milestone the seller must deliver next, with its deadline (sellers of active
    /// orders only).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub delivery_due: Option<MilestoneDue>,
}

/// A milestone waiting for someone, with its deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MilestoneDue {
    /// Its index, from 0.
    pub milestone: u32,
    /// What it releases.
    pub amount: Amount,
    /// The deadline.
    pub due_at: DateTime,
    /// keccak256 of the delivery proof (delivered milestones).
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::primitives::schema::Hash>, required = true)
    )]
    pub proof_hash: Option<B256>,
}

/// A backer's or buyer's money in an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackerPosition {
    /// Units held.
    pub units: u64,
    /// Paid in.
    pub paid: Amount,
    /// Refunded so far.
    pub refunded: Amount,
    /// What a refund would pay now.
    pub refundable: Amount,
    /// Whether its units carry approval and dispute weight.
    pub weighted: bool,
    /// A delivered milestone waiting for its confirmation (or dispute) within the review
    /// window, when its units carry weight.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub confirmation_due: Option<MilestoneDue>,
}

/// A promoter's commission in an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromoterPosition {
    /// Units its backers hold.
    pub units: u64,
    /// Commission claimed so far.
    pub claimed: Amount,
    /// Commission claimable now.
    pub claimable: Amount,
}

/// An arbiter's open case in an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArbiterPosition {
    /// The dispute waiting for its ruling, if any.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub open_dispute: Option<ArbiterCase>,
}

/// A dispute waiting for the arbiter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArbiterCase {
    /// The disputed milestone (its amount is the most a ruling may release) and the ruling's
    /// deadline, with the delivery proof's hash.
    pub milestone: MilestoneDue,
    /// Who disputed.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub disputed_by: Address,
    /// Why, in the disputer's words.
    pub reason: String,
    /// The bond it posted.
    pub bond: Amount,
}

impl DashboardOrder {
    /// `account`'s position in the order `d`: `treasury` is the chain's Treasury (its share
    /// counts as the treasury's, not a maker's), `share_claimed` what the account claimed as
    /// seller or split recipient.
    pub fn of(
        d: &crate::orders::OrderDetail,
        account: Address,
        treasury: Address,
        share_claimed: alloy_primitives::U256,
    ) -> Self {
        use crate::{MilestoneState, payout};
        let o = &d.summary;
        let active = o.status == OrderStatus::Active;
        let current = d.milestones.get(o.current_milestone as usize);
        let due = |at: &Option<DateTime>| {
            Some(MilestoneDue {
                milestone: current?.index,
                amount: current?.amount,
                due_at: at.clone()?,
                proof_hash: current?.proof_hash,
            })
        };
        let state = d.figures.milestone_state;
        let seller = d.terms.seller == account;
        let recipient = d.terms.splits.iter().any(|s| s.recipient == account);
        let maker = (seller || recipient).then(|| {
            let earned = payout::entitlement(&d.terms, treasury, &d.figures, account);
            MakerPosition {
                seller,
                earned: earned.into(),
                claimed: share_claimed.into(),
                claimable: earned.saturating_sub(share_claimed).into(),
                delivery_due: (seller && active && state == MilestoneState::Pending)
                    .then(|| due(&o.deliver_by))
                    .flatten(),
            }
        });
        let backer = d.pledges.iter().find(|p| p.backer == account).map(|p| BackerPosition {
            units: p.units,
            paid: p.paid,
            refunded: p.refunded,
            refundable: p.refundable,
            weighted: p.weighted,
            confirmation_due: (p.weighted && active && state == MilestoneState::Delivered)
                .then(|| due(&o.review_ends_at))
                .flatten(),
        });
        let promoter =
            d.promotions.iter().find(|p| p.promoter == account && p.units > 0).map(|p| {
                PromoterPosition {
                    units: p.units,
                    claimed: p.commission_claimed,
                    claimable: p.commission_claimable,
                }
            });
        let arbiter = (d.terms.arbiter == account).then(|| ArbiterPosition {
            open_dispute: d.disputes.iter().find(|x| !x.resolved).map(|x| {
                let m = d.milestones.get(x.milestone as usize);
                ArbiterCase {
                    milestone: MilestoneDue {
                        milestone: x.milestone,
                        amount: m.map(|m| m.amount).unwrap_or_default(),
                        due_at: x.ruling_ends_at.clone(),
                        proof_hash: m.and_then(|m| m.proof_hash),
                    },
                    disputed_by: x.disputed_by,
                    reason: x.reason.clone(),
                    bond: x.bond,
                }
            }),
        });
        Self {
            summary: o.clone(),
            terms_packed: d.proof.terms_packed.clone(),
            maker,
            backer,
            promoter,
            arbiter,
        }
    }
}
