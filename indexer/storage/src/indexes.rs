//! Indexes kept out of the backfill: the API's lists need them, a backfill would only pay
//! to maintain them.

/// Indexes that only the API's reads need: the event lists' and the order lists' (the
/// projections reach orders by primary key). Built once a chain has caught up rather than
/// by a migration: maintaining them during a backfill costs ~40% of its speed (every
/// `OrderCreated` an entry in each, every change of an order's status another), and
/// building them afterwards takes seconds.
pub const READ_INDEXES: [&str; 15] = [
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
    "CREATE INDEX IF NOT EXISTS orders_newest
        ON orders (created_block DESC, chain_id DESC, order_id DESC)",
    "CREATE INDEX IF NOT EXISTS orders_by_chain_newest
        ON orders (chain_id, created_block DESC, order_id DESC)",
    "CREATE INDEX IF NOT EXISTS orders_by_kind_newest
        ON orders (kind, created_block DESC, chain_id DESC, order_id DESC)",
    "CREATE INDEX IF NOT EXISTS orders_by_status_newest
        ON orders (status, created_block DESC, chain_id DESC, order_id DESC)",
    "CREATE INDEX IF NOT EXISTS orders_by_seller_newest
        ON orders (seller, created_block DESC, chain_id DESC, order_id DESC)",
    "CREATE INDEX IF NOT EXISTS orders_by_token_newest
        ON orders (token, created_block DESC, chain_id DESC, order_id DESC)",
    "CREATE INDEX IF NOT EXISTS orders_by_arbiter ON orders (arbiter)",
    // Split recipients: `terms -> 'splits' @> '[{"recipient": ...}]'`.
    "CREATE INDEX IF NOT EXISTS orders_by_split
        ON orders USING gin ((terms -> 'splits') jsonb_path_ops)",
    "CREATE INDEX IF NOT EXISTS orders_by_metadata ON orders (metadata_hash)",
    "CREATE INDEX IF NOT EXISTS orders_by_sole_buyer
        ON orders (sole_buyer, created_block DESC, chain_id DESC, order_id DESC)
        WHERE sole_buyer <> '0x0000000000000000000000000000000000000000'",
];

/// Builds [`READ_INDEXES`] (one chain at a time: an advisory lock) and refreshes the
/// planner's statistics, which a backfill leaves stale until autovacuum gets to them. Once
/// per database and process: a second call (the ingester's own at catching up, and `index
/// --until-caught-up`'s before exiting) waits for the first instead of doing it again.
pub async fn build_after_backfill(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    type Once = std::sync::Arc<tokio::sync::OnceCell<()>>;
    static BUILT: std::sync::Mutex<Vec<(String, Once)>> = std::sync::Mutex::new(Vec::new());
    let o = pool.connect_options();
    let key = format!("{}:{}/{}", o.get_host(), o.get_port(), o.get_database().unwrap_or(""));
    let once = {
        let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
        match built.iter().find(|(k, _)| *k == key) {
            Some((_, once)) => once.clone(),
            None => {
                let once = Once::default();
                built.push((key, once.clone()));
                once
            }
        }
    };
    once.get_or_try_init(|| build(pool)).await.map(drop)
}

async fn build(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(7331001)").execute(&mut *tx).await?;
    for sql in READ_INDEXES {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(())
}
