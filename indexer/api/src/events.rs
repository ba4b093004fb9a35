//! The `events` area of the API: the raw mirrored events,
//! as a paginated list and as a server-sent-events stream of new ones.
//!
//! Every stream follows the server's one poller (`streams::Hub`), filtering its batches in
//! memory, from a position per chain (`block_number`, `log_index`). Each SSE message's id is
//! the position after it, as `chain:block:log` pairs joined by commas, so a client that
//! reconnects with `Last-Event-ID` (browsers' `EventSource` does it by itself) resumes exactly
//! where it stopped: it reads what it missed from the database, then follows the poller
//! again. Without one, the stream starts at the poller's position, the end of the mirror.

use std::{collections::VecDeque, convert::Infallible, sync::Arc, time::Duration};

use axum::{
    Json,
    extract::State,
    http::{Extensions, HeaderMap},
    response::sse::{Event as SseEvent, KeepAlive, Sse},
};
use cointent_domain::{Page, events::Event};
use cointent_storage::read::events::{self as read, EventFilter};
use futures_util::Stream;
use serde::Deserialize;
use sqlx::PgPool;
use tokio::sync::broadcast;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiQuery, ApiResult},
    identity::client_ip,
    page::{PageQuery, page_query},
    params::{address, chain_id, uint},
    state::AppState,
    streams::{self, Batch, Permit, Positions},
};

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

/// `chain:block:log` pairs joined by commas.
fn encode_positions(p: &Positions) -> String {
    p.iter().map(|(c, (b, l))| format!("{c}:{b}:{l}")).collect::<Vec<_>>().join(",")
}

/// The positions a `Last-Event-ID` names, of the `chains` this server indexes only: the others
/// are dropped. An id longer than one of this server's own could be (each chain's pair is at
/// most 51 bytes) is refused before it is read.
fn decode_positions(text: &str, chains: &[i64]) -> ApiResult<Positions> {
    let bad = || ApiError::bad("Last-Event-ID", "not an event id from this stream");
    if text.len() > MAX_PAIR * (chains.len() + SPARE_PAIRS) {
        return Err(ApiError::bad("Last-Event-ID", "too long for an event id of this stream"));
    }
    let mut out = Positions::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        let mut it = part.split(':');
        let (Some(c), Some(b), Some(l), None) = (it.next(), it.next(), it.next(), it.next()) else {
            return Err(bad());
        };
        let c: i64 = c.parse().map_err(|_| bad())?;
        let b: i64 = b.parse().map_err(|_| bad())?;
        let l: i32 = l.parse().map_err(|_| bad())?;
        if chains.contains(&c) {
            out.insert(c, (b, l));
        }
    }
    Ok(out)
}

/// The longest `chain:block:log` pair (two `i64`s, an `i32`, the separators).
const MAX_PAIR: usize = 20 + 1 + 20 + 1 + 11 + 1;
/// Pairs beyond the configured chains a `Last-Event-ID` may carry (chains no longer indexed).
const SPARE_PAIRS: usize = 8;

/// The stream's request header, read from [`HeaderMap`] (so a bad one is this API's 400).
// Only the OpenAPI document reads the struct.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
struct StreamHeaders {
    /// The id of the last message received. Only the chains this server indexes are kept;
    /// at most 54 bytes per indexed chain (plus 8 spare pairs).
    #[param(
        rename = "Last-Event-ID",
        nullable = false,
        pattern = "^(-?[0-9]+:-?[0-9]+:-?[0-9]+)?(,-?[0-9]+:-?[0-9]+:-?[0-9]+)*$"
    )]
    last_event_id: Option<String>,
}

/// One stream: its filter, its position, and what it has to send.
struct Tail {
    pool: PgPool,
    filter: EventFilter,
    positions: Positions,
    batches: broadcast::Receiver<Arc<Batch>>,
    ready: VecDeque<SseEvent>,
    /// Behind the broadcast (resuming, or lagged): reading the database itself.
    catching_up: bool,
    /// Its place among the open streams, until it is dropped.
    _permit: Permit,
}

impl Tail {
    /// Queues `event` when it matches and is past the stream's position, moving it there.
    fn offer(&mut self, event: &Event) {
        let (chain, at) =
            (event.chain_id as i64, (event.block_number as i64, event.log_index as i32));
        if self.positions.get(&chain).is_none_or(|p| at <= *p) {
            return;
        }
        self.positions.insert(chain, at);
        if !self.filter.matches(event) {
            return;
        }
        match serde_json::to_string(event) {
            Ok(data) => {
                let id = encode_positions(&self.positions);
                self.ready.push_back(SseEvent::default().id(id).data(data));
            }
            Err(e) => tracing::warn!(error = %e, "event as JSON"),
        }
    }

    /// Takes a broadcast batch: its events, then its positions (past what did not match,
    /// or back after a reorg) for the chains this stream follows.
    fn take(&mut self, batch: &Batch) {
        for chain in &batch.rewound {
            if let (Some(mine), Some(end)) =
                (self.positions.get_mut(chain), batch.positions.get(chain))
                && *mine > *end
            {
                *mine = *end;
            }
        }
        for event in &batch.events {
            self.offer(event);
        }
        for (chain, at) in &batch.positions {
            if let Some(mine) = self.positions.get_mut(chain)
                && *at > *mine
            {
                *mine = *at;
            }
        }
    }

    /// Reads from the database what the stream missed, one batch per chain.
    async fn catch_up(&mut self) -> Result<(), sqlx::Error> {
        let mut positions = self.positions.clone();
        let polled = streams::poll(&self.pool, &mut positions, &self.filter).await?;
        for event in &polled.batch.events {
            self.offer(event);
        }
        self.positions = positions;
        self.catching_up = polled.full;
        Ok(())
    }

    /// The next message: queued, caught up, or from the broadcast; `None` once the poller is
    /// gone.
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            if self.catching_up {
                if let Err(e) = self.catch_up().await {
                    tracing::warn!(error = %e, "event stream catch-up failed");
                    tokio::time::sleep(streams::POLL).await;
                }
                continue;
            }
            match self.batches.recv().await {
                Ok(batch) => self.take(&batch),
                Err(broadcast::error::RecvError::Lagged(_)) => self.catching_up = true,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// New events as server-sent events.
///
/// A text/event-stream of events as they are mirrored, with the list's filters. Each
/// message's data is an Event (JSON) and its id the stream position after it
/// (chain:block:log pairs); reconnect with Last-Event-ID to resume after it. Without it the
/// stream starts at the current end of the mirror. Comments keep the connection alive.
///
/// Open streams are limited, in all (`http.max_streams`, 1 000 by default) and per client
/// IP (`http.max_streams_per_ip`, 10): one more is answered 429 with Retry-After.
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
    extensions: Extensions,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let filter = filter(&q)?;
    let hub = &state.streams;
    let resumed = match headers.get("last-event-id") {
        Some(v) => Some(decode_positions(
            v.to_str().map_err(|_| ApiError::bad("Last-Event-ID", "not ASCII"))?,
            hub.chains(),
        )?),
        None => None,
    };
    let permit = hub.admit(client_ip(&extensions))?;
    let subscription = hub.subscribe(permit).await?;
    // Chains the id does not name start at the poller's position, the mirror's end.
    let mut positions = subscription.positions;
    let catching_up = resumed.as_ref().is_some_and(|r| !r.is_empty());
    positions.extend(resumed.unwrap_or_default());
    if let Some(c) = filter.chain_id {
        positions.retain(|k, _| *k == c);
    }
    let tail = Tail {
        pool: state.pool.clone(),
        filter,
        positions,
        batches: subscription.batches,
        ready: VecDeque::new(),
        catching_up,
        _permit: subscription.permit,
    };
    let events = futures_util::stream::unfold(tail, |mut tail| async move {
        tail.next().await.map(|event| (Ok(event), tail))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_bad_ids_are_refused() {
        let p: Positions = [(42100, (12, 3)), (42101, (-1, -1))].into_iter().collect();
        let chains = [42100, 42101];
        assert_eq!(decode_positions(&encode_positions(&p), &chains).unwrap(), p);
        assert!(decode_positions("1:2", &chains).is_err());
        assert!(decode_positions("a:b:c", &chains).is_err());
        assert!(decode_positions("", &chains).unwrap().is_empty());
    }

    #[test]
    fn only_configured_chains_are_kept_and_long_ids_refused() {
        let chains = [7];
        let kept = decode_positions("999999:5:0,7:12:3", &chains).unwrap();
        assert_eq!(kept, [(7, (12, 3))].into_iter().collect());
        let forged: Vec<String> = (0..100).map(|i| format!("{}:1:0", 900_000 + i)).collect();
        assert!(decode_positions(&forged.join(","), &chains).is_err());
        let longest = format!("{}:{}:{}", i64::MIN, i64::MIN, i32::MIN);
        assert_eq!(longest.len() + 1, MAX_PAIR);
        let pairs = |n: usize| vec![longest.as_str(); n].join(",");
        assert!(decode_positions(&pairs(1 + SPARE_PAIRS), &chains).unwrap().is_empty());
        assert!(decode_positions(&pairs(2 + SPARE_PAIRS), &chains).is_err());
    }
}
