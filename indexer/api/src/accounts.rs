//! The `accounts` area of the API: what one address is in the mirror (seller, backer,
//! promoter, split recipient, arbiter), what it earned, what it may withdraw from the Escrow,
//! and its reputation; and its orders by role.

use axum::{Json, extract::State};
use cointent_domain::{
    Page,
    accounts::{Account, Dashboard, DashboardOrder, VoterPosition},
    orders::{OrderDetail, OrderSummary},
    primitives::schema::Address,
};
use cointent_storage::read::accounts::{self as read, OrderRole};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiPath, ApiQuery, ApiResult},
    page::page_query,
    params::address,
    record::OrderRecord,
    state::AppState,
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_account))
        .routes(routes!(list_account_orders))
        .routes(routes!(get_dashboard))
}

/// An address's roles, earnings, balances and reputation.
///
/// An address the mirror never saw has zero counts and empty lists.
#[utoipa::path(
    get,
    path = "/accounts/{address}",
    operation_id = "getAccount",
    tag = "accounts",
    params(("address" = Address, Path, description = "The account.")),
    responses(
        (status = 200, description = "OK", body = Account),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn get_account(
    State(state): State<AppState>,
    ApiPath(account): ApiPath<String>,
) -> ApiResult<Json<Account>> {
    let account = address("address", &account)?;
    Ok(Json(read::account(&state.pool, &account).await?))
}

/// The roles of `?role=`, by their API names.
const ROLES: &[(&str, OrderRole)] = &[
    ("seller", OrderRole::Seller),
    ("backer", OrderRole::Backer),
    ("promoter", OrderRole::Promoter),
    ("recipient", OrderRole::Recipient),
    ("arbiter", OrderRole::Arbiter),
    ("buyer", OrderRole::Buyer),
];

/// A role an account plays in an order (its schema for `?role=`).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // only its schema is used: the handler checks the text against `ROLES`
enum AccountRole {
    Seller,
    Backer,
    Promoter,
    Recipient,
    Arbiter,
    Buyer,
}

/// The query of an account's orders.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct OrdersQuery {
    /// recipient: named in the order's splits; buyer: the order's sole buyer (sales,
    /// purchases from the Shop's listings, freelance jobs).
    #[param(required = true, value_type = AccountRole, inline)]
    role: Option<String>,
    /// Items per page.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<u32>,
    /// next_cursor of the previous page.
    cursor: Option<String>,
}

/// An address's orders in one role.
///
/// Newest first.
#[utoipa::path(
    get,
    path = "/accounts/{address}/orders",
    operation_id = "listAccountOrders",
    tag = "accounts",
    params(("address" = Address, Path, description = "The account."), OrdersQuery),
    responses(
        (status = 200, description = "OK", body = Page<OrderSummary>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn list_account_orders(
    State(state): State<AppState>,
    ApiPath(account): ApiPath<String>,
    ApiQuery(q): ApiQuery<OrdersQuery>,
) -> ApiResult<Json<Page<OrderSummary>>> {
    let account = address("address", &account)?;
    let role = q.role.as_deref().ok_or_else(|| ApiError::bad("role", "required"))?;
    let Some(&(_, role)) = ROLES.iter().find(|(name, _)| *name == role) else {
        let names: Vec<&str> = ROLES.iter().map(|(name, _)| *name).collect();
        return Err(ApiError::bad("role", format!("must be one of {}", names.join(", "))));
    };
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    Ok(Json(read::orders(&state.pool, &account, role, cursor.as_deref(), limit).await?))
}

/// An address's dashboard: every order it plays a part in, with its money and deadlines.
///
/// Newest first, at most 100 orders (`truncated` says when there are more). Per order and
/// role: as seller or split recipient, what it earned, claimed and may claim now, and the
/// next delivery due; as backer, what it paid, was refunded and may take back now, and a
/// confirmation due; as promoter, its commission claimed and claimable; as arbiter, the
/// dispute waiting for its ruling. Each order carries its packed terms for one-step
/// actions. As a voter, per chain: its voting power, its delegate, the proposals open to a
/// vote with its vote on each, and its votes on closed ones.
#[utoipa::path(
    get,
    path = "/accounts/{address}/dashboard",
    operation_id = "getAccountDashboard",
    tag = "accounts",
    params(("address" = Address, Path, description = "The account.")),
    responses(
        (status = 200, description = "OK", body = Dashboard),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn get_dashboard(
    State(state): State<AppState>,
    ApiPath(account): ApiPath<String>,
) -> ApiResult<Json<Dashboard>> {
    let hex = address("address", &account)?;
    let me: alloy::primitives::Address =
        hex.parse().map_err(|_| ApiError::bad("address", "must be a 0x address"))?;
    let max = Dashboard::MAX_ORDERS;
    let rows = read::dashboard(&state.pool, &hex, max as i64 + 1).await?;
    let truncated = rows.len() > max;
    let mut orders = Vec::with_capacity(rows.len().min(max));
    for row in rows.into_iter().take(max) {
        let chain = u64::try_from(row.chain_id).unwrap_or_default();
        // The kept detail (one row read above); else computed as `GET /v1/orders/..` does.
        let detail = match row.detail.as_deref().map(serde_json::from_slice::<OrderDetail>) {
            Some(Ok(d)) => d,
            _ => OrderRecord::load(&state, chain, &row.order_id).await?.detail(),
        };
        let treasury = state
            .config
            .chains
            .iter()
            .find(|c| c.chain_id == chain)
            .and_then(|c| c.contracts.get("treasury").copied())
            .unwrap_or_default();
        let claimed = row.share_claimed.parse().unwrap_or_default();
        orders.push(DashboardOrder::of(&detail, me, treasury, claimed));
    }
    let voter = read::voter(&state.pool, &hex)
        .await?
        .into_iter()
        .map(|r| VoterPosition {
            chain_id: u64::try_from(r.chain_id).unwrap_or_default(),
            votes: r.votes.parse().unwrap_or_default(),
            delegate: r.delegate.and_then(|d| d.parse().ok()),
            open: r.open.0,
            voted: r.voted.0,
        })
        .collect();
    Ok(Json(Dashboard { address: me, orders, truncated, voter }))
}
