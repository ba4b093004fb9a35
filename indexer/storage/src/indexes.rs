//! Indexes kept out of the backfill: the API's event lists need them, a backfill would
//! only pay to maintain them.

/// Indexes of `events` that only the API's event list needs. Built once a chain has caught
/// up rather than by a migration: maintaining them during a backfill costs ~40% of its
/// speed, and building them afterwards takes seconds.
pub const READ_INDEXES: [&str; 5] = [
    "CREATE INDEX IF NOT EXISTS events_by_order
        ON events ((args ->> 'orderId'), chain_id, block_number, log_index)",
    "CREATE INDEX IF NOT EXISTS events_by_seller ON events ((args ->> 'seller'))
        WHERE args ? 'seller'",
    "CREATE INDEX IF NOT EXISTS events_by_backer ON events ((args ->> 'backer'))
        WHERE args ? 'backer'",
    "CREATE INDEX IF NOT EXISTS events_by_promoter ON events ((args ->> 'promoter'))
        WHERE args ? 'promoter'",
    "CREATE INDEX IF NOT EXISTS events_by_contract
        ON events (contract, chain_id, block_number, log_index)",
];

/// Builds [`READ_INDEXES`] (one chain at a time: an advisory lock) and refreshes the
/// planner's statistics, which a backfill leaves stale until autovacuum gets to them.
pub async fn build_after_backfill(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(7331001)").execute(&mut *tx).await?;
    for sql in READ_INDEXES {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(())
}
