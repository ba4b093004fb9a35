//! The `events` area of the API (see `indexer/api/openapi/events.json`): the raw mirrored events,
//! as a paginated list and as a server-sent-events stream of new ones.
//!
//! The stream polls the mirror (every [`POLL`]) for events after a position per chain
//! (`block_number`, `log_index`). Each SSE message's id is the position after it, as
//! `chain:block:log` pairs joined by commas, so a client that reconnects with `Last-Event-ID`
//! (browsers' `EventSource` does it by itself) resumes exactly where it stopped. Without one,
//! the stream starts at the current end of the mirror.

use std::{
    collections::{BTreeMap, VecDeque},
    convert::Infallible,
    time::Duration,
};

use axum::{
    Router,
    extract::State,
    http::HeaderMap,
    response::{
        Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::get,
};
use futures_util::Stream;
use serde::Deserialize;
use sqlx::{Postgres, QueryBuilder, Row};

use crate::{
    error::{ApiError, ApiQuery, ApiResult},
    page::{fetch_page, log_keyset, page_query},
    params::{address, chain_id, uint},
    state::AppState,
};

/// How often the stream polls the mirror.
const POLL: Duration = Duration::from_millis(200);
/// The most events one poll reads per chain.
const BATCH: i64 = 500;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/events", get(list)).route("/events/stream", get(stream))
}

const EVENT: &str = "json_build_object('chain_id', e.chain_id, 'block_number', e.block_number,
    'log_index', e.log_index, 'block_hash', e.block_hash, 'block_time', e.block_time,
    'tx_hash', e.tx_hash, 'contract', e.contract, 'address', e.address, 'event', e.event,
    'args', e.args)::TEXT";

#[derive(Debug, Deserialize)]
struct EventsQuery {
    chain_id: Option<u64>,
    event: Option<String>,
    contract: Option<String>,
    order_id: Option<String>,
    account: Option<String>,
    from_block: Option<u64>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// The checked filters shared by the list and the stream.
#[derive(Debug, Clone, Default)]
struct Filter {
    chain_id: Option<i64>,
    event: Option<String>,
    contract: Option<String>,
    order_id: Option<String>,
    account: Option<String>,
    from_block: Option<i64>,
}

impl Filter {
    fn new(q: &EventsQuery) -> ApiResult<Self> {
        let event = match &q.event {
            Some(e)
                if e.is_empty()
                    || e.len() > 64
                    || !e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                return Err(ApiError::bad("event", "not an event name"));
            }
            other => other.clone(),
        };
        Ok(Self {
            chain_id: q.chain_id.map(|c| chain_id("chain_id", c)).transpose()?,
            event,
            contract: match &q.contract {
                Some(c)
                    if c.is_empty()
                        || c.len() > 32
                        || !c
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
                {
                    return Err(ApiError::bad("contract", "not a deployment name"));
                }
                other => other.clone(),
            },
            order_id: q.order_id.as_deref().map(|o| uint("order_id", o)).transpose()?,
            account: q.account.as_deref().map(|a| address("account", a)).transpose()?,
            from_block: q.from_block.map(|b| chain_id("from_block", b)).transpose()?,
        })
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

/// Raw events, oldest first (by chain, block, log index).
async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult<Response> {
    let filter = Filter::new(&q)?;
    let page = page_query(q.limit, q.cursor.clone());
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "SELECT {EVENT}, e.chain_id::TEXT, e.block_number::TEXT, e.log_index::TEXT
         FROM events e WHERE true"
    ));
    filter.push(&mut sql);
    log_keyset(&mut sql, "e", cursor, true, limit)?;
    fetch_page(&state, sql, limit).await
}

/// Positions per chain: the last (block, log index) seen.
type Positions = BTreeMap<i64, (i64, i32)>;

/// `chain:block:log` pairs joined by commas.
fn encode_positions(p: &Positions) -> String {
    p.iter().map(|(c, (b, l))| format!("{c}:{b}:{l}")).collect::<Vec<_>>().join(",")
}

fn decode_positions(text: &str) -> ApiResult<Positions> {
    let bad = || ApiError::bad("Last-Event-ID", "not an event id from this stream");
    let mut out = Positions::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        let mut it = part.split(':');
        let (Some(c), Some(b), Some(l), None) = (it.next(), it.next(), it.next(), it.next()) else {
            return Err(bad());
        };
        let c: i64 = c.parse().map_err(|_| bad())?;
        let b: i64 = b.parse().map_err(|_| bad())?;
        let l: i32 = l.parse().map_err(|_| bad())?;
        out.insert(c, (b, l));
    }
    Ok(out)
}

/// What a stream carries between polls.
struct Tail {
    state: AppState,
    filter: Filter,
    positions: Positions,
    ready: VecDeque<Event>,
    first: bool,
}

impl Tail {
    /// Reads the events after the positions (matching the filter) and the current end of each
    /// chain, in one statement so both come from one snapshot.
    async fn poll(&mut self) -> Result<(), sqlx::Error> {
        let chains: Vec<i64> = self.positions.keys().copied().collect();
        let blocks: Vec<i64> = self.positions.values().map(|p| p.0).collect();
        let logs: Vec<i32> = self.positions.values().map(|p| p.1).collect();
        let mut sql = QueryBuilder::<Postgres>::new("WITH pos AS (SELECT * FROM unnest(");
        sql.push_bind(chains)
            .push("::BIGINT[], ")
            .push_bind(blocks)
            .push("::BIGINT[], ")
            .push_bind(logs)
            .push(format!(
                "::INT[]) AS p(id, b, l))
                 SELECT NULL::TEXT, p.id, h.block_number, h.log_index FROM pos p
                 JOIN LATERAL (SELECT block_number, log_index FROM events
                     WHERE chain_id = p.id ORDER BY block_number DESC, log_index DESC LIMIT 1) h ON true
                 UNION ALL
                 SELECT x.* FROM (SELECT {EVENT}, e.chain_id, e.block_number, e.log_index
                   FROM pos p JOIN LATERAL (SELECT * FROM events e
                     WHERE e.chain_id = p.id AND (e.block_number, e.log_index) > (p.b, p.l)"
            ));
        self.filter.push(&mut sql);
        sql.push(" ORDER BY e.block_number, e.log_index LIMIT ")
            .push_bind(BATCH)
            .push(") e ON true ORDER BY e.block_time, e.chain_id, e.block_number, e.log_index) x");
        let rows = sql.build().fetch_all(&self.state.pool).await?;
        let mut heads = Positions::new();
        let mut full: BTreeMap<i64, usize> = BTreeMap::new();
        for row in &rows {
            let json: Option<String> = row.try_get(0)?;
            let key: (i64, i64, i32) = (row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
            match json {
                None => {
                    heads.insert(key.0, (key.1, key.2));
                }
                Some(json) => {
                    *full.entry(key.0).or_default() += 1;
                    self.positions.insert(key.0, (key.1, key.2));
                    let id = encode_positions(&self.positions);
                    self.ready.push_back(Event::default().id(id).data(json));
                }
            }
        }
        // Skip past what did not match; a chain rolled back by a reorg moves back to its end.
        // A chain whose batch was full keeps its position, to read the rest next time.
        for (chain, head) in heads {
            if full.get(&chain).is_none_or(|n| (*n as i64) < BATCH) {
                self.positions.insert(chain, head);
            }
        }
        Ok(())
    }
}

/// New events as server-sent events (`text/event-stream`), with the list's filters.
async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let filter = Filter::new(&q)?;
    let mut positions = match headers.get("last-event-id") {
        Some(v) => {
            decode_positions(v.to_str().map_err(|_| ApiError::bad("Last-Event-ID", "not ASCII"))?)?
        }
        None => Positions::new(),
    };
    let chains: Vec<i64> = match filter.chain_id {
        Some(c) => vec![c],
        None => state.config.chains.iter().map(|c| c.chain_id as i64).collect(),
    };
    if let Some(c) = filter.chain_id {
        positions.retain(|k, _| *k == c);
    }
    let missing: Vec<i64> = chains.into_iter().filter(|c| !positions.contains_key(c)).collect();
    if !missing.is_empty() {
        let ends: Vec<(i64, Option<i64>, Option<i32>)> = sqlx::query_as(
            "SELECT c.id, h.block_number, h.log_index FROM unnest($1::BIGINT[]) AS c(id)
             LEFT JOIN LATERAL (SELECT block_number, log_index FROM events
                 WHERE chain_id = c.id ORDER BY block_number DESC, log_index DESC LIMIT 1) h ON true",
        )
        .bind(&missing)
        .fetch_all(&state.pool)
        .await?;
        for (c, b, l) in ends {
            positions.insert(c, (b.unwrap_or(-1), l.unwrap_or(-1)));
        }
    }
    let tail = Tail { state, filter, positions, ready: VecDeque::new(), first: true };
    let events = futures_util::stream::unfold(tail, |mut tail| async move {
        loop {
            if let Some(event) = tail.ready.pop_front() {
                return Some((Ok(event), tail));
            }
            if !tail.first {
                tokio::time::sleep(POLL).await;
            }
            tail.first = false;
            if let Err(e) = tail.poll().await {
                tracing::warn!(error = %e, "event stream poll failed");
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_bad_ids_are_refused() {
        let p: Positions = [(42100, (12, 3)), (42101, (-1, -1))].into_iter().collect();
        assert_eq!(decode_positions(&encode_positions(&p)).unwrap(), p);
        assert!(decode_positions("1:2").is_err());
        assert!(decode_positions("a:b:c").is_err());
        assert!(decode_positions("").unwrap().is_empty());
    }
}
