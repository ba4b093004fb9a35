//! The `transparency` area of the API (see `indexer/api/openapi/transparency.json`): an order's
//! record with the proof a browser needs to check it against the chain itself.

use axum::{Router, extract::State, response::Response, routing::get};

use crate::{
    error::{ApiPath, ApiResult},
    page::json_text,
    params::chain_segment,
    record::OrderRecord,
    state::AppState,
};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/transparency/{chain_id}/{order_id}", get(record))
}

/// `{"record": ..., "proof": {chain_id, contract, terms_hash, terms, terms_abi, tx_hash,
/// block_number, block_hash, log_index, rpc_url}}`: `keccak256(terms_abi)` is the terms hash
/// the Escrow stores (`termsHashOf`), and the event sits at the given block and log index.
async fn record(
    State(state): State<AppState>,
    ApiPath((chain, order)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let chain = chain_segment("chain_id", &chain)?;
    let record = OrderRecord::load(&state, chain, &order).await?;
    Ok(json_text(record.transparency_json()))
}
