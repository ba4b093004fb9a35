//! The `events` area of the API: the raw mirrored events,
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
    Json,
    extract::State,
    http::HeaderMap,
    response::sse::{Event as SseEvent, KeepAlive, Sse},
};
use cointent_domain::{Page, events::Event};
use cointent_storage::read::events::{self as read, EventFilter, Position};
use futures_util::Stream;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiQuery, ApiResult},
    page::{PageQuery, page_query},
    params::{address, chain_id, uint},
    state::AppState,
};

/// How often the stream polls the mirror.
const POLL: Duration = Duration::from_millis(200);
/// The most events one poll reads per chain.
const BATCH: i64 = 500;

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(stream))
}

/// The filters of the list and the stream (the list's `limit` and `cursor` are a
/// [`PageQuery`] of their own).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// Only this chain.
    #[param(maximum = 9_223_372_036_854_775_807_u64)]
    chain_id: Option<u64>,
    /// Event name (OrderCreated, Pledged, ...).
    #[param(pattern = "^[A-Za-z0-9_]{1,64}$")]
    event: Option<String>,
    /// Deployment name of the emitter (escrow, token, treasury, governor, timelock,
    /// stablecoin).
    #[param(pattern = "^[a-z0-9_]{1,32}$")]
    contract: Option<String>,
    /// Events of this order (args.orderId).
    #[param(pattern = "^[0-9]{1,78}$")]
    order_id: Option<String>,
    /// Events naming this seller, backer or promoter.
    #[param(value_type = Option<cointent_domain::primitives::schema::Address>)]
    account: Option<String>,
    /// From this block on.
    #[param(maximum = 9_223_372_036_854_775_807_u64)]
    from_block: Option<u64>,
}

/// The checked filters of a query.
fn filter(q: &EventsQuery) -> ApiResult<EventFilter> {
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
    Ok(EventFilter {
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

/// Raw mirrored events, oldest first.
///
/// Ordered by (chain_id, block_number, log_index).
#[utoipa::path(
    get,
    path = "/events",
    operation_id = "listEvents",
    tag = "events",
    params(EventsQuery, PageQuery),
    responses(
        (status = 200, description = "OK", body = Page<Event>),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<EventsQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Event>>> {
    let filter = filter(&q)?;
    let page = page_query(page.limit, page.cursor);
    let (limit, cursor) = (page.limit()?, page.cursor(3)?);
    Ok(Json(read::list(&state.pool, &filter, cursor.as_deref(), limit).await?))
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

/// The stream's request header, read from [`HeaderMap`] (so a bad one is this API's 400).
// Only the OpenAPI document reads the struct.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
struct StreamHeaders {
    /// The id of the last message received.
    #[param(
        rename = "Last-Event-ID",
        nullable = false,
        pattern = "^(-?[0-9]+:-?[0-9]+:-?[0-9]+)?(,-?[0-9]+:-?[0-9]+:-?[0-9]+)*$"
    )]
    last_event_id: Option<String>,
}

/// What a stream carries between polls.
struct Tail {
    state: AppState,
    filter: EventFilter,
    positions: Positions,
    ready: VecDeque<SseEvent>,
    first: bool,
}

impl Tail {
    /// Reads the events after the positions (matching the filter) and the current end of each
    /// chain, from one snapshot.
    async fn poll(&mut self) -> Result<(), sqlx::Error> {
        let positions: Vec<Position> = self
            .positions
            .iter()
            .map(|(&chain_id, &(block_number, log_index))| Position {
                chain_id,
                block_number,
                log_index,
            })
            .collect();
        let poll = read::poll(&self.state.pool, &positions, &self.filter, BATCH).await?;
        let mut full: BTreeMap<i64, usize> = BTreeMap::new();
        for event in &poll.events {
            let chain = event.chain_id as i64;
            *full.entry(chain).or_default() += 1;
            self.positions.insert(chain, (event.block_number as i64, event.log_index as i32));
            let id = encode_positions(&self.positions);
            let data = serde_json::to_string(event)
                .map_err(|e| sqlx::Error::Decode(format!("event as JSON: {e}").into()))?;
            self.ready.push_back(SseEvent::default().id(id).data(data));
        }
        // Skip past what did not match; a chain rolled back by a reorg moves back to its end.
        // A chain whose batch was full keeps its position, to read the rest next time.
        for end in poll.ends {
            if full.get(&end.chain_id).is_none_or(|n| (*n as i64) < BATCH) {
                self.positions.insert(end.chain_id, (end.block_number, end.log_index));
            }
        }
        Ok(())
    }
}

/// New events as server-sent events.
///
/// A text/event-stream of events as they are mirrored, with the list's filters. Each
/// message's data is an Event (JSON) and its id the stream position after it
/// (chain:block:log pairs); reconnect with Last-Event-ID to resume after it. Without it the
/// stream starts at the current end of the mirror. Comments keep the connection alive.
#[utoipa::path(
    get,
    path = "/events/stream",
    operation_id = "streamEvents",
    tag = "events",
    params(
        EventsQuery,
        StreamHeaders,
    ),
    responses(
        (
            status = 200,
            description = "The stream.",
            content_type = "text/event-stream",
            body = String
        ),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 429, response = crate::openapi::TooManyRequests),
    )
)]
async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let filter = filter(&q)?;
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
        for end in read::ends(&state.pool, &missing).await? {
            positions.insert(end.chain_id, (end.block_number, end.log_index));
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
