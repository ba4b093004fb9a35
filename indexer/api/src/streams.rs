//! What every event stream shares: one poller reading the mirror's new events for all of them,
//! and the caps on how many may be open.
//!
//! A poller per stream let 2 000 open streams hold the pool and slow everything else (issue
//! 14). The [`Hub`] instead runs one task, started by the first stream, that reads the events
//! after its position per chain every [`POLL`] (one query, whatever the number of streams) and
//! broadcasts each [`Batch`]; streams filter it in memory. A stream that resumes from an older
//! position, or falls behind the broadcast, reads what it missed from the database itself
//! before following the broadcast again (see the `events` area).
//!
//! Open streams are counted, in all (`http.max_streams`) and per client IP
//! (`http.max_streams_per_ip`); a [`Permit`] holds a stream's place until the stream is
//! dropped (the client went away).

use std::{
    collections::{BTreeMap, HashMap},
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use cointent_domain::events::Event;
use cointent_storage::read::events::{self as read, EventFilter, Position};
use sqlx::PgPool;
use tokio::sync::{OnceCell, broadcast, watch};

use crate::error::{ApiError, ApiResult};

/// How often the poller reads the mirror.
pub(crate) const POLL: Duration = Duration::from_millis(200);
/// The most events one poll reads per chain.
pub(crate) const BATCH: i64 = 500;
/// Batches kept for streams that have not read them yet; one further behind catches up from
/// the database.
const BACKLOG: usize = 256;
/// What a refused stream is told to wait, in seconds.
const RETRY_AFTER_SECS: u64 = 5;

/// Positions per chain: the last (block, log index) read.
pub(crate) type Positions = BTreeMap<i64, (i64, i32)>;

/// What one poll of the mirror found, for every stream.
#[derive(Debug)]
pub(crate) struct Batch {
    /// Every new event (unfiltered), in the order streams send them.
    pub(crate) events: Vec<Event>,
    /// The poller's position per chain after these events.
    pub(crate) positions: Positions,
    /// Chains whose end moved back (a reorg): streams past it move back to it.
    pub(crate) rewound: Vec<i64>,
}

/// The poller's outputs, once started.
#[derive(Debug)]
struct Started {
    batches: broadcast::Sender<Arc<Batch>>,
    /// Also what keeps the poller running: it stops once the hub is dropped.
    positions: watch::Receiver<Positions>,
}

/// The shared poller and the stream counts of one server.
#[derive(Debug)]
pub struct Hub {
    pool: PgPool,
    /// The configured chains: the only ones streams follow.
    chains: Vec<i64>,
    max: usize,
    max_per_ip: usize,
    started: OnceCell<Started>,
    open: Arc<Mutex<Open>>,
}

/// Open streams, in all and by client IP (`None`: a server without client addresses).
#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_ip: HashMap<Option<IpAddr>, usize>,
}

/// A stream's place among the open ones, given back on drop.
#[derive(Debug)]
pub(crate) struct Permit {
    open: Arc<Mutex<Open>>,
    ip: Option<IpAddr>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut open = lock(&self.open);
        open.total -= 1;
        if let Some(n) = open.by_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.by_ip.remove(&self.ip);
            }
        }
    }
}

/// A new stream's start: its place, the broadcast, and the poller's position when it
/// subscribed.
#[derive(Debug)]
pub(crate) struct Subscription {
    pub(crate) permit: Permit,
    pub(crate) batches: broadcast::Receiver<Arc<Batch>>,
    pub(crate) positions: Positions,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Hub {
    /// A hub over `pool` for `chains`, allowing `max` open streams, `max_per_ip` per client.
    pub fn new(pool: PgPool, chains: Vec<i64>, max: usize, max_per_ip: usize) -> Self {
        Self { pool, chains, max, max_per_ip, started: OnceCell::new(), open: Default::default() }
    }

    /// The configured chains.
    pub(crate) fn chains(&self) -> &[i64] {
        &self.chains
    }

    /// Takes a place for a stream of client `ip`: 429 when the client, or the server, has
    /// as many open as allowed.
    pub(crate) fn admit(&self, ip: Option<IpAddr>) -> ApiResult<Permit> {
        let mut open = lock(&self.open);
        let mine = open.by_ip.get(&ip).copied().unwrap_or(0);
        if mine >= self.max_per_ip || open.total >= self.max {
            return Err(ApiError::TooManyRequests { retry_after_secs: RETRY_AFTER_SECS });
        }
        open.total += 1;
        *open.by_ip.entry(ip).or_default() += 1;
        Ok(Permit { open: self.open.clone(), ip })
    }

    /// Subscribes a stream holding `permit` to the broadcast, starting the poller at the
    /// mirror's end if it does not run yet.
    pub(crate) async fn subscribe(&self, permit: Permit) -> sqlx::Result<Subscription> {
        let started = self.started.get_or_try_init(|| self.start()).await?;
        // Subscribed before reading the position: no batch after it can be missed (the
        // poller moves its position before it sends).
        let batches = started.batches.subscribe();
        let positions = started.positions.borrow().clone();
        Ok(Subscription { permit, batches, positions })
    }

    async fn start(&self) -> sqlx::Result<Started> {
        let positions: Positions = read::ends(&self.pool, &self.chains)
            .await?
            .into_iter()
            .map(|p| (p.chain_id, (p.block_number, p.log_index)))
            .collect();
        let (batches, _) = broadcast::channel(BACKLOG);
        let (tx, rx) = watch::channel(positions.clone());
        tokio::spawn(run(self.pool.clone(), positions, batches.clone(), tx));
        Ok(Started { batches, positions: rx })
    }
}

/// The poller: reads, moves its position, broadcasts; until the hub is gone.
async fn run(
    pool: PgPool,
    mut positions: Positions,
    batches: broadcast::Sender<Arc<Batch>>,
    moved: watch::Sender<Positions>,
) {
    while !moved.is_closed() {
        let full = match poll(&pool, &mut positions, &EventFilter::default()).await {
            Ok(polled) => {
                let full = polled.full;
                if !polled.batch.events.is_empty() || !polled.batch.rewound.is_empty() {
                    moved.send_replace(positions.clone());
                    // No receiver (no stream open) is not an error.
                    let _ = batches.send(Arc::new(polled.batch));
                }
                full
            }
            Err(e) => {
                tracing::warn!(error = %e, "event stream poll failed");
                false
            }
        };
        if !full {
            tokio::time::sleep(POLL).await;
        }
    }
}

/// One poll's batch, and whether a chain had more than [`BATCH`] new events (read again at
/// once).
#[derive(Debug)]
pub(crate) struct Polled {
    pub(crate) batch: Batch,
    pub(crate) full: bool,
}

/// Reads the events after `positions` matching `filter` and moves `positions` past them: to
/// each chain's end (past what did not match; back to it after a reorg), or, for a chain
/// whose batch was full, to its last event read.
pub(crate) async fn poll(
    pool: &PgPool,
    positions: &mut Positions,
    filter: &EventFilter,
) -> sqlx::Result<Polled> {
    let at: Vec<Position> = positions
        .iter()
        .map(|(&chain_id, &(block_number, log_index))| Position {
            chain_id,
            block_number,
            log_index,
        })
        .collect();
    let poll = read::poll(pool, &at, filter, BATCH).await?;
    let mut read: BTreeMap<i64, i64> = BTreeMap::new();
    for event in &poll.events {
        *read.entry(event.chain_id as i64).or_default() += 1;
        positions
            .insert(event.chain_id as i64, (event.block_number as i64, event.log_index as i32));
    }
    let mut rewound = Vec::new();
    for end in poll.ends {
        if read.get(&end.chain_id).is_some_and(|n| *n >= BATCH) {
            continue;
        }
        let to = (end.block_number, end.log_index);
        if positions.get(&end.chain_id).is_some_and(|p| *p > to) {
            rewound.push(end.chain_id);
        }
        positions.insert(end.chain_id, to);
    }
    let full = read.values().any(|n| *n >= BATCH);
    Ok(Polled { batch: Batch { events: poll.events, positions: positions.clone(), rewound }, full })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(max: usize, per_ip: usize) -> Hub {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .connect_lazy("postgres://nobody@127.0.0.1:1/none")
            .unwrap();
        Hub::new(pool, vec![1], max, per_ip)
    }

    #[tokio::test]
    async fn streams_are_counted_overall_and_per_client_until_dropped() {
        let hub = hub(3, 2);
        let (a, b) = (Some(IpAddr::from([10, 0, 0, 1])), Some(IpAddr::from([10, 0, 0, 2])));
        let first = hub.admit(a).unwrap();
        let _second = hub.admit(a).unwrap();
        assert!(matches!(hub.admit(a), Err(ApiError::TooManyRequests { .. })), "per client");
        let _third = hub.admit(b).unwrap();
        assert!(matches!(hub.admit(b), Err(ApiError::TooManyRequests { .. })), "in all");
        drop(first);
        assert!(hub.admit(b).is_ok(), "a dropped stream frees its place");
        assert_eq!(lock(&hub.open).by_ip.len(), 2);
    }
}
