//! The `chains` area of the API: every configured chain with what a browser needs to reach
//! it and how far the mirror has got.

use std::collections::BTreeMap;

use axum::{Json, extract::State};
use cointent_domain::chains::ChainInfo;
use cointent_storage::read::chains as read;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{error::ApiResult, state::AppState};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_chains))
}

/// Configured chains and the mirror's progress.
///
/// In the configuration's order. `live` is the ingester's own gauge when it runs in this
/// process, else whether the mirror is within the finality depth of the head.
#[utoipa::path(
    get,
    path = "/chains",
    operation_id = "listChains",
    tag = "chains",
    responses(
        (status = 200, description = "OK", body = Vec<ChainInfo>),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn list_chains(State(state): State<AppState>) -> ApiResult<Json<Vec<ChainInfo>>> {
    let ids: Vec<i64> = state.config.chains.iter().map(|c| c.chain_id as i64).collect();
    let progress = read::progress(&state.pool, &ids).await?;
    let contracts = read::contracts(&state.pool, &ids).await?;
    let gauges: BTreeMap<u64, bool> =
        state.metrics.chains().into_iter().map(|(id, m)| (id, m.live.get() == 1)).collect();
    let out = state
        .config
        .chains
        .iter()
        .map(|c| {
            let id = c.chain_id as i64;
            let p = progress.iter().find(|p| p.chain_id == id);
            let (head, indexed) = p.map_or((0, 0), |p| (p.head_block, p.indexed_block));
            let mut names: BTreeMap<String, _> = contracts
                .iter()
                .filter(|r| r.chain_id == id)
                .filter_map(|r| Some((r.name.clone(), r.address.parse().ok()?)))
                .collect();
            names.extend(c.contracts.iter().map(|(n, a)| (n.clone(), *a)));
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
                events: p.map_or(0, |p| p.events),
                reorgs: p.map_or(0, |p| p.reorgs),
            }
        })
        .collect();
    Ok(Json(out))
}
