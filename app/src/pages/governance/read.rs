//! What the governance page reads: the API's proposals and delegates, names the catalogue
//! knows, and from each chain, in two batched rounds of `eth_call`s, the connected account's
//! tokens, votes and delegate, and every proposal as the Governor sees it now (state,
//! snapshot, deadline, tally, quorum, whether and with what power the account votes).
//!
//! The chain is the authority for everything a vote depends on: the mirror can be a few
//! blocks behind, and a tally or a voting power read from it could let a person act on a
//! number that is no longer true. What the chain cannot say (the description, the calls, how
//! someone voted) comes from the API. When a chain's node does not answer, the page falls
//! back to the mirror's figures.

use std::cell::RefCell;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use cointent_abi::{CointentGovernor, Token};
use cointent_domain::{
    Page,
    catalogue::CatalogueArtisan,
    chains::ChainInfo,
    governance::{
        GovernanceDelegate, GovernanceProposal, GovernanceProposalDetail, GovernanceVote,
        ProposalState,
    },
};

use super::calls::{self, addr_word, calldata};
use crate::{
    api, eth,
    net::{CallError, Calls},
};

/// The Governor's `ProposalState`, by index.
const GOV_STATES: [&str; 8] =
    ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];

/// One call's answer in a batch.
type Answer = Result<Vec<u8>, CallError>;

/// The connected account's tokens and votes on one chain.
pub(super) struct Holder {
    /// Its token balance.
    pub(super) balance: U256,
    /// Its voting power now (`getVotes`): what is delegated to it, its own tokens included
    /// when it delegated to itself.
    pub(super) power: U256,
    /// Whom its tokens are delegated to; zero when they are not.
    pub(super) delegate: Address,
    /// The delegate's voting power now.
    pub(super) delegate_power: U256,
}

/// How the connected account voted on a proposal.
pub(super) enum Ballot {
    /// It did not vote.
    None,
    /// It voted: the vote as the API recorded it, once the mirror has it.
    Cast(Option<GovernanceVote>),
}

/// A proposal as the Governor sees it now, with the mirror's description and calls.
pub(super) struct ProposalView {
    /// The mirror's record.
    pub(super) p: GovernanceProposal,
    /// The Governor's state (the recorded one when the chain cannot be asked).
    pub(super) state: &'static str,
    /// The snapshot: votes count as they were at this time (unix seconds, the Governor's
    /// clock being the timestamp).
    pub(super) snapshot: u64,
    /// The last second of voting.
    pub(super) deadline: u64,
    /// Against, for and abstain, in token base units.
    pub(super) tally: [U256; 3],
    /// The quorum at the snapshot, once the snapshot is past.
    pub(super) quorum: Option<U256>,
    /// The connected account's ballot, when an account is connected.
    pub(super) ballot: Option<Ballot>,
    /// The connected account's voting power at the snapshot, once the snapshot is past.
    pub(super) power: Option<U256>,
}

/// One chain's governance, for the connected account.
pub(super) struct ChainGov {
    /// The chain.
    pub(super) chain: ChainInfo,
    /// The Governor's clock (the latest block's time).
    pub(super) now: u64,
    /// Votes needed to propose.
    pub(super) threshold: U256,
    /// The connected account's tokens and votes, when one is connected and the chain answered.
    pub(super) holder: Option<Holder>,
    /// Delegates with voting power, strongest first (the API's).
    pub(super) delegates: Vec<GovernanceDelegate>,
    /// Its proposals, newest first.
    pub(super) proposals: Vec<ProposalView>,
}

/// Word `i` of a call's return data as a number.
pub(super) fn word(a: &Answer, i: usize) -> Option<U256> {
    calls::word(a.as_ref().ok()?, i)
}

/// Word `i` of a call's return data as an address.
fn address(a: &Answer, i: usize) -> Option<Address> {
    a.as_ref().ok()?.get(i * 32 + 12..i * 32 + 32).map(Address::from_slice)
}

/// The recorded state, for when the Governor cannot be asked.
fn recorded_state(s: ProposalState) -> &'static str {
    match s {
        ProposalState::Created => "Created",
        ProposalState::Queued => "Queued",
        ProposalState::Executed => "Executed",
        ProposalState::Canceled => "Canceled",
    }
}

thread_local! {
    /// Names of addresses, fetched once per visit (see [`known_names`]).
    static NAMES: RefCell<Option<Vec<(Address, String)>>> = const { RefCell::new(None) };
}

/// Names the catalogue knows (the artisans, who sell and may well hold votes) and the chains'
/// own contracts, for
/// addresses people would otherwise only see as hex: fetched with the page's first load,
/// then kept (profiles change rarely; the page reloads often).
async fn fetch_names(chains: &[ChainInfo]) {
    if NAMES.with_borrow(Option::is_some) {
        return;
    }
    let mut names: Vec<(Address, String)> = Vec::new();
    for c in chains {
        for (name, a) in &c.contracts {
            names.push((*a, format!("Co-Intent {}", name.replace('_', " "))));
        }
    }
    if let Ok(p) = api::get::<Page<CatalogueArtisan>>("/v1/artisans?limit=200").await {
        names.extend(p.items.into_iter().filter_map(|a| Some((a.address, a.name?))));
    }
    if !chains.is_empty() {
        NAMES.set(Some(names));
    }
}

/// The names [`load`] fetched (none before it did).
pub(super) fn known_names() -> Vec<(Address, String)> {
    NAMES.with_borrow(Clone::clone).unwrap_or_default()
}

/// Everything the page shows, for `me` (the connected account) on `chains`.
pub(super) async fn load(
    me: Option<Address>,
    chains: Vec<ChainInfo>,
) -> Result<Vec<ChainGov>, String> {
    fetch_names(&chains).await;
    let proposals: Page<GovernanceProposal> =
        api::get("/v1/governance/proposals?limit=100").await?;
    let delegates: Page<GovernanceDelegate> =
        api::get("/v1/governance/delegates?limit=100").await?;
    let mut out = Vec::with_capacity(chains.len());
    for chain in chains {
        let id = chain.chain_id;
        let ps = proposals.items.iter().filter(|p| p.chain_id == id).cloned().collect();
        let ds = delegates.items.iter().filter(|d| d.chain_id == id).cloned().collect();
        out.push(read_chain(me, chain, ps, ds).await);
    }
    Ok(out)
}

/// Where each value of the first round of calls is in the answers.
struct FirstRound {
    /// `clock()`, `proposalThreshold()`.
    chain: [usize; 2],
    /// The account's balance, votes and delegate.
    mine: Option<[usize; 3]>,
    /// Each proposal's state, snapshot, deadline, votes, and whether the account voted.
    proposals: Vec<[Option<usize>; 5]>,
}

/// The first round: the chain's clock and threshold, the account's tokens, every proposal.
fn first_round(me: Option<U256>, gov: &str, token: &str, ids: &[U256]) -> (Calls, FirstRound) {
    use CointentGovernor as G;
    let mut c = Calls::default();
    let chain = [
        c.add(None, gov, &calldata(G::clockCall::SELECTOR, &[])),
        c.add(None, gov, &calldata(G::proposalThresholdCall::SELECTOR, &[])),
    ];
    let mine = me.map(|m| {
        [
            Token::balanceOfCall::SELECTOR,
            Token::getVotesCall::SELECTOR,
            Token::delegatesCall::SELECTOR,
        ]
        .map(|s| c.add(None, token, &calldata(s, &[m])))
    });
    let proposals = ids
        .iter()
        .map(|&id| {
            let [a, b, d, e] = [
                G::stateCall::SELECTOR,
                G::proposalSnapshotCall::SELECTOR,
                G::proposalDeadlineCall::SELECTOR,
                G::proposalVotesCall::SELECTOR,
            ]
            .map(|s| Some(c.add(None, gov, &calldata(s, &[id]))));
            let voted =
                me.map(|m| c.add(None, gov, &calldata(G::hasVotedCall::SELECTOR, &[id, m])));
            [a, b, d, e, voted]
        })
        .collect();
    (c, FirstRound { chain, mine, proposals })
}

/// The chain's governance from the first round's answers (the mirror's figures where the
/// chain did not answer).
fn apply_first(
    answers: &[Answer],
    r: FirstRound,
    chain: ChainInfo,
    proposals: Vec<GovernanceProposal>,
    delegates: Vec<GovernanceDelegate>,
) -> ChainGov {
    let num = |i: Option<usize>, w: usize| i.and_then(|i| answers.get(i)).and_then(|a| word(a, w));
    let [clock, threshold] = r.chain;
    let holder = r.mine.and_then(|[balance, power, delegate]| {
        Some(Holder {
            balance: num(Some(balance), 0)?,
            power: num(Some(power), 0)?,
            delegate: answers.get(delegate).and_then(|a| address(a, 0))?,
            delegate_power: U256::ZERO,
        })
    });
    let proposals = proposals
        .into_iter()
        .zip(r.proposals)
        .map(|(p, [state, snapshot, deadline, votes, voted])| {
            let state = num(state, 0)
                .and_then(|s| GOV_STATES.get(s.saturating_to::<usize>()).copied())
                .unwrap_or_else(|| recorded_state(p.state));
            let tally = match (num(votes, 0), num(votes, 1), num(votes, 2)) {
                (Some(a), Some(f), Some(x)) => [a, f, x],
                _ => [p.against_votes.0, p.for_votes.0, p.abstain_votes.0],
            };
            let ballot = voted.map(|_| match num(voted, 0) {
                Some(v) if !v.is_zero() => Ballot::Cast(None),
                _ => Ballot::None,
            });
            ProposalView {
                snapshot: num(snapshot, 0).map_or(p.vote_start, |s| s.saturating_to()),
                deadline: num(deadline, 0).map_or(p.vote_end, |d| d.saturating_to()),
                p,
                state,
                tally,
                quorum: None,
                ballot,
                power: None,
            }
        })
        .collect();
    ChainGov {
        now: num(Some(clock), 0).map_or(0, |n| n.saturating_to()),
        threshold: num(Some(threshold), 0).unwrap_or_default(),
        holder,
        delegates,
        proposals,
        chain,
    }
}

/// The second round: the delegate's votes, and the quorum and the account's votes at each
/// snapshot already past (they do not exist before). Returns where each answer will be.
fn second_round(
    me: Option<U256>,
    gov: &str,
    token: &str,
    c: &ChainGov,
) -> (Calls, Option<usize>, Vec<[Option<usize>; 2]>) {
    use CointentGovernor as G;
    let mut calls = Calls::default();
    let delegate = c.holder.as_ref().filter(|h| !h.delegate.is_zero()).map(|h| {
        calls.add(None, token, &calldata(Token::getVotesCall::SELECTOR, &[addr_word(h.delegate)]))
    });
    let past = c
        .proposals
        .iter()
        .map(|v| {
            let t = U256::from(v.snapshot);
            if v.snapshot >= c.now {
                return [None, None];
            }
            [
                Some(calls.add(None, gov, &calldata(G::quorumCall::SELECTOR, &[t]))),
                me.map(|m| calls.add(None, gov, &calldata(G::getVotesCall::SELECTOR, &[m, t]))),
            ]
        })
        .collect();
    (calls, delegate, past)
}

/// One chain's governance: two rounds of batched calls (the second needs the snapshots and
/// the delegate the first returns), then the API's record of the account's votes. The
/// rounds are planned and read by plain functions, so this future holds little.
async fn read_chain(
    me: Option<Address>,
    chain: ChainInfo,
    proposals: Vec<GovernanceProposal>,
    delegates: Vec<GovernanceDelegate>,
) -> ChainGov {
    let gov = chain.contract("governor").map(|a| eth::addr_hex(&a)).unwrap_or_default();
    let token = chain.contract("token").map(|a| eth::addr_hex(&a)).unwrap_or_default();
    let url = chain.rpc_url.clone();
    let me_word = me.map(addr_word);
    let ids: Vec<U256> = proposals.iter().map(|p| p.proposal_id.0).collect();
    let (calls, first) = first_round(me_word, &gov, &token, &ids);
    let answers = calls.run(&url).await.unwrap_or_default();
    let mut c = apply_first(&answers, first, chain, proposals, delegates);
    let (calls, delegate, past) = second_round(me_word, &gov, &token, &c);
    let answers = calls.run(&url).await.unwrap_or_default();
    let num = |i: Option<usize>| i.and_then(|i| answers.get(i)).and_then(|a| word(a, 0));
    if let (Some(h), Some(p)) = (c.holder.as_mut(), num(delegate)) {
        h.delegate_power = p;
    }
    for (v, [quorum, power]) in c.proposals.iter_mut().zip(past) {
        v.quorum = num(quorum);
        v.power = num(power);
    }
    // How the account voted: the chain says whether, the API's record with what choice.
    if let Some(me) = me {
        for v in c.proposals.iter_mut().filter(|v| matches!(v.ballot, Some(Ballot::Cast(_)))) {
            let path = format!("/v1/governance/proposals/{}/{}", v.p.chain_id, v.p.proposal_id.0);
            if let Ok(d) = api::get::<GovernanceProposalDetail>(&path).await {
                v.ballot = Some(Ballot::Cast(d.votes.into_iter().find(|x| x.voter == me)));
            }
        }
    }
    c
}
