//! The `governance` area of the API: proposals with their tallies and votes, and delegates
//! by voting power.

use axum::{Json, extract::State};
use cointent_domain::{
    Page,
    governance::{GovernanceDelegate, GovernanceProposal, GovernanceProposalDetail, ProposalState},
};
use cointent_storage::read::governance as read;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiPath, ApiQuery, ApiResult},
    page::page_query,
    params::{chain_id, chain_segment, named, uint},
    state::AppState,
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(proposals))
        .routes(routes!(proposal))
        .routes(routes!(delegates))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ProposalsQuery {
    /// Only this chain.
    #[param(maximum = 9_223_372_036_854_775_807_u64)]
    chain_id: Option<u64>,
    /// Recorded state.
    #[param(value_type = Option<ProposalState>)]
    state: Option<String>,
    /// Items per page.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<u32>,
    /// next_cursor of the previous page.
    cursor: Option<String>,
}

/// Proposals, newest first.
///
/// By the block they were proposed in, then chain and id. `voting` comes from the time of
/// the chain's last mirrored block (the Governor's timestamp clock).
#[utoipa::path(
    get,
    path = "/governance/proposals",
    operation_id = "listProposals",
    tag = "governance",
    params(ProposalsQuery),
    responses(
        (status = 200, description = "OK", body = Page<GovernanceProposal>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn proposals(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ProposalsQuery>,
) -> ApiResult<Json<Page<GovernanceProposal>>> {
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    let filter = read::ProposalFilter {
        chain_id: q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?,
        state: q
            .state
            .as_deref()
            .map(|s| named("state", s, ProposalState::ALL, ProposalState::as_str))
            .transpose()?,
    };
    Ok(Json(read::proposals(&state.pool, &filter, cursor.as_deref(), limit).await?))
}

/// One proposal with its votes.
///
/// Votes heaviest first.
#[utoipa::path(
    get,
    path = "/governance/proposals/{chain_id}/{proposal_id}",
    operation_id = "getProposal",
    tag = "governance",
    params(
        ("chain_id" = u64, Path, description = "The chain.", maximum = 9_223_372_036_854_775_807_u64),
        ("proposal_id" = String, Path, description = "Decimal proposal id.", pattern = "^[0-9]{1,78}$"),
    ),
    responses(
        (status = 200, description = "OK", body = GovernanceProposalDetail),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn proposal(
    State(state): State<AppState>,
    ApiPath((chain, id)): ApiPath<(String, String)>,
) -> ApiResult<Json<GovernanceProposalDetail>> {
    let chain = chain_segment("chain_id", &chain)?;
    let chain_db = chain_id("chain_id", chain)?;
    let id = uint("proposal_id", &id)?;
    read::proposal(&state.pool, chain_db, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("proposal {id} on chain {chain}")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DelegatesQuery {
    /// Only this chain.
    #[param(maximum = 9_223_372_036_854_775_807_u64)]
    chain_id: Option<u64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<u32>,
    /// next_cursor of the previous page.
    cursor: Option<String>,
}

/// Delegates by voting power.
///
/// Delegates with voting power, strongest first (then by chain and address).
#[utoipa::path(
    get,
    path = "/governance/delegates",
    operation_id = "listDelegates",
    tag = "governance",
    params(DelegatesQuery),
    responses(
        (status = 200, description = "OK", body = Page<GovernanceDelegate>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn delegates(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<DelegatesQuery>,
) -> ApiResult<Json<Page<GovernanceDelegate>>> {
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    let chain = q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?;
    Ok(Json(read::delegates(&state.pool, chain, cursor.as_deref(), limit).await?))
}
