//! The `accounts` area of the API: `GET /v1/accounts/{address}` ([`Account`]) and
//! `GET /v1/accounts/{address}/orders?role=` (a [`Page`](crate::Page) of
//! [`OrderSummary`](crate::orders::OrderSummary)).

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

use crate::{Amount, OrderStatus};

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
