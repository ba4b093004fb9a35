//! The `orders` area of the API: the order list with its filters and full-text search, and
//! one order in full (terms, funding, pledges, milestones, disputes, the price breakdown,
//! metadata and the on-chain proof).

use axum::{
    Json,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use cointent_domain::{
    OrderKind, OrderStatus, Page,
    orders::{OrderDetail, OrderSummary},
    primitives::schema::Address,
};
use cointent_storage::read::{
    details,
    orders::{self as read, OrderFilter},
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiPath, ApiQuery, ApiResult},
    page::page_query,
    params::{address, chain_id, chain_segment, metadata_filter, uint},
    record::OrderRecord,
    state::AppState,
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_orders)).routes(routes!(get_order))
}

/// The order list's query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this chain.
    #[param(maximum = 9223372036854775807_u64)]
    chain_id: Option<u64>,
    /// Kind of trade.
    #[param(value_type = Option<OrderKind>, inline)]
    kind: Option<String>,
    /// Lifecycle status.
    #[param(value_type = Option<OrderStatus>, inline)]
    status: Option<String>,
    /// Seller address.
    #[param(value_type = Option<Address>)]
    seller: Option<String>,
    /// Payment token address.
    #[param(value_type = Option<Address>)]
    token: Option<String>,
    /// Artisan region in the linked metadata, or its beginning, in any case.
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000]*$")]
    region: Option<String>,
    /// Category in the linked metadata, in any case.
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000]*$")]
    category: Option<String>,
    /// Artisan craft in the linked metadata, in any case.
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000]*$")]
    craft: Option<String>,
    /// Full-text search over the linked metadata (title, product, artisan, category,
    /// description, story); web-search syntax ("quoted phrases", -not, or). Blank means no
    /// filter.
    #[param(max_length = 200, pattern = "^[^\\u0000]*$")]
    q: Option<String>,
    /// Items per page.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<u32>,
    /// next_cursor of the previous page.
    cursor: Option<String>,
}

/// Orders, newest first.
///
/// Keyset pages ordered by (created_block, chain_id, order_id) descending.
#[utoipa::path(
    get,
    path = "/orders",
    operation_id = "listOrders",
    tag = "orders",
    params(ListQuery),
    responses(
        (status = 200, description = "OK", body = Page<OrderSummary>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn list_orders(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<OrderSummary>>> {
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    let filter = OrderFilter {
        chain_id: q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?,
        kind: q.kind.as_deref().map(|k| variant::<OrderKind>("kind", k)).transpose()?,
        status: q.status.as_deref().map(|s| variant::<OrderStatus>("status", s)).transpose()?,
        seller: q.seller.as_deref().map(|s| address("seller", s)).transpose()?,
        token: q.token.as_deref().map(|t| address("token", t)).transpose()?,
        metadata: metadata_filter(
            q.region.as_deref(),
            q.category.as_deref(),
            q.craft.as_deref(),
            q.q.as_deref(),
        )?,
    };
    Ok(Json(read::list(&state.pool, &filter, cursor.as_deref(), limit).await?))
}

/// One of an enum's API names, or a 400 naming `field` with the accepted ones.
fn variant<T>(field: &str, text: &str) -> ApiResult<T>
where
    T: std::str::FromStr<Err = cointent_domain::lifecycle::UnknownVariant>,
{
    text.parse().map_err(|e: cointent_domain::lifecycle::UnknownVariant| {
        ApiError::bad(field, format!("must be one of {}", e.expected))
    })
}

/// One order in full.
///
/// The summary with the on-chain terms, pledges, promotions, milestones (with their bps),
/// disputes, the price breakdown, the metadata document and the proof.
#[utoipa::path(
    get,
    path = "/orders/{chain_id}/{order_id}",
    operation_id = "getOrder",
    tag = "orders",
    params(
        ("chain_id" = u64, Path, description = "The chain's id."),
        ("order_id" = String, Path, pattern = "^[0-9]{1,78}$", description = "Decimal order id."),
    ),
    responses(
        (status = 200, description = "OK", body = OrderDetail),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn get_order(
    State(state): State<AppState>,
    ApiPath((chain, order)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let chain = chain_segment("chain_id", &chain)?;
    // Kept ready by the chain's writer (one lookup); else computed from the mirror.
    let (chain_db, order_id) = (chain_id("chain_id", chain)?, uint("order_id", &order)?);
    if let Some(body) = details::get(&state.pool, chain_db, &order_id).await? {
        return Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response());
    }
    Ok(Json(OrderRecord::load(&state, chain, &order).await?.detail()).into_response())
}
