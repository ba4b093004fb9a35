//! The `chains` area of the API (see `indexer/api/openapi/chains.json`): every configured chain
//! with what a browser needs to reach it and how far the mirror has got.

use std::collections::BTreeMap;

use axum::{Json, Router, extract::State, routing::get};
use serde::Serialize;

use crate::{error::ApiResult, state::AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/chains", get(chains))
}

/// One chain as the API shows it.
#[derive(Debug, Serialize)]
struct ChainInfo {
    chain_id: u64,
    name: String,
    /// The RPC URL browsers use (the transparency page checks records against it).
    rpc_url: String,
    contracts: BTreeMap<String, String>,
    finality_depth: u64,
    head_block: i64,
    indexed_block: i64,
    lag: i64,
    live: bool,
    events: i64,
    reorgs: i64,
}

/// `[{chain_id, name, rpc_url, contracts, finality_depth, head_block, indexed_block, lag, live,
/// events, reorgs}]`, in the configuration's order. `live` is the ingester's own gauge when it
/// runs in this process, else whether the mirror is within the finality depth of the head.
async fn chains(State(state): State<AppState>) -> ApiResult<Json<Vec<ChainInfo>>> {
    let ids: Vec<i64> = state.config.chains.iter().map(|c| c.chain_id as i64).collect();
    let rows: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT chain_id, head_block, checkpoint_block, events, reorgs FROM chains
         WHERE chain_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&state.pool)
    .await?;
    let contracts: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT chain_id, name, address FROM contracts WHERE chain_id = ANY($1)")
            .bind(&ids)
            .fetch_all(&state.pool)
            .await?;
    let gauges: BTreeMap<u64, bool> =
        state.metrics.chains().into_iter().map(|(id, m)| (id, m.live.get() == 1)).collect();
    let out = state
        .config
        .chains
        .iter()
        .map(|c| {
            let id = c.chain_id as i64;
            let (head, indexed, events, reorgs) =
                rows.iter().find(|r| r.0 == id).map_or((0, 0, 0, 0), |r| (r.1, r.2, r.3, r.4));
            let mut names: BTreeMap<String, String> = contracts
                .iter()
                .filter(|r| r.0 == id)
                .map(|r| (r.1.clone(), r.2.clone()))
                .collect();
            names.extend(c.contracts.iter().map(|(n, a)| (n.clone(), format!("{a:#x}"))));
            let lag = (head - indexed).max(0);
            let live = gauges
                .get(&c.chain_id)
                .copied()
                .unwrap_or(head > 0 && lag <= c.finality_depth as i64);
            ChainInfo {
                chain_id: c.chain_id,
                name: c.name.clone(),
                rpc_url: c.browser_rpc_url().to_string(),
                contracts: names,
                finality_depth: c.finality_depth,
                head_block: head,
                indexed_block: indexed,
                lag,
                live,
                events,
                reorgs,
            }
        })
        .collect();
    Ok(Json(out))
}
