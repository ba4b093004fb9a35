//! Leader election: exactly one writer per chain.
//!
//! A process writes a chain only while it holds the chain's Postgres session advisory lock,
//! on a connection of its own kept for as long as it leads. Other processes wait as
//! standbys, trying the lock every half second, so one of them takes over within about a
//! second of the leader's session ending (a killed process's connections close with it).
//! Taking the lock also takes the chain's next epoch, which every write checks
//! ([`Writer`]): a leader whose session ended without its noticing cannot write any more.
//! Each chain has its own lock, so `cointent index` processes can share the chains of a
//! deployment between them.

use std::time::Duration;

use cointent_config::ChainConfig;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    checkpoint::{self, Writer},
    metrics::ChainMetrics,
};

/// How often a standby tries the lock, and a leader checks its session.
const TRY_EVERY: Duration = Duration::from_millis(500);
const KEEPALIVE_EVERY: Duration = Duration::from_secs(1);
/// A leader whose session does not answer within this long gives the chain up.
const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The lock of one chain, held by this process.
pub(crate) struct Lease {
    /// What writes must present.
    pub(crate) writer: Writer,
    lost: watch::Receiver<bool>,
    keeper: JoinHandle<()>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        // The connection goes with the task: the lock is released with the session.
        self.keeper.abort();
    }
}

/// The key of a chain's advisory lock (an expression over `$1`, the chain id).
const KEY: &str = "hashtextextended('cointent chain ' || $1::TEXT, 0)";

impl Lease {
    /// Waits until this process holds `chain`'s lock, standing by meanwhile (with the
    /// leader's progress in `metrics`); `None` if `shutdown` turns true first.
    pub(crate) async fn acquire(
        pool: &PgPool,
        chain: &ChainConfig,
        metrics: &ChainMetrics,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Option<Self> {
        let chain_id = chain.chain_id;
        let mut said = false;
        loop {
            if *shutdown.borrow() {
                return None;
            }
            let mut conn = match PgConnection::connect_with(&pool.connect_options()).await {
                Ok(conn) => conn,
                Err(e) => {
                    metrics.db_errors.inc();
                    tracing::warn!(chain = chain_id, error = %e, "cannot reach the database to take the chain's lock");
                    if pause(shutdown, Duration::from_secs(1)).await {
                        return None;
                    }
                    continue;
                }
            };
            loop {
                let got: Result<bool, _> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT pg_try_advisory_lock({KEY})"
                )))
                .bind(chain_id as i64)
                .fetch_one(&mut conn)
                .await;
                match got {
                    Ok(true) => break,
                    Ok(false) => {
                        if !said {
                            tracing::info!(
                                chain = chain_id,
                                "standby: another process writes this chain; taking over when it stops"
                            );
                            said = true;
                        }
                        metrics.leader.set(0);
                        follow(pool, chain_id, metrics).await;
                        if pause(shutdown, TRY_EVERY).await {
                            return None;
                        }
                    }
                    Err(e) => {
                        metrics.db_errors.inc();
                        tracing::warn!(chain = chain_id, error = %e, "lost the database while standing by");
                        break;
                    }
                }
            }
            if conn.ping().await.is_err() {
                continue;
            }
            let start = chain.start_block.unwrap_or(0);
            let epoch = match checkpoint::register(&mut conn, chain_id, &chain.name, start).await {
                Ok(epoch) => epoch,
                Err(e) => {
                    metrics.db_errors.inc();
                    tracing::warn!(chain = chain_id, error = %format!("{e:#}"), "could not register the chain");
                    continue;
                }
            };
            let (tx, lost) = watch::channel(false);
            let keeper = tokio::spawn(keep(conn, tx, chain_id));
            tracing::info!(chain = chain_id, epoch, "this process now writes the chain");
            metrics.leader.set(1);
            return Some(Self { writer: Writer { chain_id, epoch }, lost, keeper });
        }
    }

    /// Resolves once the lock's session has ended (the database restarted, the connection
    /// broke): the chain is no longer this process's to write.
    pub(crate) async fn lost(&mut self) {
        let _ = self.lost.wait_for(|l| *l).await;
    }
}

/// Keeps the lock's session alive and says when it ends.
async fn keep(mut conn: PgConnection, lost: watch::Sender<bool>, chain_id: u64) {
    loop {
        tokio::time::sleep(KEEPALIVE_EVERY).await;
        match tokio::time::timeout(KEEPALIVE_TIMEOUT, conn.ping()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(chain = chain_id, error = %e, "the session holding the chain's lock ended");
                break;
            }
            Err(_) => {
                tracing::warn!(
                    chain = chain_id,
                    "the session holding the chain's lock stopped answering"
                );
                break;
            }
        }
    }
    let _ = lost.send(true);
}

/// A standby's view of the leader's progress, for `/ready` and `/metrics`.
async fn follow(pool: &PgPool, chain_id: u64, metrics: &ChainMetrics) {
    if let Ok(Some(row)) = checkpoint::chain_row(pool, chain_id).await {
        let indexed = row.checkpoint_block.max(0) as u64;
        let head = row.head_block.max(0) as u64;
        metrics.indexed.set(indexed);
        metrics.head.set(head);
        metrics.live.set(u64::from(head > 0 && indexed >= head));
        metrics.set_halted(row.halted);
    }
}

/// Sleeps `d` unless `shutdown` turns true first (then true).
pub(crate) async fn pause(shutdown: &mut watch::Receiver<bool>, d: Duration) -> bool {
    let stopped = tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = shutdown.wait_for(|s| *s) => true,
    };
    stopped || *shutdown.borrow()
}
