//! The `governance` area of the API (see `indexer/api/openapi/governance.json`): proposals with
//! their tallies and votes, and delegates by voting power.

use axum::{Router, extract::State, response::Response, routing::get};
use serde::Deserialize;
use sqlx::{Postgres, QueryBuilder};

use crate::{
    error::{ApiError, ApiPath, ApiQuery, ApiResult},
    page::{cursor_i64, cursor_text, cursor_uint, fetch_page, json_text, page_query},
    params::{chain_id, chain_segment, one_of, uint},
    state::AppState,
};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/governance/proposals", get(proposals))
        .route("/governance/proposals/{chain_id}/{proposal_id}", get(proposal))
        .route("/governance/delegates", get(delegates))
}

/// The states the mirror records (from the Governor's events).
const STATES: &[&str] = &["Created", "Queued", "Executed", "Canceled"];

/// A proposal's JSON over `proposals p` left-joined with `chains c` (for the voting phase,
/// from the chain's head block: the Governor uses the block-number clock).
const PROPOSAL: &str = "json_build_object(
    'chain_id', p.chain_id, 'proposal_id', p.proposal_id::TEXT, 'proposer', p.proposer,
    'description', p.description, 'state', p.state,
    'voting', CASE WHEN p.state <> 'Created' THEN 'closed'
                   WHEN coalesce(c.head_block, 0) <= p.vote_start THEN 'pending'
                   WHEN c.head_block <= p.vote_end THEN 'active' ELSE 'closed' END,
    'vote_start', p.vote_start, 'vote_end', p.vote_end, 'eta', p.eta,
    'for_votes', p.for_votes::TEXT, 'against_votes', p.against_votes::TEXT,
    'abstain_votes', p.abstain_votes::TEXT, 'targets', p.targets, 'calldatas', p.calldatas,
    'created_block', p.created_block, 'created_at', p.created_at)";

#[derive(Debug, Deserialize)]
struct ProposalsQuery {
    chain_id: Option<u64>,
    state: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Proposals, newest first.
async fn proposals(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ProposalsQuery>,
) -> ApiResult<Response> {
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "SELECT {PROPOSAL}::TEXT, p.created_block::TEXT, p.chain_id::TEXT, p.proposal_id::TEXT
         FROM proposals p LEFT JOIN chains c ON c.chain_id = p.chain_id WHERE true"
    ));
    if let Some(c) = q.chain_id {
        sql.push(" AND p.chain_id = ").push_bind(chain_id("chain_id", c)?);
    }
    if let Some(s) = &q.state {
        sql.push(" AND p.state = ").push_bind(one_of("state", s, STATES)?.to_string());
    }
    if let Some(c) = cursor {
        let (block, chain, id) = (cursor_i64(&c[0])?, cursor_i64(&c[1])?, cursor_uint(&c[2])?);
        sql.push(" AND (p.created_block, p.chain_id, p.proposal_id) < (")
            .push_bind(block)
            .push(", ")
            .push_bind(chain)
            .push(", ")
            .push_bind(id)
            .push("::NUMERIC)");
    }
    sql.push(" ORDER BY p.created_block DESC, p.chain_id DESC, p.proposal_id DESC LIMIT ")
        .push_bind(i64::from(limit) + 1);
    fetch_page(&state, sql, limit).await
}

/// One proposal with its votes (heaviest first).
async fn proposal(
    State(state): State<AppState>,
    ApiPath((chain, id)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let chain = chain_segment("chain_id", &chain)?;
    let chain_db = chain_id("chain_id", chain)?;
    let id = uint("proposal_id", &id)?;
    let sql = format!(
        "SELECT ({PROPOSAL}::jsonb || jsonb_build_object('votes', coalesce((
             SELECT jsonb_agg(jsonb_build_object('voter', v.voter, 'support',
                 (ARRAY['against', 'for', 'abstain'])[v.support + 1], 'weight', v.weight::TEXT,
                 'reason', v.reason, 'block_number', v.block_number)
                 ORDER BY v.weight DESC, v.voter)
             FROM votes v WHERE v.chain_id = p.chain_id AND v.proposal_id = p.proposal_id),
           '[]'::jsonb)))::TEXT
         FROM proposals p LEFT JOIN chains c ON c.chain_id = p.chain_id
         WHERE p.chain_id = $1 AND p.proposal_id = $2::NUMERIC"
    );
    let body: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(chain_db)
        .bind(&id)
        .fetch_optional(&state.pool)
        .await?;
    body.map(json_text)
        .ok_or_else(|| ApiError::not_found(format!("proposal {id} on chain {chain}")))
}

#[derive(Debug, Deserialize)]
struct DelegatesQuery {
    chain_id: Option<u64>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Delegates with voting power, strongest first: `{chain_id, delegate, votes, delegators}`.
async fn delegates(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<DelegatesQuery>,
) -> ApiResult<Response> {
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    let mut sql = QueryBuilder::<Postgres>::new(
        "SELECT json_build_object('chain_id', v.chain_id, 'delegate', v.delegate,
             'votes', v.votes::TEXT,
             'delegators', (SELECT count(*) FROM delegations d
                            WHERE d.chain_id = v.chain_id AND d.delegate = v.delegate))::TEXT,
           v.votes::TEXT, v.chain_id::TEXT, v.delegate
         FROM voting_power v WHERE v.votes > 0",
    );
    if let Some(c) = q.chain_id {
        sql.push(" AND v.chain_id = ").push_bind(chain_id("chain_id", c)?);
    }
    if let Some(c) = cursor {
        let (votes, chain, delegate) =
            (cursor_uint(&c[0])?, cursor_i64(&c[1])?, cursor_text(&c[2])?);
        sql.push(" AND (v.votes < ")
            .push_bind(votes.clone())
            .push("::NUMERIC OR (v.votes = ")
            .push_bind(votes)
            .push("::NUMERIC AND (v.chain_id, v.delegate) > (")
            .push_bind(chain)
            .push(", ")
            .push_bind(delegate)
            .push(")))");
    }
    sql.push(" ORDER BY v.votes DESC, v.chain_id, v.delegate LIMIT ")
        .push_bind(i64::from(limit) + 1);
    fetch_page(&state, sql, limit).await
}
