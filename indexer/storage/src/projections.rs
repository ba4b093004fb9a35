//! Projections: tables derived from the raw events, written set-based per batch.
//!
//! Each projection is SQL over the batch's rows of `events` (`$1` chain, `$2`..`$3` block
//! range), so a batch of any size costs a fixed number of statements, and anyone can
//! recompute every table from the events alone. Projection tables carry the undo trigger
//! (`attach_undo`), which makes them reorg-safe without projection-specific code.

use std::collections::BTreeSet;

use eyre::{Result, WrapErr};
use sqlx::{Postgres, Transaction};

/// A projection statement and the events it reads.
#[derive(Debug)]
pub struct Projection {
    /// For errors and traces.
    pub name: &'static str,
    /// Events it reads; it runs only for batches that contain one of them.
    pub reads: &'static [&'static str],
    /// The statement.
    pub sql: &'static str,
}

/// Every projection, in the order they run. Those of one table run in the order of the
/// lifecycle they follow (a milestone is delivered, approved, disputed, then released, ruled
/// on or expired), so that a batch holding a whole history leaves the same rows as one
/// batch per event.
pub static PROJECTIONS: &[Projection] = &[
    Projection {
        name: "token_balances",
        reads: &["Transfer"],
        sql: include_str!("../projections/token_balances.sql"),
    },
    Projection {
        name: "token_supply",
        reads: &["Transfer"],
        sql: include_str!("../projections/token_supply.sql"),
    },
    Projection {
        name: "orders",
        reads: &["OrderCreated"],
        sql: include_str!("../projections/orders.sql"),
    },
    Projection {
        name: "pledges",
        reads: &["Pledged", "Unpledged"],
        sql: include_str!("../projections/pledges.sql"),
    },
    Projection {
        name: "promotions",
        reads: &["Pledged", "Unpledged"],
        sql: include_str!("../projections/promotions.sql"),
    },
    Projection {
        name: "order_figures",
        reads: &[
            "Pledged",
            "Unpledged",
            "Finalized",
            "Cancelled",
            "MilestoneDelivered",
            "Disputed",
            "MilestoneReleased",
            "DisputeRuled",
            "Expired",
            "Completed",
            "Refunded",
        ],
        sql: include_str!("../projections/order_figures.sql"),
    },
    Projection {
        name: "milestone_delivered",
        reads: &["MilestoneDelivered"],
        sql: include_str!("../projections/milestone_delivered.sql"),
    },
    Projection {
        name: "milestone_approved",
        reads: &["MilestoneApproved"],
        sql: include_str!("../projections/milestone_approved.sql"),
    },
    Projection {
        name: "milestone_disputed",
        reads: &["Disputed"],
        sql: include_str!("../projections/milestone_disputed.sql"),
    },
    Projection {
        name: "milestone_released",
        reads: &["MilestoneReleased"],
        sql: include_str!("../projections/milestone_released.sql"),
    },
    Projection {
        name: "milestone_ruled",
        reads: &["DisputeRuled"],
        sql: include_str!("../projections/milestone_ruled.sql"),
    },
    Projection {
        name: "milestone_expired",
        reads: &["Expired"],
        sql: include_str!("../projections/milestone_expired.sql"),
    },
    Projection {
        name: "refunds",
        reads: &["Refunded"],
        sql: include_str!("../projections/refunds.sql"),
    },
    Projection {
        name: "claims",
        reads: &["Claimed", "CommissionClaimed"],
        sql: include_str!("../projections/claims.sql"),
    },
    Projection {
        name: "commissions",
        reads: &["CommissionClaimed"],
        sql: include_str!("../projections/commissions.sql"),
    },
    Projection {
        name: "escrow_balances",
        reads: &["Claimed", "CommissionClaimed", "DisputeRuled", "Withdrawn"],
        sql: include_str!("../projections/escrow_balances.sql"),
    },
    Projection {
        name: "escrow_params",
        reads: &["FeeBpsSet", "PausedSet"],
        sql: include_str!("../projections/escrow_params.sql"),
    },
    Projection {
        name: "payment_tokens",
        reads: &["TokenAllowed"],
        sql: include_str!("../projections/payment_tokens.sql"),
    },
    Projection {
        name: "terms_revocations",
        reads: &["TermsRevoked"],
        sql: include_str!("../projections/terms_revocations.sql"),
    },
    Projection {
        name: "listings",
        reads: &["Listed"],
        sql: include_str!("../projections/listings.sql"),
    },
    Projection {
        name: "listing_figures",
        reads: &["ListingUpdated", "Purchased"],
        sql: include_str!("../projections/listing_figures.sql"),
    },
    Projection {
        name: "purchases",
        reads: &["Purchased"],
        sql: include_str!("../projections/purchases.sql"),
    },
    Projection {
        name: "treasury_allocations",
        reads: &["AllocationsSet"],
        sql: include_str!("../projections/treasury_allocations.sql"),
    },
    Projection {
        name: "treasury_flows",
        reads: &["Received", "FeesDistributed", "AllocationCredited", "Withdrawn", "Spent"],
        sql: include_str!("../projections/treasury_flows.sql"),
    },
    Projection {
        name: "treasury_fees_in",
        reads: &["Transfer"],
        sql: include_str!("../projections/treasury_fees_in.sql"),
    },
    Projection {
        name: "delegations",
        reads: &["DelegateChanged"],
        sql: include_str!("../projections/delegations.sql"),
    },
    Projection {
        name: "voting_power",
        reads: &["DelegateVotesChanged"],
        sql: include_str!("../projections/voting_power.sql"),
    },
    Projection {
        name: "proposals",
        reads: &["ProposalCreated"],
        sql: include_str!("../projections/proposals.sql"),
    },
    Projection {
        name: "votes",
        reads: &["VoteCast", "VoteCastWithParams"],
        sql: include_str!("../projections/votes.sql"),
    },
    Projection {
        name: "proposal_tally",
        reads: &["VoteCast", "VoteCastWithParams"],
        sql: include_str!("../projections/proposal_tally.sql"),
    },
    Projection {
        name: "proposal_state",
        reads: &["ProposalQueued", "ProposalExecuted", "ProposalCanceled"],
        sql: include_str!("../projections/proposal_state.sql"),
    },
];

/// A projection the database refused, with the database's own message.
#[derive(Debug, thiserror::Error)]
#[error("projection {name}: {error}")]
pub struct ProjectionError {
    /// The projection.
    pub name: &'static str,
    /// What the database said.
    pub error: sqlx::Error,
}

impl ProjectionError {
    /// The SQLSTATE of the database's error, if it is one.
    pub fn code(&self) -> Option<String> {
        self.error.as_database_error().and_then(|e| e.code()).map(|c| c.into_owned())
    }
}

/// Applies the projections that read any of `events` to blocks `from..=to` of `chain`.
pub async fn apply(
    tx: &mut Transaction<'_, Postgres>,
    chain: i64,
    from: i64,
    to: i64,
    events: &BTreeSet<&str>,
) -> Result<()> {
    for p in PROJECTIONS.iter().filter(|p| p.reads.iter().any(|e| events.contains(e))) {
        sqlx::query(p.sql)
            .bind(chain)
            .bind(from)
            .bind(to)
            .execute(&mut **tx)
            .await
            .map_err(|error| ProjectionError { name: p.name, error })?;
    }
    Ok(())
}

/// The projection tables: those carrying the undo trigger.
pub async fn tables(tx: &mut Transaction<'_, Postgres>) -> Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT DISTINCT c.relname::TEXT FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE t.tgname = 'undo' ORDER BY 1",
    )
    .fetch_all(&mut **tx)
    .await
    .wrap_err("listing the projection tables")
}
