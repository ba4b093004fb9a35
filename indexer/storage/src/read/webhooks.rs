//! Webhooks and their deliveries: what `/v1/webhooks` registers and lists, and the statements
//! of the delivery worker.
//!
//! The worker's scan of a chain is one transaction that the caller assembles from
//! [`scan_start`], [`lock_cursor`], [`hooks_for`], [`final_events`], [`insert_delivery`] and
//! [`advance_cursor`] on the same connection: the deliveries of a range of final blocks and
//! the cursor moving past it commit together, so each event is matched at most once per
//! webhook whatever the restarts, and concurrent workers match each range once.
//!
//! A delivery is `pending` (due at `next_attempt_at`), `sending` (claimed by a worker, whose
//! outcome is not recorded yet), `delivered` or `failed`. [`claim_due`] moves due deliveries
//! to `sending`, at most `per_host` of them per receiver over every worker; [`record_attempt`]
//! records the outcome of a `sending` one; [`recover_interrupted`] fails those whose worker
//! died (they may have reached their receiver, so they are not posted again). Lists show
//! `sending` as `pending`.

use cointent_domain::{
    Page,
    webhooks::{Webhook, WebhookDelivery},
};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use super::{decode, keyset::cursor_after};

/// A webhook as listed, never with its secret.
#[derive(Debug)]
struct WebhookRow {
    id: i64,
    url: String,
    events: Vec<String>,
    chain_id: Option<i64>,
    accounts: Option<Vec<String>>,
    order_ids: Option<Vec<String>>,
    partners: Option<Vec<String>>,
    created_at: String,
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = sqlx::Error;

    fn try_from(row: WebhookRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: decode::unsigned("id", row.id)?,
            url: row.url,
            events: row
                .events
                .iter()
                .map(|e| decode::parse("events", e))
                .collect::<Result<_, _>>()?,
            chain_id: row.chain_id.map(|c| decode::unsigned("chain_id", c)).transpose()?,
            accounts: row
                .accounts
                .map(|list| list.iter().map(|a| decode::address("accounts", a)).collect())
                .transpose()?,
            order_ids: row
                .order_ids
                .map(|list| list.iter().map(|o| decode::parse("order_ids", o)).collect())
                .transpose()?,
            partners: row
                .partners
                .map(|list| list.iter().map(|a| decode::address("partners", a)).collect())
                .transpose()?,
            created_at: decode::time(row.created_at),
        })
    }
}

/// A webhook to register, its members checked and normalised by the caller.
#[derive(Debug, Clone)]
pub struct NewWebhook<'a> {
    /// The API key that owns it.
    pub api_key_id: i64,
    /// Where events are POSTed.
    pub url: &'a str,
    /// Event type names.
    pub events: &'a [String],
    /// Only this chain.
    pub chain_id: Option<i64>,
    /// Only orders naming one of these accounts (lower-case `0x` hex).
    pub accounts: Option<&'a [String]>,
    /// Only these decimal order ids (without leading zeros).
    pub order_ids: Option<&'a [String]>,
    /// Only purchases of listings naming one of these partner shops (lower-case `0x` hex).
    pub partners: Option<&'a [String]>,
    /// The HMAC key deliveries are signed with.
    pub secret: &'a str,
    /// The receiver, `host:port` (lower-case, the port explicit).
    pub host: &'a str,
    /// The most live webhooks the key may have.
    pub max_per_key: i64,
}

/// Registers a webhook unless its key has `max_per_key` live ones already (`None` then);
/// answers it as listed. The key's row is locked meanwhile, so concurrent registrations
/// cannot pass the cap together.
#[tracing::instrument(skip(pool, new), fields(api_key_id = new.api_key_id))]
pub async fn create(pool: &PgPool, new: &NewWebhook<'_>) -> sqlx::Result<Option<Webhook>> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SELECT id FROM api_keys WHERE id = $1 FOR UPDATE", new.api_key_id)
        .fetch_one(&mut *tx)
        .await?;
    // Counted by a statement of its own, after the lock: its snapshot sees what the
    // registrations that held the lock before committed (a count in the locking statement
    // would not).
    let live = sqlx::query_scalar!(
        r#"SELECT count(*) AS "live!" FROM webhooks WHERE api_key_id = $1 AND deleted_at IS NULL"#,
        new.api_key_id
    )
    .fetch_one(&mut *tx)
    .await?;
    if live >= new.max_per_key {
        return Ok(None);
    }
    let row = sqlx::query_as!(
        WebhookRow,
        r#"INSERT INTO webhooks (api_key_id, url, events, chain_id, accounts, order_ids, secret, host,
                               partners)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         RETURNING id, url, events, chain_id, accounts, order_ids, partners,
                   rfc3339_utc(created_at) AS "created_at!""#,
        new.api_key_id,
        new.url,
        new.events,
        new.chain_id,
        new.accounts,
        new.order_ids,
        new.secret,
        new.host,
        new.partners
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(row.try_into()?))
}

/// The live webhooks of API key `api_key_id`, oldest first.
#[tracing::instrument(skip(pool))]
pub async fn list(pool: &PgPool, api_key_id: i64) -> sqlx::Result<Vec<Webhook>> {
    sqlx::query_as!(
        WebhookRow,
        r#"SELECT id, url, events, chain_id, accounts, order_ids, partners,
                  rfc3339_utc(created_at) AS "created_at!"
         FROM webhooks WHERE api_key_id = $1 AND deleted_at IS NULL ORDER BY id"#,
        api_key_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(Webhook::try_from)
    .collect()
}

/// Deletes webhook `id` of API key `api_key_id`; false when it has no such live webhook.
/// Its pending deliveries stay, and end as failed when the worker comes to them.
#[tracing::instrument(skip(pool))]
pub async fn delete(pool: &PgPool, id: i64, api_key_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE webhooks SET deleted_at = now()
         WHERE id = $1 AND api_key_id = $2 AND deleted_at IS NULL",
        id,
        api_key_id
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether webhook `id` belongs to API key `api_key_id` (deleted or not: its log stays
/// readable).
#[tracing::instrument(skip(pool))]
pub async fn owns(pool: &PgPool, id: i64, api_key_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM webhooks WHERE id = $1 AND api_key_id = $2) AS "owned!""#,
        id,
        api_key_id
    )
    .fetch_one(pool)
    .await
}

/// A delivery as listed.
#[derive(Debug)]
struct DeliveryRow {
    id: i64,
    webhook_id: i64,
    event_id: String,
    event_type: String,
    status: String,
    attempts: i32,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    next_attempt_at: Option<String>,
    created_at: String,
    delivered_at: Option<String>,
}

impl TryFrom<DeliveryRow> for WebhookDelivery {
    type Error = sqlx::Error;

    fn try_from(row: DeliveryRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: decode::unsigned("id", row.id)?,
            webhook_id: decode::unsigned("webhook_id", row.webhook_id)?,
            event_id: row.event_id,
            event_type: decode::parse("event_type", &row.event_type)?,
            status: decode::parse("status", &row.status)?,
            attempts: decode::unsigned("attempts", row.attempts)?,
            last_status_code: row
                .last_status_code
                .map(|c| decode::unsigned("last_status_code", c))
                .transpose()?,
            last_error: row.last_error,
            next_attempt_at: row.next_attempt_at.map(decode::time),
            created_at: decode::time(row.created_at),
            delivered_at: row.delivered_at.map(decode::time),
        })
    }
}

/// A page of `limit` deliveries of webhook `webhook_id`, newest first, with ids below
/// `before` (`i64::MAX` for the first page); the cursor is the last one's id.
#[tracing::instrument(skip(pool))]
pub async fn deliveries(
    pool: &PgPool,
    webhook_id: i64,
    before: i64,
    limit: u32,
) -> sqlx::Result<Page<WebhookDelivery>> {
    let deliveries = sqlx::query_as!(
        DeliveryRow,
        r#"SELECT d.id, d.webhook_id, d.event_id, d.event_type,
                  CASE WHEN d.status = 'sending' THEN 'pending' ELSE d.status END AS "status!",
                  d.attempts, d.last_status_code, d.last_error,
                  CASE WHEN d.status IN ('pending', 'sending') THEN rfc3339_utc(d.next_attempt_at) END
                    AS next_attempt_at,
                  rfc3339_utc(d.created_at) AS "created_at!",
                  rfc3339_utc(d.delivered_at) AS delivered_at
         FROM webhook_deliveries d
         WHERE d.webhook_id = $1 AND d.id < $2 ORDER BY d.id DESC LIMIT $3"#,
        webhook_id,
        before,
        i64::from(limit) + 1
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(WebhookDelivery::try_from)
    .collect::<Result<_, _>>()?;
    Ok(Page::from_rows(deliveries, limit as usize, |d| cursor_after(&[&d.id])))
}

/// What a replay did.
#[derive(Debug)]
pub enum Replay {
    /// Reset to pending, due now; the delivery as listed.
    Queued(WebhookDelivery),
    /// It is being posted right now: nothing changed.
    InFlight,
    /// The key has no such delivery of a live webhook.
    NotFound,
}

/// Resets delivery `id` of a live webhook of API key `api_key_id` to pending with zero
/// attempts, due now (the worker then sends the same body with a fresh signature), unless it
/// is being sent.
#[tracing::instrument(skip(pool))]
pub async fn replay(pool: &PgPool, id: i64, api_key_id: i64) -> sqlx::Result<Replay> {
    let mut tx = pool.begin().await?;
    let status = sqlx::query_scalar!(
        "SELECT d.status FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
         WHERE d.id = $1 AND w.api_key_id = $2 AND w.deleted_at IS NULL
         FOR UPDATE OF d",
        id,
        api_key_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    match status.as_deref() {
        None => return Ok(Replay::NotFound),
        Some("sending") => return Ok(Replay::InFlight),
        Some(_) => {}
    }
    let row = sqlx::query_as!(
        DeliveryRow,
        r#"UPDATE webhook_deliveries d
         SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL,
             delivered_at = NULL, claimed_at = NULL
         WHERE d.id = $1
         RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.status AS "status!", d.attempts,
                   d.last_status_code, d.last_error,
                   CASE WHEN d.status = 'pending' THEN rfc3339_utc(d.next_attempt_at) END
                     AS next_attempt_at,
                   rfc3339_utc(d.created_at) AS "created_at!",
                   rfc3339_utc(d.delivered_at) AS delivered_at"#,
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Replay::Queued(row.try_into()?))
}

// ---------------------------------------------------------------- the worker's statements

/// The first statement of a chain's scan: its final block (`None` before the mirror started
/// the chain), and its webhook cursor, created at that block the first time a chain is seen
/// (webhooks are for events from then on, not for the chain's history).
///
/// The final block is the mirror's own (`chains.final_block`, what the ingester can no
/// longer roll back, following the chain's `finalized` tag and its finality depth), never
/// above what the mirror holds (`checkpoint_block`).
#[tracing::instrument(skip(conn))]
pub async fn scan_start(conn: &mut PgConnection, chain_id: i64) -> sqlx::Result<Option<ScanStart>> {
    let Some(final_block) = sqlx::query_scalar!(
        r#"SELECT LEAST(final_block, checkpoint_block) AS "final_block!"
         FROM chains WHERE chain_id = $1"#,
        chain_id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    sqlx::query!(
        "INSERT INTO webhook_cursors (chain_id, block_number) VALUES ($1, $2)
         ON CONFLICT (chain_id) DO NOTHING",
        chain_id,
        final_block.max(0)
    )
    .execute(&mut *conn)
    .await?;
    let cursor = sqlx::query_scalar!(
        "SELECT block_number FROM webhook_cursors WHERE chain_id = $1",
        chain_id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(ScanStart { final_block, cursor }))
}

/// Where a chain's scan starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanStart {
    /// The chain's last final block in the mirror.
    pub final_block: i64,
    /// The last block whose events were matched.
    pub cursor: i64,
}

/// The chain's cursor, locked until the transaction ends (read again under the lock, so
/// concurrent workers match each range once).
#[tracing::instrument(skip(conn))]
pub async fn lock_cursor(conn: &mut PgConnection, chain_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "SELECT block_number FROM webhook_cursors WHERE chain_id = $1 FOR UPDATE",
        chain_id
    )
    .fetch_one(conn)
    .await
}

/// A live webhook that may want a chain's events.
#[derive(Debug, Clone)]
pub struct Hook {
    /// Its id.
    pub id: i64,
    /// The event type names it receives.
    pub events: Vec<String>,
    /// Only this chain.
    pub chain_id: Option<i64>,
    /// Only orders naming one of these accounts (lower-case `0x` hex).
    pub accounts: Option<Vec<String>>,
    /// Only these decimal order ids.
    pub order_ids: Option<Vec<String>>,
    /// Only purchases of listings naming one of these partner shops (lower-case `0x` hex),
    /// and their orders' events.
    pub partners: Option<Vec<String>>,
}

/// The live webhooks of unrevoked keys for every chain or for `chain_id`.
#[tracing::instrument(skip(conn))]
pub async fn hooks_for(conn: &mut PgConnection, chain_id: i64) -> sqlx::Result<Vec<Hook>> {
    sqlx::query_as!(
        Hook,
        "SELECT w.id, w.events, w.chain_id, w.accounts, w.order_ids, w.partners
         FROM webhooks w JOIN api_keys k ON k.id = w.api_key_id
         WHERE w.deleted_at IS NULL AND k.revoked_at IS NULL
           AND (w.chain_id IS NULL OR w.chain_id = $1)",
        chain_id
    )
    .fetch_all(conn)
    .await
}

/// A final Escrow event, or a final purchase of the Shop, that may become deliveries.
#[derive(Debug, Clone)]
pub struct FinalEvent {
    /// The block.
    pub block_number: i64,
    /// The log's index in its block.
    pub log_index: i32,
    /// The transaction (lower-case `0x` hex).
    pub tx_hash: String,
    /// The event's name (`OrderCreated`, `Pledged`, ...).
    pub event: String,
    /// Its decoded arguments.
    pub args: Value,
    /// The block's time, RFC 3339 UTC (`...Z`).
    pub created_at: String,
    /// The order (`args.orderId`).
    pub order_id: String,
    /// Every account the event's order names, lower-case: seller, split recipients, backers
    /// and promoters, and the event's own seller, backer, promoter and buyer.
    pub accounts: Vec<String>,
    /// When the order is a purchase of a listing naming a partner shop: that shop
    /// (lower-case).
    pub partner: Option<String>,
}

/// The Escrow events and Shop purchases of `chain_id` a webhook may receive, in blocks
/// `from + 1 ..= to`, in the chain's order.
#[tracing::instrument(skip(conn))]
pub async fn final_events(
    conn: &mut PgConnection,
    chain_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<FinalEvent>> {
    sqlx::query_as!(
        FinalEvent,
        r#"SELECT e.block_number, e.log_index, e.tx_hash, e.event, e.args,
                rfc3339_utc(e.block_time) AS "created_at!", e.args ->> 'orderId' AS "order_id!",
                ARRAY(
                    SELECT lower(a) FROM (
                        SELECT o.seller AS a
                        UNION SELECT s ->> 'recipient'
                              FROM jsonb_array_elements(coalesce(o.terms -> 'splits', '[]')) s
                        UNION SELECT p.backer FROM pledges p
                              WHERE p.chain_id = e.chain_id AND p.order_id = o.order_id
                        UNION SELECT p.promoter FROM pledges p
                              WHERE p.chain_id = e.chain_id AND p.order_id = o.order_id
                        UNION SELECT e.args ->> 'backer'
                        UNION SELECT e.args ->> 'promoter'
                        UNION SELECT e.args ->> 'seller'
                        UNION SELECT e.args ->> 'buyer'
                    ) x WHERE a IS NOT NULL
                ) AS "accounts!",
                nullif(l.partner, '0x0000000000000000000000000000000000000000') AS partner
         FROM events e
         LEFT JOIN orders o
                ON o.chain_id = e.chain_id AND o.order_id = (e.args ->> 'orderId')::NUMERIC
         LEFT JOIN purchases pu
                ON pu.chain_id = e.chain_id AND pu.order_id = (e.args ->> 'orderId')::NUMERIC
         LEFT JOIN listings l ON l.chain_id = pu.chain_id AND l.listing_id = pu.listing_id
         WHERE e.chain_id = $1 AND e.block_number > $2 AND e.block_number <= $3
           AND ((e.contract = 'escrow'
                 AND e.event IN ('OrderCreated', 'Pledged', 'Finalized', 'MilestoneApproved',
                                 'MilestoneReleased', 'Disputed', 'DisputeRuled', 'Expired',
                                 'Refunded'))
                OR (e.contract = 'shop' AND e.event = 'Purchased'))
         ORDER BY e.block_number, e.log_index"#,
        chain_id,
        from,
        to
    )
    .fetch_all(conn)
    .await
}

/// Records one event's delivery to one webhook, with the exact body to send; nothing when
/// that webhook already has that event.
#[tracing::instrument(skip(conn, payload))]
pub async fn insert_delivery(
    conn: &mut PgConnection,
    webhook_id: i64,
    event_id: &str,
    event_type: &str,
    payload: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload)
         VALUES ($1, $2, $3, $4) ON CONFLICT (webhook_id, event_id) DO NOTHING",
        webhook_id,
        event_id,
        event_type,
        payload
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves the chain's cursor to `block_number`: its events up to there are matched.
#[tracing::instrument(skip(conn))]
pub async fn advance_cursor(
    conn: &mut PgConnection,
    chain_id: i64,
    block_number: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE webhook_cursors SET block_number = $2 WHERE chain_id = $1",
        chain_id,
        block_number
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A delivery claimed for an attempt.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    /// Its id.
    pub id: i64,
    /// Attempts made so far in its series.
    pub attempts: i32,
    /// `chain:block:log`.
    pub event_id: String,
    /// The exact body to send.
    pub payload: String,
    /// Where to send it.
    pub url: String,
    /// The HMAC key to sign it with.
    pub secret: String,
    /// Whether its webhook was deleted since (then it is not sent).
    pub deleted: bool,
}

/// Claims up to `limit` due deliveries, oldest due first, moving them to `sending`: at most
/// `per_host` deliveries of one receiver are `sending` at once, counting those other workers
/// have claimed (claims are serialised by a transaction-scoped advisory lock), so one slow
/// receiver cannot take every slot.
#[tracing::instrument(skip(pool))]
pub async fn claim_due(pool: &PgPool, limit: i64, per_host: i64) -> sqlx::Result<Vec<DueDelivery>> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtextextended('cointent webhook claims', 0))")
        .execute(&mut *tx)
        .await?;
    let due = sqlx::query_as!(
        DueDelivery,
        r#"WITH busy AS (
             SELECT w.host, count(*) AS sending
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
             WHERE d.status = 'sending' GROUP BY w.host
         ), ranked AS (
             SELECT d.id, d.next_attempt_at, coalesce(b.sending, 0)
                      + row_number() OVER (PARTITION BY w.host ORDER BY d.next_attempt_at, d.id)
                      AS slot
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
             LEFT JOIN busy b ON b.host = w.host
             WHERE d.status = 'pending' AND d.next_attempt_at <= now()
         ), picked AS (
             SELECT id FROM ranked WHERE slot <= $2 ORDER BY next_attempt_at, id LIMIT $1
         )
         UPDATE webhook_deliveries d SET status = 'sending', claimed_at = now()
         FROM picked p, webhooks w
         WHERE d.id = p.id AND w.id = d.webhook_id AND d.status = 'pending'
         RETURNING d.id, d.attempts, d.event_id, d.payload, w.url, w.secret,
                   w.deleted_at IS NOT NULL AS "deleted!""#,
        limit,
        per_host
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(due)
}

/// The outcome of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    /// The delivery.
    pub id: i64,
    /// Attempts made in its series, this one included.
    pub attempts: i32,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// What went wrong, when something did.
    pub error: Option<&'a str>,
    /// `delivered`, `pending` (to retry) or `failed`.
    pub status: &'a str,
    /// When to retry, from now.
    pub retry_in_secs: f64,
}

/// Records the outcome of a `sending` delivery's attempt; false when it is not `sending`
/// any more ([`recover_interrupted`] gave up on it).
#[tracing::instrument(skip(pool))]
pub async fn record_attempt(pool: &PgPool, attempt: &Attempt<'_>) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE webhook_deliveries
         SET attempts = $2, last_status_code = $3, last_error = $4, status = $5,
             next_attempt_at = now() + make_interval(secs => $6),
             delivered_at = CASE WHEN $5 = 'delivered' THEN now() END, claimed_at = NULL
         WHERE id = $1 AND status = 'sending'",
        attempt.id,
        attempt.attempts,
        attempt.status_code,
        attempt.error,
        attempt.status,
        attempt.retry_in_secs
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Fails the deliveries `sending` for longer than `after_secs` (their worker died mid-post,
/// having sent them or not), with `error`, as one more attempt; how many.
#[tracing::instrument(skip(pool))]
pub async fn recover_interrupted(pool: &PgPool, after_secs: f64, error: &str) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE webhook_deliveries
         SET status = 'failed', attempts = attempts + 1, last_status_code = NULL,
             last_error = $2, claimed_at = NULL
         WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $1)",
        after_secs,
        error
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn delivery_rows_become_the_api_json_and_its_cursor() {
        let fixture: Value = serde_json::from_str(include_str!(
            "../../../domain/tests/fixtures/api/webhook_deliveries_page.json"
        ))
        .unwrap();
        let items = fixture["items"].as_array().unwrap();
        let mut deliveries: Vec<WebhookDelivery> = items
            .iter()
            .map(|i| {
                let text = |k: &str| i[k].as_str().map(str::to_string);
                WebhookDelivery::try_from(DeliveryRow {
                    id: i["id"].as_i64().unwrap(),
                    webhook_id: i["webhook_id"].as_i64().unwrap(),
                    event_id: text("event_id").unwrap(),
                    event_type: text("event_type").unwrap(),
                    status: text("status").unwrap(),
                    attempts: i["attempts"].as_i64().unwrap() as i32,
                    last_status_code: i["last_status_code"].as_i64().map(|c| c as i32),
                    last_error: text("last_error"),
                    next_attempt_at: text("next_attempt_at"),
                    created_at: text("created_at").unwrap(),
                    delivered_at: text("delivered_at"),
                })
                .unwrap()
            })
            .collect();
        let limit = deliveries.len();
        deliveries.push(deliveries[0].clone());
        let page = Page::from_rows(deliveries, limit, |d| cursor_after(&[&d.id]));
        assert_eq!(json!(page), fixture);
    }
}
