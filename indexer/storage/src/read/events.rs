//! The raw mirrored events, for `/v1/events` and its stream: a page in the mirror's order, the
//! current end of each chain, and what a stream reads on each poll.

use cointent_domain::{Page, events::Event};
use serde_json::{Map, Value};
use sqlx::{PgPool, Postgres, QueryBuilder, types::Json};

use super::{
    decode,
    keyset::{KeyType, Keyset, PageError, cursor_after},
};

/// Events, oldest first.
const EVENTS: Keyset<'static> = Keyset {
    columns: &[
        ("e.chain_id", KeyType::BigInt),
        ("e.block_number", KeyType::BigInt),
        ("e.log_index", KeyType::Int),
    ],
    descending: false,
};

/// An event's columns over `events e`, in [`EventRow`]'s order.
const COLUMNS: &str = "e.chain_id, e.block_number, e.log_index, e.block_hash,
    json_time(e.block_time) AS block_time, e.tx_hash, e.contract, e.address, e.event, e.args";

/// Which events to read; every member narrows them. Values are checked by the caller
/// (the API) and bound, never spliced.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this chain.
    pub chain_id: Option<i64>,
    /// Only this event name.
    pub event: Option<String>,
    /// Only this emitter (deployment name).
    pub contract: Option<String>,
    /// Only events of this order (`args.orderId`, decimal without leading zeros).
    pub order_id: Option<String>,
    /// Only events naming this seller, backer or promoter (lower-case `0x` hex).
    pub account: Option<String>,
    /// Only from this block on.
    pub from_block: Option<i64>,
}

impl EventFilter {
    /// Whether `event` passes the filter: in memory, what [`EventFilter::push`]'s conditions
    /// select in SQL (an argument compared as `->>` reads it).
    pub fn matches(&self, event: &Event) -> bool {
        let arg = |name: &str| match event.args.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        };
        let named = |account: &String| {
            ["seller", "backer", "promoter"].iter().any(|k| arg(k).as_ref() == Some(account))
        };
        self.chain_id.is_none_or(|c| i64::try_from(event.chain_id) == Ok(c))
            && self.event.as_ref().is_none_or(|name| event.event == *name)
            && self.contract.as_ref().is_none_or(|c| event.contract == *c)
            && self.order_id.as_ref().is_none_or(|o| arg("orderId").as_ref() == Some(o))
            && self.account.as_ref().is_none_or(named)
            && self
                .from_block
                .is_none_or(|b| i64::try_from(event.block_number).is_ok_and(|n| n >= b))
    }

    /// Appends ` AND ...` conditions over `events e`.
    fn push(&self, sql: &mut QueryBuilder<Postgres>) {
        if let Some(c) = self.chain_id {
            sql.push(" AND e.chain_id = ").push_bind(c);
        }
        if let Some(e) = &self.event {
            sql.push(" AND e.event = ").push_bind(e.clone());
        }
        if let Some(c) = &self.contract {
            sql.push(" AND e.contract = ").push_bind(c.clone());
        }
        if let Some(o) = &self.order_id {
            sql.push(" AND e.args ->> 'orderId' = ").push_bind(o.clone());
        }
        if let Some(a) = &self.account {
            sql.push(" AND ((e.args ? 'seller' AND e.args ->> 'seller' = ")
                .push_bind(a.clone())
                .push(") OR (e.args ? 'backer' AND e.args ->> 'backer' = ")
                .push_bind(a.clone())
                .push(") OR (e.args ? 'promoter' AND e.args ->> 'promoter' = ")
                .push_bind(a.clone())
                .push("))");
        }
        if let Some(b) = self.from_block {
            sql.push(" AND e.block_number >= ").push_bind(b);
        }
    }
}

/// An event as `events` holds it.
#[derive(Debug, sqlx::FromRow)]
struct EventRow {
    chain_id: i64,
    block_number: i64,
    log_index: i32,
    block_hash: String,
    block_time: String,
    tx_hash: String,
    contract: String,
    address: String,
    event: String,
    args: Json<Map<String, Value>>,
}

impl TryFrom<EventRow> for Event {
    type Error = sqlx::Error;

    fn try_from(row: EventRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            chain_id: decode::unsigned("chain_id", row.chain_id)?,
            block_number: decode::unsigned("block_number", row.block_number)?,
            log_index: decode::unsigned("log_index", row.log_index)?,
            block_hash: decode::hash("block_hash", &row.block_hash)?,
            block_time: decode::time(row.block_time),
            tx_hash: decode::hash("tx_hash", &row.tx_hash)?,
            contract: row.contract,
            address: decode::address("address", &row.address)?,
            event: row.event,
            args: row.args.0,
        })
    }
}

/// A page of `limit` events matching `filter`, oldest first (by chain, block and log index),
/// after the event whose sort key is `after` (`chain_id`, `block_number`, `log_index`).
#[tracing::instrument(skip(pool))]
pub async fn list(
    pool: &PgPool,
    filter: &EventFilter,
    after: Option<&[String]>,
    limit: u32,
) -> Result<Page<Event>, PageError> {
    let mut sql = QueryBuilder::<Postgres>::new("SELECT ");
    sql.push(COLUMNS).push(" FROM events e WHERE true");
    filter.push(&mut sql);
    EVENTS.push(&mut sql, after, limit)?;
    let rows: Vec<EventRow> = sql.build_query_as().fetch_all(pool).await?;
    let events = rows.into_iter().map(Event::try_from).collect::<Result<_, _>>()?;
    Ok(Page::from_rows(events, limit as usize, |e| {
        cursor_after(&[&e.chain_id, &e.block_number, &e.log_index])
    }))
}

/// A position in a chain's events: its last `(block_number, log_index)` read, `(-1, -1)`
/// before the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The chain.
    pub chain_id: i64,
    /// The block.
    pub block_number: i64,
    /// The log's index in its block.
    pub log_index: i32,
}

/// The current end of each chain's events.
#[derive(Debug)]
struct EndRow {
    chain_id: i64,
    block_number: Option<i64>,
    log_index: Option<i32>,
}

/// The last event of each of `chain_ids` (`(-1, -1)` for a chain without events).
#[tracing::instrument(skip(pool))]
pub async fn ends(pool: &PgPool, chain_ids: &[i64]) -> sqlx::Result<Vec<Position>> {
    let rows = sqlx::query_as!(
        EndRow,
        r#"SELECT c.id AS "chain_id!", h.block_number AS "block_number?", h.log_index AS "log_index?"
         FROM unnest($1::BIGINT[]) AS c(id)
         LEFT JOIN LATERAL (SELECT block_number, log_index FROM events
             WHERE chain_id = c.id ORDER BY block_number DESC, log_index DESC LIMIT 1) h ON true"#,
        chain_ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Position {
            chain_id: r.chain_id,
            block_number: r.block_number.unwrap_or(-1),
            log_index: r.log_index.unwrap_or(-1),
        })
        .collect())
}

/// What one poll of a stream read: each chain's end, and the events after its position.
#[derive(Debug, Default)]
pub struct Poll {
    /// The current end of each chain polled that has events.
    pub ends: Vec<Position>,
    /// The events after the positions that match the filter (at most `batch` per chain),
    /// by block time, chain, block and log index.
    pub events: Vec<Event>,
}

/// A poll's row: a chain's end (`event` NULL) or an event.
#[derive(Debug, sqlx::FromRow)]
struct PollRow {
    chain_id: i64,
    block_number: i64,
    log_index: i32,
    block_hash: Option<String>,
    block_time: Option<String>,
    tx_hash: Option<String>,
    contract: Option<String>,
    address: Option<String>,
    event: Option<String>,
    args: Option<Json<Map<String, Value>>>,
}

/// The events after `positions` matching `filter` (at most `batch` per chain) and the
/// current end of each chain, in one statement so both come from one snapshot.
#[tracing::instrument(skip(pool))]
pub async fn poll(
    pool: &PgPool,
    positions: &[Position],
    filter: &EventFilter,
    batch: i64,
) -> sqlx::Result<Poll> {
    let chains: Vec<i64> = positions.iter().map(|p| p.chain_id).collect();
    let blocks: Vec<i64> = positions.iter().map(|p| p.block_number).collect();
    let logs: Vec<i32> = positions.iter().map(|p| p.log_index).collect();
    let mut sql = QueryBuilder::<Postgres>::new("WITH pos AS (SELECT * FROM unnest(");
    sql.push_bind(chains)
        .push("::BIGINT[], ")
        .push_bind(blocks)
        .push("::BIGINT[], ")
        .push_bind(logs)
        .push(
            "::INT[]) AS p(id, b, l))
             SELECT p.id AS chain_id, h.block_number, h.log_index, NULL AS block_hash,
                    NULL AS block_time, NULL AS tx_hash, NULL AS contract, NULL AS address,
                    NULL AS event, NULL::JSONB AS args
             FROM pos p
             JOIN LATERAL (SELECT block_number, log_index FROM events
                 WHERE chain_id = p.id ORDER BY block_number DESC, log_index DESC LIMIT 1) h ON true
             UNION ALL
             SELECT x.chain_id, x.block_number, x.log_index, x.block_hash, x.block_time,
                    x.tx_hash, x.contract, x.address, x.event, x.args
             FROM (SELECT ",
        )
        .push(COLUMNS)
        .push(
            " FROM pos p JOIN LATERAL (SELECT * FROM events e
                 WHERE e.chain_id = p.id AND (e.block_number, e.log_index) > (p.b, p.l)",
        );
    filter.push(&mut sql);
    sql.push(" ORDER BY e.block_number, e.log_index LIMIT ")
        .push_bind(batch)
        .push(") e ON true ORDER BY e.block_time, e.chain_id, e.block_number, e.log_index) x");
    let rows: Vec<PollRow> = sql.build_query_as().fetch_all(pool).await?;
    let mut poll = Poll::default();
    for row in rows {
        let (Some(event), Some(args)) = (row.event, row.args) else {
            poll.ends.push(Position {
                chain_id: row.chain_id,
                block_number: row.block_number,
                log_index: row.log_index,
            });
            continue;
        };
        let text = |column: &str, value: Option<String>| {
            value.ok_or_else(|| decode::error(column, "NULL in an event"))
        };
        poll.events.push(Event::try_from(EventRow {
            chain_id: row.chain_id,
            block_number: row.block_number,
            log_index: row.log_index,
            block_hash: text("block_hash", row.block_hash)?,
            block_time: text("block_time", row.block_time)?,
            tx_hash: text("tx_hash", row.tx_hash)?,
            contract: text("contract", row.contract)?,
            address: text("address", row.address)?,
            event,
            args,
        })?);
    }
    Ok(poll)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_filter_in_memory_selects_what_its_sql_does() {
        let event = |name: &str, args: Value| -> Event {
            serde_json::from_value(json!({
                "chain_id": 7, "block_number": 12, "log_index": 3,
                "block_hash": format!("0x{}", "ab".repeat(32)),
                "block_time": "2026-11-23T10:00:00+00:00",
                "tx_hash": format!("0x{}", "cd".repeat(32)),
                "contract": "escrow", "address": format!("0x{}", "11".repeat(20)),
                "event": name, "args": args,
            }))
            .unwrap()
        };
        let a = "0x00000000000000000000000000000000000000aa".to_string();
        let pledged = event("Pledged", json!({"orderId": "5", "backer": a, "units": "2"}));
        let all = EventFilter::default();
        assert!(all.matches(&pledged));
        let f = |f: EventFilter| f.matches(&pledged);
        assert!(f(EventFilter { chain_id: Some(7), ..Default::default() }));
        assert!(!f(EventFilter { chain_id: Some(8), ..Default::default() }));
        assert!(f(EventFilter { event: Some("Pledged".into()), ..Default::default() }));
        assert!(!f(EventFilter { event: Some("pledged".into()), ..Default::default() }));
        assert!(f(EventFilter { contract: Some("escrow".into()), ..Default::default() }));
        assert!(!f(EventFilter { contract: Some("token".into()), ..Default::default() }));
        assert!(f(EventFilter { order_id: Some("5".into()), ..Default::default() }));
        assert!(!f(EventFilter { order_id: Some("50".into()), ..Default::default() }));
        assert!(f(EventFilter { account: Some(a.clone()), ..Default::default() }));
        assert!(!f(EventFilter { account: Some(a.replace("aa", "bb")), ..Default::default() }));
        assert!(f(EventFilter { from_block: Some(12), ..Default::default() }));
        assert!(!f(EventFilter { from_block: Some(13), ..Default::default() }));
        // `->>` reads a number as its text.
        let numbered = event("X", json!({"orderId": 5}));
        assert!(
            EventFilter { order_id: Some("5".into()), ..Default::default() }.matches(&numbered)
        );
    }
}
