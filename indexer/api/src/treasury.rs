//! The `treasury` area of the API: balances and allocations computed from the Treasury's
//! events, every flow, and a monthly report.
//!
//! Flow kinds (projection `treasury_flows`): `fees_in` (tokens transferred to the treasury,
//! the Escrow's fee withdrawals), `received` (native coin), `distributed` (fees split by the
//! allocations), `credited` (one allocation's share, reserved for its recipient), `withdrawn`
//! (a recipient paid out), `spent` (governance spending).

use axum::{Json, extract::State};
use cointent_domain::{
    Page,
    treasury::{FlowKind, TreasuryFlow, TreasuryOverview, TreasuryReport},
};
use cointent_storage::read::treasury as read;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiQuery, ApiResult},
    page::page_query,
    params::{address, chain_id, named},
    state::AppState,
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(overview)).routes(routes!(flows)).routes(routes!(report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ChainQuery {
    /// Only this chain.
    #[param(maximum = 9_223_372_036_854_775_807_u64)]
    chain_id: Option<u64>,
}

/// Treasury balances and allocations.
///
/// Computed from the Treasury's events and token transfers to it. Kinds: fees_in (tokens
/// transferred in), received (native coin), distributed, credited (reserved for an
/// allocation's recipient), withdrawn, spent.
#[utoipa::path(
    get,
    path = "/treasury",
    operation_id = "getTreasury",
    tag = "treasury",
    params(ChainQuery),
    responses(
        (status = 200, description = "OK", body = TreasuryOverview),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn overview(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ChainQuery>,
) -> ApiResult<Json<TreasuryOverview>> {
    let chain = q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?;
    Ok(Json(read::overview(&state.pool, chain).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FlowsQuery {
    /// Only this chain.
    #[param(maximum = 9_223_372_036_854_775_807_u64)]
    chain_id: Option<u64>,
    /// Flow kind.
    #[param(value_type = Option<FlowKind>)]
    kind: Option<String>,
    /// Token address (0x0 for native).
    #[param(value_type = Option<cointent_domain::primitives::schema::Address>)]
    token: Option<String>,
    /// Items per page.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<u32>,
    /// next_cursor of the previous page.
    cursor: Option<String>,
}

/// Every treasury flow, newest first.
///
/// By chain, block and log index.
#[utoipa::path(
    get,
    path = "/treasury/flows",
    operation_id = "listTreasuryFlows",
    tag = "treasury",
    params(FlowsQuery),
    responses(
        (status = 200, description = "OK", body = Page<TreasuryFlow>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn flows(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<FlowsQuery>,
) -> ApiResult<Json<Page<TreasuryFlow>>> {
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    let filter = read::FlowFilter {
        chain_id: q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?,
        kind: q
            .kind
            .as_deref()
            .map(|k| named("kind", k, FlowKind::ALL, FlowKind::as_str))
            .transpose()?,
        token: q.token.as_deref().map(|t| address("token", t)).transpose()?,
    };
    Ok(Json(read::flows(&state.pool, &filter, cursor.as_deref(), limit).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportQuery {
    /// Only this chain.
    #[param(maximum = 9_223_372_036_854_775_807_u64)]
    chain_id: Option<u64>,
    /// How many months, ending with the current one (UTC).
    #[param(minimum = 1, maximum = 120, default = 12)]
    months: Option<u32>,
}

/// Monthly treasury report for charts.
///
/// Per month (UTC, the last `months` up to the latest flow or now) and token: what came in,
/// was distributed, credited, withdrawn and spent. Every month and token is present (zeros
/// included).
#[utoipa::path(
    get,
    path = "/treasury/report",
    operation_id = "getTreasuryReport",
    tag = "treasury",
    params(ReportQuery),
    responses(
        (status = 200, description = "OK", body = TreasuryReport),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn report(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<TreasuryReport>> {
    let chain = q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?;
    let months = match q.months {
        None => 12,
        Some(n @ 1..=120) => n as i32,
        Some(_) => return Err(ApiError::bad("months", "must be between 1 and 120")),
    };
    Ok(Json(read::report(&state.pool, chain, months).await?))
}
