//! Governor proposals with their tallies and votes, and delegates by voting power, for
//! `/v1/governance`.
//!
//! A proposal's voting phase comes from its chain's time as the mirror has it, the timestamp
//! of the checkpoint block (the Governor's clock is the timestamp): pending until
//! `vote_start`, active until `vote_end`, then closed; closed too once the proposal left the
//! `Created` state.

use cointent_domain::{
    Address, Bytes, Page,
    governance::{
        GovernanceDelegate, GovernanceProposal, GovernanceProposalDetail, GovernanceVote,
        ProposalState,
    },
};
use sqlx::{PgPool, Postgres, QueryBuilder, types::Json};

use super::{
    decode,
    keyset::{KeyType, Keyset, PageError, cursor_after},
};

/// Proposals, newest first.
const PROPOSALS: Keyset<'static> = Keyset {
    columns: &[
        ("p.created_block", KeyType::BigInt),
        ("p.chain_id", KeyType::BigInt),
        ("p.proposal_id", KeyType::Numeric),
    ],
    descending: true,
};

/// Delegates, strongest first, then by chain and address (ascending): the key turns after
/// `votes`.
const DELEGATES: Keyset<'static> = Keyset {
    columns: &[
        ("v.votes", KeyType::Numeric),
        ("v.chain_id", KeyType::BigInt),
        ("v.delegate", KeyType::Text),
    ],
    descending: true,
};

/// A proposal over `proposals p LEFT JOIN chains c`, with its voting phase.
#[derive(Debug, sqlx::FromRow)]
struct ProposalRow {
    chain_id: i64,
    proposal_id: String,
    proposer: String,
    description: String,
    state: String,
    voting: String,
    vote_start: i64,
    vote_end: i64,
    eta: Option<i64>,
    for_votes: String,
    against_votes: String,
    abstain_votes: String,
    targets: Json<Vec<Address>>,
    calldatas: Json<Vec<Bytes>>,
    created_block: i64,
    created_at: String,
}

impl TryFrom<ProposalRow> for GovernanceProposal {
    type Error = sqlx::Error;

    fn try_from(row: ProposalRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            chain_id: decode::unsigned("chain_id", row.chain_id)?,
            proposal_id: decode::parse("proposal_id", &row.proposal_id)?,
            proposer: decode::address("proposer", &row.proposer)?,
            description: row.description,
            state: decode::parse("state", &row.state)?,
            voting: decode::parse("voting", &row.voting)?,
            vote_start: decode::unsigned("vote_start", row.vote_start)?,
            vote_end: decode::unsigned("vote_end", row.vote_end)?,
            eta: row.eta.map(|e| decode::unsigned("eta", e)).transpose()?,
            for_votes: decode::amount("for_votes", &row.for_votes)?,
            against_votes: decode::amount("against_votes", &row.against_votes)?,
            abstain_votes: decode::amount("abstain_votes", &row.abstain_votes)?,
            targets: row.targets.0,
            calldatas: row.calldatas.0,
            created_block: decode::unsigned("created_block", row.created_block)?,
            created_at: decode::time(row.created_at),
        })
    }
}

/// Which proposals to list.
#[derive(Debug, Clone, Default)]
pub struct ProposalFilter {
    /// Only this chain.
    pub chain_id: Option<i64>,
    /// Only proposals in this recorded state.
    pub state: Option<ProposalState>,
}

/// A page of `limit` proposals matching `filter`, newest first (by created block, chain and
/// id), after the one whose sort key is `after` (`created_block`, `chain_id`, `proposal_id`).
#[tracing::instrument(skip(pool))]
pub async fn proposals(
    pool: &PgPool,
    filter: &ProposalFilter,
    after: Option<&[String]>,
    limit: u32,
) -> Result<Page<GovernanceProposal>, PageError> {
    let mut sql = QueryBuilder::<Postgres>::new(
        "SELECT p.chain_id, p.proposal_id::TEXT AS proposal_id, p.proposer, p.description,
                p.state,
                CASE WHEN p.state <> 'Created' THEN 'closed'
                     WHEN coalesce(c.checkpoint_time, 0) <= p.vote_start THEN 'pending'
                     WHEN c.checkpoint_time <= p.vote_end THEN 'active' ELSE 'closed' END AS voting,
                p.vote_start, p.vote_end, p.eta, p.for_votes::TEXT AS for_votes,
                p.against_votes::TEXT AS against_votes, p.abstain_votes::TEXT AS abstain_votes,
                p.targets, p.calldatas, p.created_block, json_time(p.created_at) AS created_at
         FROM proposals p LEFT JOIN chains c ON c.chain_id = p.chain_id WHERE true",
    );
    if let Some(c) = filter.chain_id {
        sql.push(" AND p.chain_id = ").push_bind(c);
    }
    if let Some(s) = filter.state {
        sql.push(" AND p.state = ").push_bind(s.as_str());
    }
    PROPOSALS.push(&mut sql, after, limit)?;
    let rows: Vec<ProposalRow> = sql.build_query_as().fetch_all(pool).await?;
    let proposals = rows.into_iter().map(GovernanceProposal::try_from).collect::<Result<_, _>>()?;
    Ok(Page::from_rows(proposals, limit as usize, |p| {
        cursor_after(&[&p.created_block, &p.chain_id, &p.proposal_id])
    }))
}

/// A proposal with its votes, in one row.
#[derive(Debug)]
struct ProposalDetailRow {
    chain_id: i64,
    proposal_id: String,
    proposer: String,
    description: String,
    state: String,
    voting: String,
    vote_start: i64,
    vote_end: i64,
    eta: Option<i64>,
    for_votes: String,
    against_votes: String,
    abstain_votes: String,
    targets: Json<Vec<Address>>,
    calldatas: Json<Vec<Bytes>>,
    created_block: i64,
    created_at: String,
    votes: Json<Vec<GovernanceVote>>,
}

/// Proposal `proposal_id` (decimal) of `chain_id` with its votes, heaviest first (then by
/// voter); `None` when the mirror has no such proposal.
#[tracing::instrument(skip(pool))]
pub async fn proposal(
    pool: &PgPool,
    chain_id: i64,
    proposal_id: &str,
) -> sqlx::Result<Option<GovernanceProposalDetail>> {
    let row = sqlx::query_as!(
        ProposalDetailRow,
        r#"SELECT p.chain_id, p.proposal_id::TEXT AS "proposal_id!", p.proposer, p.description,
                p.state,
                CASE WHEN p.state <> 'Created' THEN 'closed'
                     WHEN coalesce(c.checkpoint_time, 0) <= p.vote_start THEN 'pending'
                     WHEN c.checkpoint_time <= p.vote_end THEN 'active' ELSE 'closed' END
                  AS "voting!",
                p.vote_start, p.vote_end, p.eta, p.for_votes::TEXT AS "for_votes!",
                p.against_votes::TEXT AS "against_votes!",
                p.abstain_votes::TEXT AS "abstain_votes!",
                p.targets AS "targets: Json<Vec<Address>>",
                p.calldatas AS "calldatas: Json<Vec<Bytes>>",
                p.created_block, json_time(p.created_at) AS "created_at!",
                coalesce((SELECT json_agg(json_build_object('voter', v.voter, 'support',
                        (ARRAY['against', 'for', 'abstain'])[v.support + 1],
                        'weight', v.weight::TEXT, 'reason', v.reason,
                        'block_number', v.block_number)
                        ORDER BY v.weight DESC, v.voter)
                    FROM votes v
                    WHERE v.chain_id = p.chain_id AND v.proposal_id = p.proposal_id),
                  '[]') AS "votes!: Json<Vec<GovernanceVote>>"
         FROM proposals p LEFT JOIN chains c ON c.chain_id = p.chain_id
         WHERE p.chain_id = $1 AND p.proposal_id = $2::TEXT::NUMERIC"#,
        chain_id,
        proposal_id
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let proposal = GovernanceProposal::try_from(ProposalRow {
        chain_id: row.chain_id,
        proposal_id: row.proposal_id,
        proposer: row.proposer,
        description: row.description,
        state: row.state,
        voting: row.voting,
        vote_start: row.vote_start,
        vote_end: row.vote_end,
        eta: row.eta,
        for_votes: row.for_votes,
        against_votes: row.against_votes,
        abstain_votes: row.abstain_votes,
        targets: row.targets,
        calldatas: row.calldatas,
        created_block: row.created_block,
        created_at: row.created_at,
    })?;
    Ok(Some(GovernanceProposalDetail { proposal, votes: row.votes.0 }))
}

/// A delegate with its voting power and delegators.
#[derive(Debug, sqlx::FromRow)]
struct DelegateRow {
    chain_id: i64,
    delegate: String,
    votes: String,
    delegators: i64,
}

impl TryFrom<DelegateRow> for GovernanceDelegate {
    type Error = sqlx::Error;

    fn try_from(row: DelegateRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            chain_id: decode::unsigned("chain_id", row.chain_id)?,
            delegate: decode::address("delegate", &row.delegate)?,
            votes: decode::amount("votes", &row.votes)?,
            delegators: decode::unsigned("delegators", row.delegators)?,
        })
    }
}

/// A page of `limit` delegates with voting power (of `chain_id`, or of every chain),
/// strongest first, then by chain and address, after the one whose sort key is `after`
/// (`votes`, `chain_id`, `delegate`).
#[tracing::instrument(skip(pool))]
pub async fn delegates(
    pool: &PgPool,
    chain_id: Option<i64>,
    after: Option<&[String]>,
    limit: u32,
) -> Result<Page<GovernanceDelegate>, PageError> {
    let mut sql = QueryBuilder::<Postgres>::new(
        "SELECT v.chain_id, v.delegate, v.votes::TEXT AS votes,
                (SELECT count(*) FROM delegations d
                 WHERE d.chain_id = v.chain_id AND d.delegate = v.delegate) AS delegators
         FROM voting_power v WHERE v.votes > 0",
    );
    if let Some(c) = chain_id {
        sql.push(" AND v.chain_id = ").push_bind(c);
    }
    DELEGATES.push_turning(&mut sql, after, limit, 1)?;
    let rows: Vec<DelegateRow> = sql.build_query_as().fetch_all(pool).await?;
    let delegates = rows.into_iter().map(GovernanceDelegate::try_from).collect::<Result<_, _>>()?;
    // The address as the mirror stores it (lower-case hex), the form the key compares.
    Ok(Page::from_rows(delegates, limit as usize, |d| {
        cursor_after(&[&d.votes, &d.chain_id, &format_args!("{:#x}", d.delegate)])
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// An answer of the API as it was captured (`cointent-domain`'s fixtures).
    macro_rules! fixture {
        ($name:literal) => {
            serde_json::from_str::<Value>(include_str!(concat!(
                "../../../domain/tests/fixtures/api/",
                $name,
                ".json"
            )))
            .unwrap()
        };
    }

    #[test]
    fn proposal_rows_become_the_api_json() {
        let fixture = fixture!("governance_proposals");
        for item in fixture["items"].as_array().unwrap() {
            let text = |k: &str| item[k].as_str().unwrap().to_string();
            let row = ProposalRow {
                chain_id: item["chain_id"].as_i64().unwrap(),
                proposal_id: text("proposal_id"),
                proposer: text("proposer"),
                description: text("description"),
                state: text("state"),
                voting: text("voting"),
                vote_start: item["vote_start"].as_i64().unwrap(),
                vote_end: item["vote_end"].as_i64().unwrap(),
                eta: item["eta"].as_i64(),
                for_votes: text("for_votes"),
                against_votes: text("against_votes"),
                abstain_votes: text("abstain_votes"),
                targets: Json(serde_json::from_value(item["targets"].clone()).unwrap()),
                calldatas: Json(serde_json::from_value(item["calldatas"].clone()).unwrap()),
                created_block: item["created_block"].as_i64().unwrap(),
                created_at: text("created_at"),
            };
            assert_eq!(json!(GovernanceProposal::try_from(row).unwrap()), *item);
        }
    }

    #[test]
    fn delegate_cursors_carry_the_stored_address() {
        let fixture = fixture!("governance_delegates");
        let delegates: Vec<GovernanceDelegate> = fixture["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                let row = DelegateRow {
                    chain_id: item["chain_id"].as_i64().unwrap(),
                    delegate: item["delegate"].as_str().unwrap().to_uppercase().replace("0X", "0x"),
                    votes: item["votes"].as_str().unwrap().to_string(),
                    delegators: item["delegators"].as_i64().unwrap(),
                };
                GovernanceDelegate::try_from(row).unwrap()
            })
            .collect();
        assert_eq!(json!(delegates), fixture["items"], "addresses come out lower-case");
        let page = Page::from_rows(delegates.clone(), 1, |d| {
            cursor_after(&[&d.votes, &d.chain_id, &format_args!("{:#x}", d.delegate)])
        });
        let parts = cointent_domain::page::decode_cursor(&page.next_cursor.unwrap(), 3).unwrap();
        let first = &fixture["items"][0];
        assert_eq!(parts[0], first["votes"].as_str().unwrap());
        assert_eq!(parts[1], first["chain_id"].to_string());
        assert_eq!(parts[2], first["delegate"].as_str().unwrap());
    }
}
