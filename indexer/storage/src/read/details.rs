//! Order details kept ready: `order_details` holds each order's detail answer as the API
//! sends it (JSON bytes), so a first read is one primary-key lookup instead of the record
//! query and the payout rules.
//!
//! What writes the mirror keeps it right:
//! - a commit forgets the details of the orders its events name ([`forget`]), a rollback
//!   those of the orders whose events it removes ([`forget_from`]), a rewind or reset, a
//!   token's metadata or a metadata upload the ones they may change ([`forget_chain`],
//!   [`forget_linked`]), each inside the write's own transaction or right after it;
//! - the chain's writer then computes them again ([`refresh`]) and, once caught up, fills
//!   whatever is missing a chunk at a time ([`missing`]).
//!
//! Every forgetting and every refresh holds the chain's details lock (a transaction-scoped
//! advisory lock), so a refresh that read the mirror before a write committed cannot store
//! its answer after that write forgot it. A missing detail is computed by the API as before.

use cointent_config::ChainConfig;
use cointent_domain::{
    orders::{OrderDetail, OrderPriceBreakdown, OrderProof},
    payout,
};
use sqlx::{PgConnection, PgPool};

use super::orders::{OrderRecord, records};

/// The price breakdown and the proof of an order's record: what the detail and the
/// transparency record add to the mirror's rows (`chain` is the configured chain, if any,
/// for the RPC URL a browser checks the proof with and the Escrow's address).
pub fn parts(
    record: &OrderRecord,
    chain_id: u64,
    chain: Option<&ChainConfig>,
) -> (OrderPriceBreakdown, OrderProof) {
    let (summary, terms) = (&record.summary, &record.terms);
    let price_breakdown = payout::price_breakdown(
        &terms.payout(),
        terms.unit_price.0,
        summary.funded.0,
        summary.released.0,
        record.figures.promoted_units,
        summary.units_pledged,
    );
    let proof = OrderProof {
        block_hash: record.block_hash,
        block_number: summary.created_block,
        chain_id,
        // The mirror's address, else the configured one (a chain not indexed yet).
        contract: record.escrow.or_else(|| chain.and_then(|c| c.contracts.get("escrow")).copied()),
        log_index: record.log_index,
        rpc_url: chain.map(|c| c.browser_rpc_url().to_string()),
        terms: terms.clone(),
        terms_packed: record.terms_packed.clone(),
        terms_hash: summary.terms_hash,
        tx_hash: record.tx_hash,
    };
    (price_breakdown, proof)
}

/// The order detail of a record.
pub fn detail(record: OrderRecord, chain_id: u64, chain: Option<&ChainConfig>) -> OrderDetail {
    let (price_breakdown, proof) = parts(&record, chain_id, chain);
    assemble(record, price_breakdown, proof)
}

/// The order detail of a record and its [`parts`].
pub fn assemble(
    r: OrderRecord,
    price_breakdown: OrderPriceBreakdown,
    proof: OrderProof,
) -> OrderDetail {
    OrderDetail {
        summary: r.summary,
        pledges: r.pledges,
        promotions: r.promotions,
        disputes: r.disputes,
        terms: r.terms,
        figures: r.figures,
        milestones: r.milestones,
        price_breakdown,
        metadata: r.metadata,
        proof,
    }
}

/// The detail of order `order_id` (decimal) of `chain_id`, as the API sends it, if kept.
pub async fn get(pool: &PgPool, chain_id: i64, order_id: &str) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar!(
        "SELECT body FROM order_details WHERE chain_id = $1 AND order_id = $2::TEXT::NUMERIC",
        chain_id,
        order_id
    )
    .fetch_optional(pool)
    .await
}

/// Takes the chain's details lock until the transaction ends.
async fn lock(conn: &mut PgConnection, chain_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('cointent order details', $1))",
        chain_id
    )
    .execute(conn)
    .await
    .map(drop)
}

/// Forgets the details of these orders (decimal ids) of `chain_id`.
pub async fn forget(
    conn: &mut PgConnection,
    chain_id: i64,
    order_ids: &[String],
) -> sqlx::Result<()> {
    if order_ids.is_empty() {
        return Ok(());
    }
    lock(conn, chain_id).await?;
    sqlx::query!(
        "DELETE FROM order_details WHERE chain_id = $1 AND order_id = ANY($2::TEXT[]::NUMERIC[])",
        chain_id,
        order_ids
    )
    .execute(conn)
    .await
    .map(drop)
}

/// Forgets the details of the orders named by `chain_id`'s events from block `from` on
/// (call before a rollback deletes them); every detail of the chain when an Escrow event
/// there names no order.
pub async fn forget_from(conn: &mut PgConnection, chain_id: i64, from: i64) -> sqlx::Result<()> {
    lock(conn, chain_id).await?;
    let whole = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM events
                          WHERE chain_id = $1 AND block_number >= $2 AND contract = 'escrow'
                            AND NOT args ? 'orderId') AS "whole!""#,
        chain_id,
        from
    )
    .fetch_one(&mut *conn)
    .await?;
    if whole {
        return forget_chain(conn, chain_id).await;
    }
    sqlx::query!(
        "DELETE FROM order_details WHERE chain_id = $1 AND order_id IN
           (SELECT (args ->> 'orderId')::NUMERIC FROM events
            WHERE chain_id = $1 AND block_number >= $2 AND contract = 'escrow'
              AND args ? 'orderId')",
        chain_id,
        from
    )
    .execute(conn)
    .await
    .map(drop)
}

/// Forgets every detail of `chain_id`.
pub async fn forget_chain(conn: &mut PgConnection, chain_id: i64) -> sqlx::Result<()> {
    lock(conn, chain_id).await?;
    sqlx::query!("DELETE FROM order_details WHERE chain_id = $1", chain_id)
        .execute(conn)
        .await
        .map(drop)
}

/// Forgets the details of the orders that link metadata document `hash`, on every chain
/// (after the document was stored).
pub async fn forget_linked(pool: &PgPool, hash: &str) -> sqlx::Result<()> {
    let chains = sqlx::query_scalar!(
        r#"SELECT DISTINCT chain_id AS "chain_id!" FROM orders WHERE metadata_hash = $1"#,
        hash
    )
    .fetch_all(pool)
    .await?;
    for chain_id in chains {
        let mut tx = pool.begin().await?;
        lock(&mut tx, chain_id).await?;
        sqlx::query!(
            "DELETE FROM order_details d USING orders o
             WHERE o.chain_id = $1 AND o.metadata_hash = $2
               AND d.chain_id = o.chain_id AND d.order_id = o.order_id",
            chain_id,
            hash
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Computes and keeps the details of these orders (decimal ids) of `chain` that are not
/// kept, in one transaction holding the chain's details lock; how many were stored.
///
/// A detail kept when the lock is taken is current (every write that changes it forgets it
/// under the same lock), so it is skipped: two fillers (a writer and `index
/// --until-caught-up`, or two processes) never compute the same detail twice.
pub async fn refresh(
    pool: &PgPool,
    chain: &ChainConfig,
    order_ids: &[String],
) -> eyre::Result<usize> {
    if order_ids.is_empty() {
        return Ok(0);
    }
    let chain_id = chain.chain_id as i64;
    let mut tx = pool.begin().await?;
    lock(&mut tx, chain_id).await?;
    let order_ids = sqlx::query_scalar!(
        r#"SELECT i AS "id!" FROM unnest($2::TEXT[]) AS u(i)
           WHERE NOT EXISTS (SELECT 1 FROM order_details d
                             WHERE d.chain_id = $1 AND d.order_id = u.i::NUMERIC)"#,
        chain_id,
        order_ids
    )
    .fetch_all(&mut *tx)
    .await?;
    let (mut ids, mut bodies) = (Vec::new(), Vec::new());
    for record in records(&mut *tx, chain_id, &order_ids).await? {
        ids.push(record.summary.order_id.to_string());
        bodies.push(serde_json::to_vec(&detail(record, chain.chain_id, Some(chain)))?);
    }
    sqlx::query!(
        "INSERT INTO order_details (chain_id, order_id, body)
         SELECT $1, i::NUMERIC, b FROM unnest($2::TEXT[], $3::BYTEA[]) AS u(i, b)
         ON CONFLICT (chain_id, order_id) DO UPDATE SET body = excluded.body",
        chain_id,
        &ids,
        &bodies
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(ids.len())
}

/// Up to `limit` orders of `chain_id` without a kept detail.
pub async fn missing(pool: &PgPool, chain_id: i64, limit: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"SELECT o.order_id::TEXT AS "order_id!" FROM orders o
           WHERE o.chain_id = $1 AND NOT EXISTS
             (SELECT 1 FROM order_details d WHERE d.chain_id = o.chain_id AND d.order_id = o.order_id)
           LIMIT $2"#,
        chain_id,
        limit
    )
    .fetch_all(pool)
    .await
}
