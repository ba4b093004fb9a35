//! Projections: tables derived from the raw events, written set-based per batch.
//!
//! Each projection is SQL over the batch's rows of `events` (`$1` chain, `$2`..`$3` block
//! range), so a batch of any size costs a fixed number of statements, and anyone can
//! recompute every table from the events alone. Projection tables carry the undo trigger
//! (`attach_undo`), which makes them reorg-safe without projection-specific code.

use std::collections::BTreeSet;

use eyre::{Result, WrapErr};
use sqlx::{Postgres, Transaction};

/// A projection statement and the events it reads.
#[derive(Debug)]
pub struct Projection {
    /// For errors and traces.
    pub name: &'static str,
    /// Events it reads; it runs only for batches that contain one of them.
    pub reads: &'static [&'static str],
    /// The statement.
    pub sql: &'static str,
}

/// Every projection, in the order they run.
pub static PROJECTIONS: &[Projection] = &[
    Projection {
        name: "token_balances",
        reads: &["Transfer"],
        sql: "INSERT INTO token_balances (chain_id, token, account, balance)
              SELECT $1, address, account, sum(delta) FROM (
                  SELECT address, args->>'from' AS account, -(args->>'value')::NUMERIC AS delta
                  FROM events WHERE chain_id = $1 AND event = 'Transfer'
                   AND block_number BETWEEN $2 AND $3 AND contract IN ('token', 'stablecoin')
                  UNION ALL
                  SELECT address, args->>'to', (args->>'value')::NUMERIC
                  FROM events WHERE chain_id = $1 AND event = 'Transfer'
                   AND block_number BETWEEN $2 AND $3 AND contract IN ('token', 'stablecoin')
              ) d
              WHERE account <> '0x0000000000000000000000000000000000000000'
              GROUP BY address, account
              ON CONFLICT (chain_id, token, account)
              DO UPDATE SET balance = token_balances.balance + EXCLUDED.balance",
    },
    Projection {
        name: "token_supply",
        reads: &["Transfer"],
        sql: "INSERT INTO token_supply (chain_id, token, supply)
              SELECT $1, address, sum(CASE
                  WHEN args->>'from' = '0x0000000000000000000000000000000000000000'
                      THEN (args->>'value')::NUMERIC
                  WHEN args->>'to' = '0x0000000000000000000000000000000000000000'
                      THEN -(args->>'value')::NUMERIC
                  ELSE 0 END)
              FROM events WHERE chain_id = $1 AND event = 'Transfer'
               AND block_number BETWEEN $2 AND $3 AND contract IN ('token', 'stablecoin')
              GROUP BY address
              ON CONFLICT (chain_id, token)
              DO UPDATE SET supply = token_supply.supply + EXCLUDED.supply",
    },
];

/// Applies the projections that read any of `events` to blocks `from..=to` of `chain`.
pub async fn apply(
    tx: &mut Transaction<'_, Postgres>,
    chain: i64,
    from: i64,
    to: i64,
    events: &BTreeSet<&str>,
) -> Result<()> {
    for p in PROJECTIONS.iter().filter(|p| p.reads.iter().any(|e| events.contains(e))) {
        sqlx::query(p.sql)
            .bind(chain)
            .bind(from)
            .bind(to)
            .execute(&mut **tx)
            .await
            .wrap_err_with(|| format!("projection {}", p.name))?;
    }
    Ok(())
}
