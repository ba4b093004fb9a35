//! The configured contracts against the chain and the mirror: code must exist at every
//! address (checked at start-up), and a contract added to the configuration, or whose
//! address changed, is backfilled from its deployment block without a manual re-index.

use alloy::primitives::Address;
use cointent_config::ChainConfig;
use eyre::{Result, bail};
use sqlx::PgPool;

use crate::{
    checkpoint::{self, Checkpoint, Fenced, Rewind, Writer},
    metrics::ChainMetrics,
    retry_db,
    rpc::Rpc,
};

/// Fails, naming the configuration key, when an address has no code on the chain (a wrong
/// address, or the contract is on another chain).
pub(crate) async fn check_code(rpc: &Rpc, chain: &ChainConfig) -> Result<()> {
    for (name, address) in &chain.contracts {
        let code = loop {
            match rpc.code(*address, None).await {
                Ok(code) => break code,
                Err(e) => {
                    tracing::warn!(chain = chain.chain_id, error = %e, "cannot check the contracts' code yet");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        };
        if code.is_empty() {
            bail!(
                "config key `chains[{}].contracts.{name}`: no code at {address} on chain {} \
                 ({}): a wrong address, or a contract on another chain?",
                chain.position,
                chain.chain_id,
                chain.name
            );
        }
    }
    Ok(())
}

/// The configured contracts with the first block indexed for each, as recorded.
pub(crate) async fn recorded(pool: &PgPool, chain: &ChainConfig) -> Vec<(String, Address, u64)> {
    let start = chain.start_block.unwrap_or(0);
    let stored = checkpoint::stored_contracts(pool, chain.chain_id).await.unwrap_or_default();
    chain
        .contracts
        .iter()
        .map(|(name, address)| {
            let from = stored
                .iter()
                .find(|(n, a, _)| n == name && a == address)
                .and_then(|(_, _, b)| *b)
                .unwrap_or(start);
            (name.clone(), *address, from)
        })
        .collect()
}

/// Brings the mirror in line with the configured contracts: a contract that is new (or at a
/// new address) is indexed from its deployment block, so the mirror goes back there; the
/// events of an address no longer configured go. Returns the checkpoint to resume from.
pub(crate) async fn reconcile(
    pool: &PgPool,
    rpc: &Rpc,
    chain: &ChainConfig,
    metrics: &ChainMetrics,
    writer: Writer,
    checkpoint: Checkpoint,
) -> Result<Checkpoint, Fenced> {
    let start = chain.start_block.unwrap_or(0);
    let stored = retry_db(metrics, || checkpoint::stored_contracts(pool, chain.chain_id)).await?;
    let is_stored =
        |name: &str, address: &Address| stored.iter().any(|(n, a, _)| n == name && a == address);
    let added: Vec<(&String, &Address)> =
        chain.contracts.iter().filter(|(n, a)| !is_stored(n, a)).collect();
    let dropped: Vec<Address> = stored
        .iter()
        .map(|(_, a, _)| *a)
        .filter(|a| !chain.contracts.values().any(|c| c == a))
        .collect();
    let mut contracts = recorded(pool, chain).await;
    let indexed_nothing = checkpoint.block < start as i64;
    if (added.is_empty() && dropped.is_empty()) || indexed_nothing {
        let unrecorded = stored.len() != contracts.len()
            || stored.iter().any(|(_, _, b)| b.is_none())
            || !added.is_empty();
        if unrecorded {
            let expected = checkpoint.block;
            retry_db(metrics, || checkpoint::record_contracts(pool, writer, expected, &contracts))
                .await?;
        }
        return Ok(checkpoint);
    }

    // Where the mirror must go back to: the deployment of each added contract, the first
    // event of each dropped address.
    let head = rpc.head().await;
    let mut to = u64::MAX;
    for (name, address) in &added {
        let deployed = deployment_block(rpc, **address, start, head).await;
        tracing::info!(chain = chain.chain_id, contract = %name, %address, deployed, "a contract new to the mirror: backfilling it from its deployment");
        if let Some(c) = contracts.iter_mut().find(|(n, _, _)| n == *name) {
            c.2 = deployed;
        }
        to = to.min(deployed);
    }
    if !dropped.is_empty() {
        let chain_id = chain.chain_id as i64;
        let addresses: Vec<String> = dropped.iter().map(|a| format!("{a:#x}")).collect();
        let first: Option<i64> = retry_db(metrics, || async {
            Ok(sqlx::query_scalar(
                "SELECT min(block_number) FROM events WHERE chain_id = $1 AND address = ANY($2)",
            )
            .bind(chain_id)
            .bind(&addresses)
            .fetch_one(pool)
            .await?)
        })
        .await?;
        tracing::info!(
            chain = chain.chain_id,
            ?dropped,
            "contracts no longer configured: their events go"
        );
        if let Some(first) = first {
            to = to.min(first as u64);
        }
    }
    let expected = checkpoint.block;
    if to as i64 > expected {
        retry_db(metrics, || checkpoint::record_contracts(pool, writer, expected, &contracts))
            .await?;
        return Ok(checkpoint);
    }
    let to = to.max(start);
    // Inside the undo window, an exact rollback; below it, a rewind that recomputes the
    // projections from the events kept.
    let window = retry_db(metrics, || checkpoint::recent_hashes(pool, chain.chain_id)).await?;
    let undoable = to > 0 && window.last().is_some_and(|(oldest, _)| to > *oldest);
    if undoable {
        let rolled =
            retry_db(metrics, || checkpoint::rollback(pool, writer, expected, to - 1, false))
                .await?;
        retry_db(metrics, || checkpoint::record_contracts(pool, writer, rolled.block, &contracts))
            .await?;
        return Ok(rolled);
    }
    let anchor = match to.checked_sub(1) {
        None => None,
        Some(n) => loop {
            if let Some(h) = rpc.header(n).await {
                break Some(h);
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        },
    };
    let rewind = Rewind { to, anchor, drop_addresses: dropped, reorg: false, contracts };
    retry_db(metrics, || checkpoint::rewind(pool, writer, expected, &rewind)).await
}

/// The first block with code at `address` (a binary search over `eth_getCode`), at least
/// `start`; `start` when the node cannot tell (old state pruned).
async fn deployment_block(rpc: &Rpc, address: Address, start: u64, head: u64) -> u64 {
    let has_code = |n: u64| async move { rpc.code(address, Some(n)).await.map(|c| !c.is_empty()) };
    match has_code(start).await {
        Ok(true) => return start,
        Ok(false) => {}
        Err(e) => {
            tracing::warn!(%address, error = %e, "cannot read old state: backfilling from the start block");
            return start;
        }
    }
    let (mut lo, mut hi) = (start, head);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match has_code(mid).await {
            Ok(true) => hi = mid,
            Ok(false) => lo = mid,
            Err(e) => {
                tracing::warn!(%address, error = %e, "cannot read old state: backfilling from the start block");
                return start;
            }
        }
    }
    hi
}
