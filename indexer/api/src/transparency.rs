//! The `transparency` area of the API: an order's record with the proof a browser needs to
//! check it against the chain itself.

use axum::{Json, extract::State};
use cointent_domain::transparency::TransparencyRecord;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiPath, ApiResult},
    params::chain_segment,
    record::OrderRecord,
    state::AppState,
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_transparency_record))
}

/// An order's record with its on-chain proof.
///
/// What a QR code on a product leads to. Check it against the chain over proof.rpc_url:
/// keccak256(proof.terms_packed) == proof.terms_hash == EscrowLens.termsHashOf(order_id) (the
/// lens of the Escrow at proof.contract, listed in /v1/chains as `escrow_lens`), and the
/// OrderCreated log at proof.block_hash / proof.log_index emitted proof.terms_packed.
#[utoipa::path(
    get,
    path = "/transparency/{chain_id}/{order_id}",
    operation_id = "getTransparencyRecord",
    tag = "transparency",
    params(
        ("chain_id" = u64, Path, description = "The chain's id."),
        ("order_id" = String, Path, pattern = "^[0-9]{1,78}$", description = "Decimal order id."),
    ),
    responses(
        (status = 200, description = "OK", body = TransparencyRecord),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn get_transparency_record(
    State(state): State<AppState>,
    ApiPath((chain, order)): ApiPath<(String, String)>,
) -> ApiResult<Json<TransparencyRecord>> {
    let chain = chain_segment("chain_id", &chain)?;
    Ok(Json(OrderRecord::load(&state, chain, &order).await?.transparency()))
}
