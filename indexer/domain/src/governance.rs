//! The `governance` area of the API: proposals with their tallies and votes, and delegates by
//! voting power (`GET /v1/governance/proposals`, `/v1/governance/proposals/{chain_id}/{id}`,
//! `/v1/governance/delegates`).

use alloy_primitives::{Address, Bytes};
use serde::{Deserialize, Serialize};

use crate::{Amount, DateTime, ProposalId, flatten::flattened, lifecycle::named_enum};

named_enum!(
    /// A proposal's state as the mirror records it from the Governor's events.
    ProposalState, "proposal state", "Created, Queued, Executed, Canceled" {
        /// Proposed (voting pending, active or over: see `voting`).
        Created = "Created",
        /// Queued in the timelock.
        Queued = "Queued",
        /// Executed.
        Executed = "Executed",
        /// Canceled.
        Canceled = "Canceled",
    }
);

named_enum!(
    /// Where a proposal's vote stands, from the chain's time (the Governor's clock is the
    /// block timestamp).
    VotingPhase, "voting phase", "pending, active, closed" {
        /// Voting has not started.
        Pending = "pending",
        /// Voting is open.
        Active = "active",
        /// Voting is over (or the proposal left the `Created` state).
        Closed = "closed",
    }
);

named_enum!(
    /// A vote's choice.
    VoteSupport, "vote support", "against, for, abstain" {
        /// Against (0).
        Against = "against",
        /// For (1).
        For = "for",
        /// Abstain (2).
        Abstain = "abstain",
    }
);

/// A Governor proposal with its tallies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GovernanceProposal {
    /// The chain.
    pub chain_id: u64,
    /// The proposal id.
    pub proposal_id: ProposalId,
    /// Who proposed it.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub proposer: Address,
    /// Its description.
    pub description: String,
    /// Its state.
    pub state: ProposalState,
    /// From the time of the last indexed block (the Governor's clock is the timestamp).
    pub voting: VotingPhase,
    /// When voting starts: it opens after this time (unix seconds).
    pub vote_start: u64,
    /// When voting ends: the last second of voting (unix seconds).
    pub vote_end: u64,
    /// When a queued proposal may execute (unix seconds).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub eta: Option<u64>,
    /// Votes for.
    pub for_votes: Amount,
    /// Votes against.
    pub against_votes: Amount,
    /// Abstentions.
    pub abstain_votes: Amount,
    /// The calls' targets.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::primitives::schema::Address>))]
    pub targets: Vec<Address>,
    /// The calls' data.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::primitives::schema::HexBytes>))]
    pub calldatas: Vec<Bytes>,
    /// The block it was proposed in.
    pub created_block: u64,
    /// That block's time.
    pub created_at: DateTime,
}

/// One proposal with its votes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GovernanceProposalDetail {
    /// The proposal.
    #[serde(flatten)]
    pub proposal: GovernanceProposal,
    /// Its votes, heaviest first.
    pub votes: Vec<GovernanceVote>,
}

flattened!(GovernanceProposalDetail { proposal: GovernanceProposal; votes: Vec<GovernanceVote> });

/// One vote on a proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GovernanceVote {
    /// The voter.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub voter: Address,
    /// The choice.
    pub support: VoteSupport,
    /// Its voting power.
    pub weight: Amount,
    /// The reason given (may be empty).
    pub reason: String,
    /// The block it was cast in.
    pub block_number: u64,
}

/// A delegate with voting power.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GovernanceDelegate {
    /// The chain.
    pub chain_id: u64,
    /// The delegate.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::primitives::schema::Address))]
    pub delegate: Address,
    /// Its voting power.
    pub votes: Amount,
    /// Accounts delegating to it.
    pub delegators: u64,
}
