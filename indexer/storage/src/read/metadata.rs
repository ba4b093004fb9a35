//! Content-addressed metadata documents, for `/v1/metadata`: stored under the keccak256 of
//! their exact bytes (computed by the caller), with the parsed JSON beside them for queries.

use cointent_domain::metadata::LinkedOrder;
use serde_json::Value;
use sqlx::PgPool;

use super::decode;

/// A document to store.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    /// `0x` keccak256 of `raw`, lower-case.
    pub hash: &'a str,
    /// The bytes as uploaded.
    pub raw: &'a [u8],
    /// `raw`, parsed.
    pub document: &'a Value,
    /// The signed-in address that uploaded it (lower-case `0x` hex).
    pub uploaded_by: &'a str,
}

/// Stores a document unless one with its hash is stored already; true when stored now.
#[tracing::instrument(skip(pool, new), fields(hash = new.hash))]
pub async fn store(pool: &PgPool, new: &NewDocument<'_>) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "INSERT INTO metadata_documents (hash, raw, document, uploaded_by)
         VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING",
        new.hash,
        new.raw,
        new.document,
        new.uploaded_by
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An order whose terms carry a document's hash.
#[derive(Debug)]
struct LinkedRow {
    chain_id: i64,
    order_id: String,
}

/// The orders the document stored under `hash` describes (at most 1000), by chain and id:
/// those whose terms carry the hash and whose seller or a split recipient is its uploader
/// or an address it names (`metadata_links`, migration 0013).
#[tracing::instrument(skip(pool))]
pub async fn linked_orders(pool: &PgPool, hash: &str) -> sqlx::Result<Vec<LinkedOrder>> {
    sqlx::query_as!(
        LinkedRow,
        r#"SELECT o.chain_id, o.order_id::TEXT AS "order_id!"
         FROM orders o JOIN metadata_documents m
           ON m.hash = o.metadata_hash AND metadata_links(m.uploaded_by, m.document, o.seller, o.terms)
         WHERE o.metadata_hash = $1
         ORDER BY o.chain_id, o.order_id LIMIT 1000"#,
        hash
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| {
        Ok(LinkedOrder {
            chain_id: decode::unsigned("chain_id", r.chain_id)?,
            order_id: decode::parse("order_id", &r.order_id)?,
        })
    })
    .collect()
}

/// The exact bytes stored under `hash` (lower-case `0x` hex).
#[tracing::instrument(skip(pool))]
pub async fn raw(pool: &PgPool, hash: &str) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar!("SELECT raw FROM metadata_documents WHERE hash = $1", hash)
        .fetch_optional(pool)
        .await
}
