//! Rate-limit windows shared by every API replica (`rate_windows`).

use sqlx::PgPool;

/// A window's total across replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowTotal {
    /// The window's name.
    pub name: String,
    /// Requests counted by every replica in `minute`.
    pub count: i64,
}

/// Adds each `(name, delta)` counted by this replica to `minute`'s windows and returns
/// their totals across replicas (a delta of 0 only reads the total).
pub async fn add(
    pool: &PgPool,
    minute: i64,
    names: &[String],
    deltas: &[i64],
) -> sqlx::Result<Vec<WindowTotal>> {
    sqlx::query_as!(
        WindowTotal,
        r#"INSERT INTO rate_windows AS w (name, minute, count)
           SELECT n, $1, d FROM unnest($2::TEXT[], $3::BIGINT[]) AS u(n, d)
           ON CONFLICT (name, minute) DO UPDATE SET count = w.count + excluded.count
           RETURNING w.name AS "name!", w.count AS "count!""#,
        minute,
        names,
        deltas,
    )
    .fetch_all(pool)
    .await
}

/// What every replica counted for `name` in `minute`.
pub async fn total(pool: &PgPool, minute: i64, name: &str) -> sqlx::Result<i64> {
    let count = sqlx::query_scalar!(
        "SELECT count FROM rate_windows WHERE name = $1 AND minute = $2",
        name,
        minute
    )
    .fetch_optional(pool)
    .await?;
    Ok(count.unwrap_or(0))
}

/// Forgets windows older than `minute`.
pub async fn forget_before(pool: &PgPool, minute: i64) -> sqlx::Result<u64> {
    sqlx::query!("DELETE FROM rate_windows WHERE minute < $1", minute)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
}
