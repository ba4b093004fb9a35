//! `GET /v1/governance/proposals`, `/v1/governance/proposals/{chain_id}/{id}`,
//! `/v1/governance/delegates`.

use cointent_domain::{
    Page,
    governance::{
        GovernanceDelegate, GovernanceProposal, GovernanceProposalDetail, ProposalState,
        VotingPhase,
    },
};

use crate::fixtures::round_trip;

#[test]
fn governance_reads_and_writes_back() {
    let proposals: Page<GovernanceProposal> = round_trip("governance_proposals");
    assert_eq!(proposals.items.len(), 2);
    let voting: GovernanceProposalDetail = round_trip("proposal_voting");
    assert_eq!(
        (voting.proposal.state, voting.proposal.voting),
        (ProposalState::Created, VotingPhase::Active)
    );
    let executed: GovernanceProposalDetail = round_trip("proposal_executed");
    assert_eq!(executed.proposal.state, ProposalState::Executed);
    assert_eq!(executed.proposal.targets.len(), executed.proposal.calldatas.len());
    assert!(!executed.votes.is_empty());
    let delegates: Page<GovernanceDelegate> = round_trip("governance_delegates");
    assert!(delegates.items.iter().all(|d| d.delegators > 0));
}
