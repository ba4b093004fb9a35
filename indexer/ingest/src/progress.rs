//! Backfill progress for people: a line on a terminal, periodic log lines otherwise.

use std::{
    io::IsTerminal,
    time::{Duration, Instant},
};

/// Backfill progress: a line on a terminal, periodic log lines otherwise.
pub(crate) struct Progress {
    chain_id: u64,
    tty: bool,
    started: Instant,
    last: Instant,
    first_block: Option<u64>,
    events: u64,
}

impl Progress {
    pub(crate) fn new(chain_id: u64) -> Self {
        Self {
            chain_id,
            tty: std::io::stderr().is_terminal(),
            started: Instant::now(),
            last: Instant::now(),
            first_block: None,
            events: 0,
        }
    }

    pub(crate) fn report(&mut self, at: u64, head: u64, events: usize) {
        // After a rollback the chain is re-read from below where this count started.
        if self.first_block.is_some_and(|first| at < first) {
            self.first_block = None;
            self.events = 0;
            self.started = Instant::now();
        }
        let first = *self.first_block.get_or_insert(at);
        self.events += events as u64;
        let caught_up = at >= head;
        let every = if self.tty { Duration::from_millis(200) } else { Duration::from_secs(5) };
        if self.last.elapsed() < every && !caught_up {
            return;
        }
        if caught_up && at - first < 100 {
            return; // a live-tail step, not a backfill
        }
        self.last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let blocks_per_s = (at - first) as f64 / secs;
        let events_per_s = self.events as f64 / secs;
        let eta =
            if blocks_per_s > 0.0 { head.saturating_sub(at) as f64 / blocks_per_s } else { 0.0 };
        let pct = 100.0 * (at - first) as f64 / head.saturating_sub(first).max(1) as f64;
        if self.tty {
            eprint!(
                "\rchain {} backfill {at}/{head} {pct:5.1}% {blocks_per_s:8.0} blocks/s {events_per_s:8.0} events/s eta {eta:5.0}s{}",
                self.chain_id,
                if caught_up { "\n" } else { "" }
            );
        } else {
            tracing::info!(
                chain = self.chain_id,
                block = at,
                head,
                blocks_per_s = blocks_per_s as u64,
                events_per_s = events_per_s as u64,
                eta_s = eta as u64,
                "backfill"
            );
        }
        if caught_up {
            self.first_block = None;
            self.events = 0;
            self.started = Instant::now();
        }
    }
}
