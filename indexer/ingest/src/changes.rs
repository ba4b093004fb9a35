//! What changed in the mirror, for the response caches of every process that serves it.
//!
//! Every write to the mirror sends, inside its own transaction (so exactly when it commits),
//! a notification on the [`CHANNEL`] channel naming what it touched: a chain's orders by id,
//! a whole chain, or everything (local writes such as metadata uploads). Each process keeps
//! a [`Changes`]: the ingester of this process notes its commits directly, and a listener
//! (`cointent_api::changes::listen`) notes everybody's notifications, so API replicas that
//! index nothing invalidate exactly what the writers changed.
//!
//! A cached order is valid while its [`Changes::order_version`] is unchanged; everything
//! else (lists, totals) while [`Changes::global`] is.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use sqlx::{PgConnection, PgPool, postgres::PgListener};
use tokio::sync::watch;

use crate::checkpoint::EventRow;

/// The notification channel.
pub const CHANNEL: &str = "cointent_changes";

/// Orders tracked one by one before the whole set is forgotten (every order then counts
/// as changed once).
const MAX_TRACKED: usize = 200_000;

/// A notification's payload stays below Postgres's 8000-byte limit: more orders than fit
/// count as the whole chain.
const MAX_PAYLOAD: usize = 7_000;

/// What one write touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Rows of these orders (decimal ids) of one chain, plus anything that is not an order.
    Orders(u64, BTreeSet<String>),
    /// Anything of one chain (a rollback, an event that is not one order's).
    Chain(u64),
    /// Anything at all (a local write; a listener that lost its connection).
    All,
}

impl Scope {
    /// What a batch of events touches: the orders its Escrow events name; the whole
    /// chain when one of its Escrow events names no order (the fee, the token allowlist).
    /// The Shop's events change listings, which only lists and listing answers show (they
    /// follow every change), and a purchase names its order too.
    pub fn of_events(chain_id: u64, events: &[EventRow]) -> Self {
        let mut orders = BTreeSet::new();
        for e in events {
            let order = e.args.get("orderId").and_then(|v| v.as_str());
            match (e.contract.as_str(), order) {
                ("escrow" | "shop", Some(id)) => {
                    orders.insert(id.to_string());
                }
                ("escrow", None) => return Self::Chain(chain_id),
                _ => {}
            }
        }
        Self::Orders(chain_id, orders)
    }

    /// The notification's payload: `all`, `<chain>` or `<chain>:<id>,<id>…`.
    pub fn payload(&self) -> String {
        match self {
            Self::All => "all".into(),
            Self::Chain(chain) => chain.to_string(),
            Self::Orders(chain, ids) => {
                let list = ids.iter().map(String::as_str).collect::<Vec<_>>().join(",");
                if list.len() > MAX_PAYLOAD { chain.to_string() } else { format!("{chain}:{list}") }
            }
        }
    }

    /// Reads a payload back; `None` for anything else (which a listener treats as `All`).
    pub fn parse(payload: &str) -> Option<Self> {
        if payload == "all" {
            return Some(Self::All);
        }
        let (chain, ids) = match payload.split_once(':') {
            Some((chain, ids)) => (chain, Some(ids)),
            None => (payload, None),
        };
        let chain = chain.parse().ok()?;
        Some(match ids {
            None => Self::Chain(chain),
            Some("") => Self::Orders(chain, BTreeSet::new()),
            Some(ids) => Self::Orders(chain, ids.split(',').map(str::to_string).collect()),
        })
    }
}

/// Sends `scope` on [`CHANNEL`]; inside a transaction, it is delivered when (and only if)
/// the transaction commits.
pub async fn notify(conn: &mut PgConnection, scope: &Scope) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(scope.payload())
        .execute(conn)
        .await
        .map(drop)
}

/// A process's view of what changed: stamps from one counter that only grows.
#[derive(Debug, Default)]
pub struct Changes {
    /// Bumped by every change.
    global: AtomicU64,
    /// The stamp of the last change that may have touched every order of a chain (by
    /// chain id; `u64::MAX` keys a change of every chain).
    chains: Mutex<HashMap<u64, u64>>,
    /// The stamp of each order's last change, by (chain id, order id).
    orders: Mutex<HashMap<(u64, String), u64>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Changes {
    /// Notes a change.
    pub fn note(&self, scope: &Scope) {
        let stamp = self.global.fetch_add(1, Ordering::SeqCst) + 1;
        match scope {
            Scope::All => {
                lock(&self.chains).insert(u64::MAX, stamp);
            }
            Scope::Chain(chain) => {
                lock(&self.chains).insert(*chain, stamp);
            }
            Scope::Orders(chain, ids) => {
                let mut orders = lock(&self.orders);
                if orders.len() + ids.len() > MAX_TRACKED {
                    orders.clear();
                    drop(orders);
                    lock(&self.chains).insert(u64::MAX, stamp);
                    return;
                }
                for id in ids {
                    orders.insert((*chain, id.clone()), stamp);
                }
            }
        }
    }

    /// Changes with every change.
    pub fn global(&self) -> u64 {
        self.global.load(Ordering::SeqCst)
    }

    /// Changes with every change that may have touched order `order_id` of `chain_id`.
    pub fn order_version(&self, chain_id: u64, order_id: &str) -> u64 {
        let wide = {
            let chains = lock(&self.chains);
            let all = chains.get(&u64::MAX).copied().unwrap_or(0);
            all.max(chains.get(&chain_id).copied().unwrap_or(0))
        };
        let own = lock(&self.orders).get(&(chain_id, order_id.to_string())).copied().unwrap_or(0);
        wide.max(own)
    }
}

/// Notes every writer's notifications into `changes` until `stop` turns true. Whenever
/// the listening connection was (re)established, notifications may have been missed:
/// everything counts as changed.
pub async fn listen(pool: PgPool, changes: Arc<Changes>, mut stop: watch::Receiver<bool>) {
    let stopped = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    tokio::pin!(stopped);
    loop {
        let connected = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            _ = &mut stopped => return,
            l = connected => match l {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for the mirror's changes; retrying");
                    changes.note(&Scope::All);
                    tokio::select! {
                        _ = &mut stopped => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
            },
        };
        changes.note(&Scope::All);
        loop {
            tokio::select! {
                _ = &mut stopped => return,
                n = listener.try_recv() => match n {
                    Ok(Some(n)) => changes.note(&Scope::parse(n.payload()).unwrap_or(Scope::All)),
                    // The connection dropped; the next call reconnects and listens again.
                    Ok(None) => changes.note(&Scope::All),
                    Err(e) => {
                        tracing::warn!(error = %e, "listening for the mirror's changes failed");
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(contract: &str, args: serde_json::Value) -> EventRow {
        EventRow {
            block_number: 1,
            log_index: 0,
            block_hash: Default::default(),
            block_time: 0,
            tx_hash: Default::default(),
            contract: contract.into(),
            address: String::new(),
            event: "X".into(),
            args,
        }
    }

    #[test]
    fn an_order_changes_only_with_what_touches_it() {
        let c = Changes::default();
        let (a, b) = (c.order_version(1, "5"), c.order_version(1, "6"));
        let before = c.global();
        c.note(&Scope::Orders(1, ["5".to_string()].into()));
        assert_ne!(c.global(), before, "lists change with every commit");
        assert_ne!(c.order_version(1, "5"), a, "the touched order changed");
        assert_eq!(c.order_version(1, "6"), b, "another order did not");
        assert_eq!(c.order_version(2, "5"), 0, "nor the same id on another chain");
        let (five, six) = (c.order_version(1, "5"), c.order_version(1, "6"));
        c.note(&Scope::Chain(1));
        assert!(c.order_version(1, "5") > five && c.order_version(1, "6") > six);
        assert_eq!(c.order_version(2, "5"), 0);
        c.note(&Scope::All);
        assert!(c.order_version(2, "5") > 0);
    }

    #[test]
    fn events_name_their_orders_and_the_payload_reads_back() {
        let events = [
            event("escrow", serde_json::json!({"orderId": "7"})),
            event("escrow", serde_json::json!({"orderId": "12"})),
            event("governor", serde_json::json!({"proposalId": "1"})),
        ];
        let scope = Scope::of_events(31337, &events);
        assert_eq!(scope, Scope::Orders(31337, ["7".to_string(), "12".to_string()].into()));
        assert_eq!(Scope::parse(&scope.payload()), Some(scope));
        let fee = [event("escrow", serde_json::json!({"bps": "100"}))];
        assert_eq!(Scope::of_events(5, &fee), Scope::Chain(5));
        let shop = [
            event("shop", serde_json::json!({"listingId": "1", "unitPrice": "5"})),
            event("shop", serde_json::json!({"listingId": "1", "orderId": "9"})),
        ];
        assert_eq!(Scope::of_events(5, &shop), Scope::Orders(5, ["9".to_string()].into()));
        for s in [Scope::All, Scope::Chain(5), Scope::Orders(5, BTreeSet::new())] {
            assert_eq!(Scope::parse(&s.payload()), Some(s));
        }
        assert_eq!(Scope::parse("x:1"), None);
        let many: BTreeSet<String> = (0..2_000).map(|i| (10_000 + i).to_string()).collect();
        assert_eq!(Scope::Orders(9, many).payload(), "9", "too long: the whole chain");
    }
}
