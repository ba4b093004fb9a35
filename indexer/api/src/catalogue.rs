//! The catalogue: artisans, partner shops and products as the makers describe them in their
//! metadata documents. Only documents linked to at least one mirrored order or Shop listing
//! count: the catalogue shows what is on chain, not every upload.

use axum::{Json, extract::State};
use cointent_domain::{
    Page,
    catalogue::{
        CatalogueArbiter, CatalogueArtisan, CatalogueArtisanDetail, CatalogueFacets,
        CataloguePartner, CataloguePartnerDetail, CatalogueProduct,
    },
    primitives::schema::Address,
};
use cointent_storage::read::{
    catalogue::{self as read, ProductFilter},
    orders::MetadataFilter,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiPath, ApiQuery, ApiResult},
    page::page_query,
    params::{address, chain_id, metadata_filter},
    state::AppState,
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_arbiters))
        .routes(routes!(list_artisans))
        .routes(routes!(get_artisan))
        .routes(routes!(list_partners))
        .routes(routes!(get_partner))
        .routes(routes!(list_products))
        .routes(routes!(facets))
}

/// The query of the artisan and partner lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ProfilesQuery {
    /// Region (exact).
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000]*$")]
    region: Option<String>,
    /// Craft (exact).
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

impl ProfilesQuery {
    /// The page size, the cursor and the filters, checked in the order the API always did.
    fn parse(&self) -> ApiResult<(u32, Option<Vec<String>>, MetadataFilter)> {
        let page = page_query(self.limit, self.cursor.clone());
        let (limit, cursor) = (page.limit()?, page.cursor(1)?);
        let filter = metadata_filter(
            self.region.as_deref(),
            None,
            self.craft.as_deref(),
            self.q.as_deref(),
        )?;
        Ok((limit, cursor, filter))
    }
}

/// A query naming at most a chain (the arbiters, the facets).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ChainQuery {
    /// Only this chain.
    #[param(maximum = 9223372036854775807_u64)]
    chain_id: Option<u64>,
}

/// The arbiters orders name, most named first (at most 50).
///
/// With the disputes each ruled on, the ones that went to the default ruling because it did
/// not rule in time, and those waiting for its ruling now: for a maker choosing one.
#[utoipa::path(
    get,
    path = "/arbiters",
    operation_id = "listArbiters",
    tag = "catalogue",
    params(ChainQuery),
    responses(
        (status = 200, description = "OK", body = Page<CatalogueArbiter>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn list_arbiters(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ChainQuery>,
) -> ApiResult<Json<Page<CatalogueArbiter>>> {
    let chain = q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?;
    let items = read::arbiters(&state.pool, chain, 50).await?;
    Ok(Json(Page { items, next_cursor: None }))
}

/// The catalogue's regions, crafts and categories, each with its counts.
///
/// For a region explorer and a craft or category browser: every value that linked documents
/// give (as written; blanks left out), with the artisans, products, Shop listings and orders
/// under it, most used first, at most 100 of each. A value filters `/v1/artisans`,
/// `/v1/listings` and `/v1/orders` (`region`, `craft`, `category`).
#[utoipa::path(
    get,
    path = "/catalogue/facets",
    operation_id = "catalogueFacets",
    tag = "catalogue",
    params(ChainQuery),
    responses(
        (status = 200, description = "OK", body = CatalogueFacets),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn facets(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ChainQuery>,
) -> ApiResult<Json<CatalogueFacets>> {
    let chain = q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?;
    Ok(Json(read::facets(&state.pool, chain).await?))
}

/// Artisans of linked metadata, by address.
///
/// Only documents linked to at least one mirrored order or Shop listing count (`orders` and
/// `listings` count them); the newest document's description wins.
#[utoipa::path(
    get,
    path = "/artisans",
    operation_id = "listArtisans",
    tag = "catalogue",
    params(ProfilesQuery),
    responses(
        (status = 200, description = "OK", body = Page<CatalogueArtisan>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn list_artisans(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ProfilesQuery>,
) -> ApiResult<Json<Page<CatalogueArtisan>>> {
    let (limit, cursor, filter) = q.parse()?;
    Ok(Json(read::artisans(&state.pool, &filter, cursor.as_deref(), limit).await?))
}

/// One artisan with their orders.
///
/// Their orders are `items`, newest first, at most 200.
#[utoipa::path(
    get,
    path = "/artisans/{address}",
    operation_id = "getArtisan",
    tag = "catalogue",
    params(("address" = Address, Path, description = "The artisan's address.")),
    responses(
        (status = 200, description = "OK", body = CatalogueArtisanDetail),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn get_artisan(
    State(state): State<AppState>,
    ApiPath(artisan): ApiPath<String>,
) -> ApiResult<Json<CatalogueArtisanDetail>> {
    let artisan = address("address", &artisan)?;
    let found = read::artisan(&state.pool, &artisan).await?;
    found.map(Json).ok_or_else(|| ApiError::not_found(format!("artisan {artisan}")))
}

/// Partner shops of linked metadata, by address.
///
/// Only documents linked to at least one mirrored order or Shop listing count (a listing
/// also by naming the shop as its partner); the newest document's description wins.
/// `region` and `craft` are the artisan's in the same documents.
#[utoipa::path(
    get,
    path = "/partners",
    operation_id = "listPartners",
    tag = "catalogue",
    params(ProfilesQuery),
    responses(
        (status = 200, description = "OK", body = Page<CataloguePartner>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn list_partners(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ProfilesQuery>,
) -> ApiResult<Json<Page<CataloguePartner>>> {
    let (limit, cursor, filter) = q.parse()?;
    Ok(Json(read::partners(&state.pool, &filter, cursor.as_deref(), limit).await?))
}

/// One partner shop with its orders.
///
/// Its orders are `items`, newest first, at most 200.
#[utoipa::path(
    get,
    path = "/partners/{address}",
    operation_id = "getPartner",
    tag = "catalogue",
    params(("address" = Address, Path, description = "The shop's address.")),
    responses(
        (status = 200, description = "OK", body = CataloguePartnerDetail),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn get_partner(
    State(state): State<AppState>,
    ApiPath(partner): ApiPath<String>,
) -> ApiResult<Json<CataloguePartnerDetail>> {
    let partner = address("address", &partner)?;
    let found = read::partner(&state.pool, &partner).await?;
    found.map(Json).ok_or_else(|| ApiError::not_found(format!("partner {partner}")))
}

/// The product list's query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ProductsQuery {
    /// Only this chain.
    #[param(maximum = 9223372036854775807_u64)]
    chain_id: Option<u64>,
    /// Region (exact).
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000]*$")]
    region: Option<String>,
    /// Craft (exact).
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000]*$")]
    craft: Option<String>,
    /// Category (exact).
    #[param(min_length = 1, max_length = 100, pattern = "^[^\\u0000]*$")]
    category: Option<String>,
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

/// Orders whose metadata describes a product, newest first.
///
/// The order summary with `product`, `artisan` and `partner` from the linked document.
#[utoipa::path(
    get,
    path = "/products",
    operation_id = "listProducts",
    tag = "catalogue",
    params(ProductsQuery),
    responses(
        (status = 200, description = "OK", body = Page<CatalogueProduct>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn list_products(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ProductsQuery>,
) -> ApiResult<Json<Page<CatalogueProduct>>> {
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    let filter = ProductFilter {
        chain_id: q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?,
        metadata: metadata_filter(
            q.region.as_deref(),
            q.category.as_deref(),
            q.craft.as_deref(),
            q.q.as_deref(),
        )?,
    };
    Ok(Json(read::products(&state.pool, &filter, cursor.as_deref(), limit).await?))
}
