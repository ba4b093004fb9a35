//! Prometheus metrics, rendered by hand: a few atomics per chain need no metrics crate.

use std::{
    fmt::Write,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use crate::changes::{Changes, Scope};

/// A monotonically increasing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }
    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    /// The count.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down.
#[derive(Debug, Default)]
pub struct Gauge(AtomicU64);

impl Gauge {
    /// Sets it.
    pub fn set(&self, v: u64) {
        self.0.store(v, Ordering::Relaxed);
    }
    /// Reads it.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

const BUCKETS: [f64; 12] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Durations in seconds, bucketed.
#[derive(Debug, Default)]
pub struct Histogram {
    counts: [Counter; BUCKETS.len()],
    count: Counter,
    sum_micros: Counter,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, seconds: f64) {
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                self.counts[i].inc();
            }
        }
        self.count.inc();
        self.sum_micros.add((seconds * 1e6) as u64);
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.count.get()
    }

    /// Appends its series to `out`: `<name>_bucket`, `_sum` and `_count` with `labels`
    /// (`key="value",…`, without braces).
    pub fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in BUCKETS.iter().enumerate() {
            let n = self.counts[i].get();
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {n}");
        }
        let n = self.count.get();
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {n}");
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum_micros.get() as f64 / 1e6);
        let _ = writeln!(out, "{name}_count{{{labels}}} {n}");
    }
}

/// One chain's figures.
#[derive(Debug, Default)]
pub struct ChainMetrics {
    /// The latest head seen.
    pub head: Gauge,
    /// The last committed block.
    pub indexed: Gauge,
    /// Events committed.
    pub events: Counter,
    /// Reorgs handled.
    pub reorgs: Counter,
    /// RPC calls that failed.
    pub rpc_errors: Counter,
    /// Database transactions that failed.
    pub db_errors: Counter,
    /// Time to fetch, decode and commit one batch.
    pub batch_seconds: Histogram,
    /// Whether the chain is caught up (1) or backfilling (0).
    pub live: Gauge,
    /// Commits and rollbacks of this process.
    pub changes: Counter,
    /// The process's view of what changed, shared with its response cache.
    feed: Arc<Changes>,
    /// Whether this process writes the chain (1) or stands by (0).
    pub leader: Gauge,
    /// RPC answers the chain contradicted (logs left out or not in the block's bloom).
    pub rpc_inconsistencies: Counter,
    /// Why ingestion of the chain stopped, with the way out; `None` while it runs.
    halted: Mutex<Option<String>>,
}

impl ChainMetrics {
    /// Notes a commit or rollback that touched `scope`.
    pub fn changed(&self, scope: &Scope) {
        self.changes.inc();
        self.feed.note(scope);
    }

    /// Why ingestion stopped, if it did.
    pub fn halted(&self) -> Option<String> {
        self.halted.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Records that ingestion stopped (`Some(reason)`) or runs (`None`).
    pub fn set_halted(&self, reason: Option<String>) {
        *self.halted.lock().unwrap_or_else(|e| e.into_inner()) = reason;
    }
}

/// All chains' figures.
#[derive(Debug, Default)]
pub struct Metrics {
    chains: Mutex<Vec<(u64, Arc<ChainMetrics>)>>,
    /// What changed in the mirror: noted by this process's ingesters and by the listener
    /// of every writer's notifications.
    pub changes: Arc<Changes>,
}

impl Metrics {
    /// The figures of `chain_id`, created on first use.
    pub fn chain(&self, chain_id: u64) -> Arc<ChainMetrics> {
        let mut chains = self.chains.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, m)) = chains.iter().find(|(id, _)| *id == chain_id) {
            return m.clone();
        }
        let m = Arc::new(ChainMetrics { feed: self.changes.clone(), ..Default::default() });
        chains.push((chain_id, m.clone()));
        m
    }

    /// Every chain's figures.
    pub fn chains(&self) -> Vec<(u64, Arc<ChainMetrics>)> {
        self.chains.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let chains = self.chains();
        let mut out = String::new();
        let mut family =
            |name: &str, kind: &str, help: &str, value: &dyn Fn(&ChainMetrics) -> u64| {
                let _ =
                    writeln!(out, "# HELP cointent_{name} {help}\n# TYPE cointent_{name} {kind}");
                for (id, m) in &chains {
                    let _ = writeln!(out, "cointent_{name}{{chain_id=\"{id}\"}} {}", value(m));
                }
            };
        family("chain_head_block", "gauge", "Latest block seen from the RPC.", &|m| m.head.get());
        family("indexed_block", "gauge", "Last block committed to the mirror.", &|m| {
            m.indexed.get()
        });
        family("blocks_behind", "gauge", "Head minus indexed block.", &|m| {
            m.head.get().saturating_sub(m.indexed.get())
        });
        family("events_total", "counter", "Events committed.", &|m| m.events.get());
        family("reorgs_total", "counter", "Chain reorganisations rolled back.", &|m| {
            m.reorgs.get()
        });
        family("rpc_errors_total", "counter", "Failed RPC calls.", &|m| m.rpc_errors.get());
        family("db_errors_total", "counter", "Failed database transactions.", &|m| {
            m.db_errors.get()
        });
        family("live", "gauge", "1 when caught up with the head.", &|m| m.live.get());
        family(
            "chain_halted",
            "gauge",
            "1 when ingestion stopped (a reorg deeper than can be undone; see /ready).",
            &|m| u64::from(m.halted().is_some()),
        );
        family("leader", "gauge", "1 when this process writes the chain, 0 on standby.", &|m| {
            m.leader.get()
        });
        family(
            "rpc_inconsistencies_total",
            "counter",
            "RPC answers contradicted by the chain (logs left out or forged).",
            &|m| m.rpc_inconsistencies.get(),
        );
        let _ = writeln!(
            out,
            "# HELP cointent_batch_seconds Time to fetch, decode and commit a batch.\n# TYPE cointent_batch_seconds histogram"
        );
        for (id, m) in &chains {
            m.batch_seconds.render(
                &mut out,
                "cointent_batch_seconds",
                &format!("chain_id=\"{id}\""),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_each_chain() {
        let m = Metrics::default();
        let a = m.chain(1);
        a.head.set(10);
        a.indexed.set(7);
        a.events.add(3);
        a.batch_seconds.observe(0.02);
        m.chain(2).reorgs.inc();
        m.chain(2).set_halted(Some("deep reorg".into()));
        let text = m.render();
        assert!(text.contains("cointent_blocks_behind{chain_id=\"1\"} 3"), "{text}");
        assert!(text.contains("cointent_reorgs_total{chain_id=\"2\"} 1"));
        assert!(text.contains("cointent_chain_halted{chain_id=\"2\"} 1"));
        assert!(text.contains("cointent_chain_halted{chain_id=\"1\"} 0"));
        assert!(text.contains("cointent_batch_seconds_bucket{chain_id=\"1\",le=\"0.025\"} 1"));
        assert!(text.contains("cointent_batch_seconds_bucket{chain_id=\"1\",le=\"0.01\"} 0"));
    }
}
