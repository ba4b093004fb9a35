//! The `treasury` area of the API: balances and allocations computed from the Treasury's
//! events, every flow, and a monthly report (`GET /v1/treasury`, `/v1/treasury/flows`,
//! `/v1/treasury/report`).

use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};

use crate::{Amount, DateTime, lifecycle::named_enum};

named_enum!(
    /// The kind of a treasury flow.
    FlowKind, "treasury flow kind", "fees_in, received, distributed, credited, withdrawn, spent" {
        /// Tokens transferred to the treasury (the Escrow's fee withdrawals).
        FeesIn = "fees_in",
        /// Native coin received.
        Received = "received",
        /// Fees split by the allocations.
        Distributed = "distributed",
        /// One allocation's share, reserved for its recipient.
        Credited = "credited",
        /// A recipient paid out.
        Withdrawn = "withdrawn",
        /// Governance spending.
        Spent = "spent",
    }
);

/// Balances, allocations and totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreasuryOverview {
    /// Per chain and token.
    pub balances: Vec<TreasuryBalance>,
    /// The allocations in force, per chain, in order.
    pub allocations: Vec<TreasuryAllocation>,
    /// Totals.
    pub totals: TreasuryTotals,
}

/// The treasury's figures in one token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreasuryBalance {
    /// The chain.
    pub chain_id: u64,
    /// The token (the zero address for the native coin).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub token: Address,
    /// Fees transferred in.
    pub fees_in: Amount,
    /// Native coin received.
    pub received: Amount,
    /// Distributed by the allocations.
    pub distributed: Amount,
    /// Credited to allocation recipients.
    pub credited: Amount,
    /// Paid out to recipients.
    pub withdrawn: Amount,
    /// Spent by governance.
    pub spent: Amount,
    /// Held: fees_in + received - withdrawn - spent.
    pub balance: Amount,
    /// Credited to recipients, not yet withdrawn.
    pub reserved: Amount,
    /// balance - reserved.
    pub available: Amount,
}

/// One allocation of the fees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreasuryAllocation {
    /// The chain.
    pub chain_id: u64,
    /// Its position in the table, from 0.
    pub position: u32,
    /// Its label: a short name as a left-aligned bytes32 (e.g. "operations").
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub label: B256,
    /// Who receives it.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub recipient: Address,
    /// Its share of the fees, in bps.
    pub bps: u16,
}

impl TreasuryAllocation {
    /// The label as text: the bytes32 up to its first zero byte, if that is UTF-8.
    pub fn label_text(&self) -> Option<&str> {
        let bytes = self.label.as_slice();
        let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
        core::str::from_utf8(&bytes[..end]).ok()
    }
}

/// Totals of the overview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreasuryTotals {
    /// Flows recorded.
    pub flows: u64,
    /// The allocations' bps summed.
    pub allocated_bps: u64,
}

/// One movement of treasury money.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreasuryFlow {
    /// The chain.
    pub chain_id: u64,
    /// The block.
    pub block_number: u64,
    /// The log's index in its block.
    pub log_index: u32,
    /// The block's time.
    pub at: DateTime,
    /// What moved.
    pub kind: FlowKind,
    /// The token (the zero address for the native coin).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub token: Address,
    /// The other party (sender, recipient or payee), when there is one.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::primitives::schema::Address>, required = true)
    )]
    pub account: Option<Address>,
    /// The allocation's label, for credits.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::primitives::schema::Hash>, required = true)
    )]
    pub label: Option<B256>,
    /// The amount.
    pub amount: Amount,
    /// The transaction.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Hash))]
    pub tx_hash: B256,
}

/// Per month (UTC) and token: what came in, was distributed, credited, withdrawn and spent;
/// every month and token present, for charts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreasuryReport {
    /// The months covered, oldest first (`YYYY-MM`).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<schema::Month>))]
    pub months: Vec<String>,
    /// One row per month, chain and token.
    pub rows: Vec<TreasuryReportRow>,
}

/// One month of one token in the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreasuryReportRow {
    /// The month, `YYYY-MM` (UTC).
    #[cfg_attr(feature = "openapi", schema(value_type = schema::Month))]
    pub month: String,
    /// The chain.
    pub chain_id: u64,
    /// The token.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub token: Address,
    /// Fees transferred in.
    pub fees_in: Amount,
    /// Native coin received.
    pub received: Amount,
    /// Distributed by the allocations.
    pub distributed: Amount,
    /// Credited to allocation recipients.
    pub credited: Amount,
    /// Paid out to recipients.
    pub withdrawn: Amount,
    /// Spent by governance.
    pub spent: Amount,
}

/// The schema of the report's months.
#[cfg(feature = "openapi")]
pub mod schema {
    use std::borrow::Cow;

    use utoipa::{
        PartialSchema, ToSchema,
        openapi::{ObjectBuilder, RefOr, schema::Schema, schema::Type},
    };

    /// A month, `YYYY-MM` (UTC).
    pub struct Month;

    impl PartialSchema for Month {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[0-9]{4}-[0-9]{2}$"))
                .description(Some("A month, YYYY-MM (UTC)."))
                .examples(["2026-11"])
                .into()
        }
    }

    impl ToSchema for Month {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("Month")
        }
    }
}
