//! The `listings` area of the API: the Shop's open listings with their filters and full-text
//! search, and one listing in full (what each purchase promises, one unit's price
//! breakdown, the metadata, its recent purchases and the partner shops offering it).

use std::time::{SystemTime, UNIX_EPOCH};

use alloy::{
    network::TransactionBuilder,
    primitives::{U256, Uint},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use axum::{Json, extract::State};
use cointent_abi::Shop;
use cointent_domain::{
    Address, Amount, Page,
    listings::{ListingDetail, ListingSummary, ListingUpdateRequest, ListingUpdateTransaction},
    primitives::schema,
};
use cointent_storage::read::listings::{self as read, ListingFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult},
    identity::client_limit_of,
    page::page_query,
    params::{address, chain_id, chain_segment, metadata_filter, uint},
    signer,
    state::AppState,
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_listings))
        .routes(routes!(get_listing))
        .routes(routes!(update_listing))
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

/// Check an artisan-signed price and stock update and answer the transaction that makes it.
///
/// For partner shops (and anyone else) updating a listing they sell: the authority is the
/// listing's artisan's signature of the Shop's EIP-712 `Update(listingId, unitPrice, stock,
/// nonce, deadline)` with the artisan's current nonce (the digest is the Shop's own
/// `updateDigest` view). A key's signature, a contract wallet's (EIP-1271) or a not yet
/// deployed one's (ERC-6492) are checked as sign-in checks them. No session or key is
/// needed: the signature is the whole authority (the answered transaction could be sent
/// without this server at all, and the Shop checks the signature again), so a session would
/// add nothing but a second identity to check; the server's rate limits apply as to any
/// request, and each client IP may ask for `http.nonce_rate_limit_per_min` checks a minute
/// (60 by default; 429 over it), since each costs chain calls. Nothing is written: the answer is `updateFor` calldata for `to` (the Shop),
/// simulated with `eth_call` first, for the partner's system to send from any account.
/// Purchases already made keep their price (each is its own Escrow order).
///
/// 400 for a bad field (a unit price that is zero or over uint96, a deadline not in the
/// future, a signature not hex or over 8 KiB), 403 when the signature is not the artisan's,
/// 404 for an unknown listing, 409 when the Shop would refuse the transaction anyway, 503
/// when the chain cannot be asked.
#[utoipa::path(
    post,
    path = "/listings/{chain_id}/{listing_id}/updates",
    operation_id = "updateListing",
    tag = "listings",
    params(
        ("chain_id" = u64, Path, description = "The chain's id."),
        ("listing_id" = String, Path, pattern = "^[0-9]{1,78}$", description = "Decimal listing id."),
    ),
    request_body = ListingUpdateRequest,
    responses(
        (status = 200, description = "Checked and simulated: the transaction to send.", body = ListingUpdateTransaction),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 429, response = crate::openapi::TooManyRequests),
        (status = 503, response = crate::openapi::Unavailable),
    )
)]
async fn update_listing(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    ApiPath((chain, listing)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<ListingUpdateRequest>,
) -> ApiResult<Json<ListingUpdateTransaction>> {
    // Each check costs chain calls: limited per client as sign-in nonces are.
    let per_min = state.config.http.nonce_rate_limit_per_min;
    client_limit_of(&state.limits, &extensions, "listing-update", per_min)?;
    let chain = chain_segment("chain_id", &chain)?;
    let (chain_db, listing_id) = (chain_id("chain_id", chain)?, uint("listing_id", &listing)?);
    let unit_price: Uint<96, 2> = input
        .unit_price
        .parse::<U256>()
        .ok()
        .filter(|p| input.unit_price.bytes().all(|b| b.is_ascii_digit()) && !p.is_zero())
        .filter(|p| p.bit_len() <= 96)
        .map(|p| Uint::<96, 2>::from(p.to::<u128>()))
        .ok_or_else(|| ApiError::bad("unit_price", "not a decimal from 1 to 2^96 - 1"))?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    if input.deadline <= now {
        return Err(ApiError::bad("deadline", "has passed (unix seconds, must be in the future)"));
    }
    let signature = signer::parse_hex("signature", &input.signature)?;
    let Some(detail) = read::detail(&state.pool, chain_db, &listing_id).await? else {
        return Err(ApiError::not_found(format!("listing {listing_id} on chain {chain}")));
    };
    let seller = detail.summary.seller;
    let shop = state
        .config
        .chains
        .iter()
        .find(|c| c.chain_id == chain)
        .and_then(|c| c.contracts.get("shop").copied())
        .ok_or_else(|| ApiError::not_found(format!("a Shop on chain {chain}")))?;
    let rpc = state
        .rpc(chain)
        .ok_or_else(|| ApiError::Unavailable(format!("no RPC for chain {chain}")))?;
    let id: U256 = listing_id.parse().map_err(|_| ApiError::bad("listing_id", "not a uint256"))?;
    let deadline = U256::from(input.deadline);
    let view = |input: Vec<u8>| async move {
        rpc.call(shop, input.into())
            .await
            .map_err(|e| ApiError::Unavailable(format!("chain {chain}: {e}")))?
            .ok_or_else(|| ApiError::Internal(format!("the Shop's views reverted on {chain}")))
    };
    let digest = Shop::updateDigestCall {
        listingId: id,
        unitPrice: unit_price,
        stock: input.stock,
        deadline,
    };
    let digest = Shop::updateDigestCall::abi_decode_returns(&view(digest.abi_encode()).await?)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let nonce = Shop::noncesCall { account: seller }.abi_encode();
    let nonce = Shop::noncesCall::abi_decode_returns(&view(nonce).await?)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if !signer::verify(&state, chain, seller, digest, &signature, "signature").await? {
        return Err(ApiError::Forbidden(format!(
            "signature: not the listing's artisan's ({seller:#x}); a partner's own key cannot \
             change a listing"
        )));
    }
    // The Shop asks a wallet through EIP-1271 only: a wrapped signature of a deployed
    // wallet goes unwrapped (an undeployed one cannot pass the simulation: 409).
    let data = Shop::updateForCall {
        listingId: id,
        unitPrice: unit_price,
        stock: input.stock,
        deadline,
        signature: signer::unwrapped(&signature).into(),
    }
    .abi_encode();
    let simulated = rpc
        .simulate(TransactionRequest::default().with_to(shop).with_input(data.clone()))
        .await
        .map_err(|e| ApiError::Unavailable(format!("chain {chain}: {e}")))?;
    if simulated.is_none() {
        return Err(ApiError::Conflict(
            "the Shop refuses this update now (simulated); an artisan's wallet must be deployed"
                .into(),
        ));
    }
    Ok(Json(ListingUpdateTransaction {
        chain_id: chain,
        to: shop,
        data: data.into(),
        nonce: Amount::from(nonce),
        digest,
    }))
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
