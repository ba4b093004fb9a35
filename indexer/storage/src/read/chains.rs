//! Per-chain progress, contract addresses and payment tokens, for `/v1/chains`.

use sqlx::PgPool;

/// One chain's progress as the mirror records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainProgress {
    /// The chain id.
    pub chain_id: i64,
    /// Latest head seen from the RPC.
    pub head_block: i64,
    /// Last block whose events and projections are committed.
    pub indexed_block: i64,
    /// Events mirrored.
    pub events: i64,
    /// Reorgs rolled back.
    pub reorgs: i64,
}

/// A contract of a chain, by its deployment name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainContract {
    /// The chain id.
    pub chain_id: i64,
    /// Its deployment name (`escrow`, `token`, ...).
    pub name: String,
    /// Lower-case `0x` hex.
    pub address: String,
}

/// The progress of the chains in `chain_ids` that the mirror has started.
#[tracing::instrument(skip(pool))]
pub async fn progress(pool: &PgPool, chain_ids: &[i64]) -> sqlx::Result<Vec<ChainProgress>> {
    sqlx::query_as!(
        ChainProgress,
        "SELECT chain_id, head_block, checkpoint_block AS indexed_block, events, reorgs
         FROM chains WHERE chain_id = ANY($1)",
        chain_ids
    )
    .fetch_all(pool)
    .await
}

/// The contracts the mirror knows on the chains in `chain_ids`.
#[tracing::instrument(skip(pool))]
pub async fn contracts(pool: &PgPool, chain_ids: &[i64]) -> sqlx::Result<Vec<ChainContract>> {
    sqlx::query_as!(
        ChainContract,
        "SELECT chain_id, name, address FROM contracts WHERE chain_id = ANY($1)",
        chain_ids
    )
    .fetch_all(pool)
    .await
}

/// A token of a chain's payment-token allowlist, with what its contract says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedToken {
    /// The chain id.
    pub chain_id: i64,
    /// Lower-case `0x` hex; the zero address for the native coin.
    pub token: String,
    /// Its `symbol()`, once read and if it answered.
    pub symbol: Option<String>,
    /// Its `decimals()`, once read and if it answered.
    pub decimals: Option<i32>,
}

/// The tokens the Escrow allows new orders in, on the chains in `chain_ids`, by address
/// (the native coin, the zero address, first).
#[tracing::instrument(skip(pool))]
pub async fn payment_tokens(pool: &PgPool, chain_ids: &[i64]) -> sqlx::Result<Vec<AllowedToken>> {
    sqlx::query_as!(
        AllowedToken,
        r#"SELECT t.chain_id, t.token, m.symbol AS "symbol?", m.decimals AS "decimals?"
         FROM payment_tokens t
         LEFT JOIN token_metadata m ON m.chain_id = t.chain_id AND m.token = t.token
         WHERE t.chain_id = ANY($1) AND t.allowed ORDER BY t.chain_id, t.token"#,
        chain_ids
    )
    .fetch_all(pool)
    .await
}
