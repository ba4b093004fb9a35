//! The `chains` area of the API: every configured chain with what a browser needs to reach
//! it and how far the mirror has got; the WalletConnect settings the app pairs phone wallets with.

use std::collections::BTreeMap;

use axum::{Json, extract::State};
use cointent_domain::{
    Address,
    chains::{ChainInfo, NativeCurrency, PaymentToken, WalletConnectInfo},
};
use cointent_storage::read::chains as read;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{error::ApiResult, state::AppState};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_chains)).routes(routes!(walletconnect))
}

/// WalletConnect v2 settings for the app.
///
/// The project id (null when the server has none: the app then offers no WalletConnect
/// entry) and the relay the app pairs phone wallets through.
#[utoipa::path(
    get,
    path = "/walletconnect",
    operation_id = "getWalletConnect",
    tag = "chains",
    responses(
        (status = 200, description = "OK", body = WalletConnectInfo),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn walletconnect(State(state): State<AppState>) -> Json<WalletConnectInfo> {
    let wc = &state.config.walletconnect;
    Json(WalletConnectInfo { project_id: wc.project_id.clone(), relay_url: wc.relay_url.clone() })
}

/// Configured chains, the mirror's progress and the payment tokens.
///
/// In the configuration's order, each with its native currency, explorer and testnet flag
/// (from the configuration, or the built-in chain registry its entry names). `live` is the ingester's own gauge when it runs in this
/// process, else whether the mirror is within the finality depth of the head.
/// `payment_tokens` is the Escrow's allowlist as mirrored (native coin first), with each
/// ERC-20's symbol and decimals as the token answered them.
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
    let tokens = read::payment_tokens(&state.pool, &ids).await?;
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
            let native = c.native_currency.as_ref().map_or_else(ether, |n| NativeCurrency {
                name: n.name.clone(),
                symbol: n.symbol.clone(),
                decimals: n.decimals,
            });
            let live = gauges
                .get(&c.chain_id)
                .copied()
                .unwrap_or(head > 0 && lag <= c.finality_depth as i64);
            ChainInfo {
                chain_id: c.chain_id,
                name: c.name.clone(),
                testnet: c.testnet,
                explorer: c.explorer.clone(),
                rpc_url: c.browser_rpc_url().to_string(),
                contracts: names,
                finality_depth: c.finality_depth,
                head_block: head,
                indexed_block: indexed,
                lag,
                live,
                events: p.map_or(0, |p| p.events),
                reorgs: p.map_or(0, |p| p.reorgs),
                payment_tokens: tokens
                    .iter()
                    .filter(|t| t.chain_id == id)
                    .filter_map(|t| Some(payment_token(t.token.parse().ok()?, t, &native)))
                    .collect(),
                native_currency: native,
            }
        })
        .collect();
    Ok(Json(out))
}

/// The native currency of a chain whose configuration names none: Ether, as on Ethereum
/// and its rollups.
fn ether() -> NativeCurrency {
    NativeCurrency { name: "Ether".into(), symbol: "ETH".into(), decimals: 18 }
}

/// The zero address stands for the native coin.
fn payment_token(
    address: Address,
    t: &read::AllowedToken,
    native: &NativeCurrency,
) -> PaymentToken {
    if address == Address::ZERO {
        return PaymentToken {
            address,
            symbol: Some(native.symbol.clone()),
            decimals: Some(native.decimals),
        };
    }
    PaymentToken {
        address,
        symbol: t.symbol.clone(),
        decimals: t.decimals.and_then(|d| u8::try_from(d).ok()),
    }
}
