//! The `listings` area of the API: the Shop's open listings with their filters and full-text
//! search, and one listing in full (what each purchase promises, one unit's price
//! breakdown, the metadata, its recent purchases and the partner shops offering it).

use axum::{Json, extract::State};
use cointent_domain::{
    Address, Page,
    listings::{ListingDetail, ListingSummary},
    primitives::schema,
};
use cointent_storage::read::listings::{self as read, ListingFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiPath, ApiQuery, ApiResult},
    page::page_query,
    params::{address, chain_id, chain_segment, metadata_filter, uint},
    state::AppState,
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_listings)).routes(routes!(get_listing))
}

/// The listing list's query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this chain.
    #[param(maximum = 9223372036854775807_u64)]
    chain_id: Option<u64>,
    /// The artisan (the seller of every purchase).
    #[param(value_type = Option<schema::Address>)]
    seller: Option<String>,
    /// A partner shop the listing names.
    #[param(value_type = Option<schema::Address>)]
    partner: Option<String>,
    /// Payment token address (the zero address: the native coin).
    #[param(value_type = Option<schema::Address>)]
    token: Option<String>,
    /// Artisan region in the linked metadata (exact).
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000]*$")]
    region: Option<String>,
    /// Category in the linked metadata (exact).
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000]*$")]
    category: Option<String>,
    /// Artisan craft in the linked metadata (exact).
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000]*$")]
    craft: Option<String>,
    /// Full-text search over the linked metadata (title, product, artisan, category,
    /// description, story); web-search syntax ("quoted phrases", -not, or). Blank means no
    /// filter.
    #[param(max_length = 200, pattern = "^[^\\u0000]*$")]
    q: Option<String>,
    /// true: only listings with units left.
    in_stock: Option<bool>,
    /// Items per page.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<u32>,
    /// next_cursor of the previous page.
    cursor: Option<String>,
}

/// The Shop's listings, newest first.
///
/// Keyset pages ordered by (listed_block, chain_id, listing_id) descending. Each item is a
/// listing with its price and stock now, what it sold, and a few fields of its linked
/// metadata document.
#[utoipa::path(
    get,
    path = "/listings",
    operation_id = "listListings",
    tag = "listings",
    params(ListQuery),
    responses(
        (status = 200, description = "OK", body = Page<ListingSummary>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn list_listings(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<ListingSummary>>> {
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    let filter = ListingFilter {
        chain_id: q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?,
        seller: q.seller.as_deref().map(|s| address("seller", s)).transpose()?,
        partner: q.partner.as_deref().map(|p| address("partner", p)).transpose()?,
        token: q.token.as_deref().map(|t| address("token", t)).transpose()?,
        in_stock: q.in_stock.unwrap_or(false),
        metadata: metadata_filter(
            q.region.as_deref(),
            q.category.as_deref(),
            q.craft.as_deref(),
            q.q.as_deref(),
        )?,
    };
    let mut page = read::list(&state.pool, &filter, cursor.as_deref(), limit).await?;
    for item in &mut page.items {
        native_coin(&state, item);
    }
    Ok(Json(page))
}

/// One listing in full.
///
/// The listing with what each purchase's order promises (review period, delivery schedule,
/// splits, promoter share, the fee in force), one unit's price breakdown, the metadata
/// document, its latest purchases (each an Escrow order) and every listing of the same
/// product on the chain: the partner shops offering it and the artisan's own.
#[utoipa::path(
    get,
    path = "/listings/{chain_id}/{listing_id}",
    operation_id = "getListing",
    tag = "listings",
    params(
        ("chain_id" = u64, Path, description = "The chain's id."),
        ("listing_id" = String, Path, pattern = "^[0-9]{1,78}$", description = "Decimal listing id."),
    ),
    responses(
        (status = 200, description = "OK", body = ListingDetail),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn get_listing(
    State(state): State<AppState>,
    ApiPath((chain, listing)): ApiPath<(String, String)>,
) -> ApiResult<Json<ListingDetail>> {
    let chain = chain_segment("chain_id", &chain)?;
    let (chain_db, listing_id) = (chain_id("chain_id", chain)?, uint("listing_id", &listing)?);
    let Some(mut detail) = read::detail(&state.pool, chain_db, &listing_id).await? else {
        return Err(ApiError::not_found(format!("listing {listing_id} on chain {chain}")));
    };
    native_coin(&state, &mut detail.summary);
    Ok(Json(detail))
}

/// The native coin's symbol and decimals, from the chain's configuration (Ether's when it
/// names none), as `/v1/chains` shows them: the mirror reads only ERC-20 tokens'.
fn native_coin(state: &AppState, listing: &mut ListingSummary) {
    if listing.token != Address::ZERO {
        return;
    }
    let chain = state.config.chains.iter().find(|c| c.chain_id == listing.chain_id);
    let (symbol, decimals) = match chain.and_then(|c| c.native_currency.as_ref()) {
        Some(n) => (n.symbol.clone(), n.decimals),
        None => ("ETH".to_string(), 18),
    };
    listing.token_symbol = Some(symbol);
    listing.token_decimals = Some(decimals);
}
