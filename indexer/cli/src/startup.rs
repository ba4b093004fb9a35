//! Building the process from its configuration, and running it until it is stopped.
//!
//! [`Application::build`] does everything that can fail at start-up (the database, its
//! migrations, the HTTP listener), so errors surface before any work starts;
//! [`Application::run_until_stopped`] then runs each chain's ingestion, and for `serve`
//! the HTTP server and the webhook worker, until SIGINT/SIGTERM (or, for `index
//! --until-caught-up`, until every chain has caught up), and stops them in order.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use cointent_api::{
    AppState,
    identity::{self, Limits},
    webhooks,
};
use cointent_config::{ChainConfig, Config};
use cointent_ingest::Metrics;
use cointent_storage::{Database, db};
use eyre::{Context, Result};
use sqlx::PgPool;
use tokio::{net::TcpListener, sync::watch, task::JoinSet};

/// What the process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Serve HTTP (the API, the app, health and metrics) and, unless `api_only`, index
    /// every chain. API-only replicas hold no state of their own: they read the mirror the
    /// `index` workers write, and learn of its changes through Postgres notifications.
    Serve {
        /// Index nothing.
        api_only: bool,
    },
    /// Index every chain without HTTP; with `until_caught_up`, exit once every chain has
    /// reached its head.
    Index {
        /// Exit once caught up.
        until_caught_up: bool,
    },
}

/// A built process, ready to run.
pub(crate) struct Application {
    config: Config,
    mode: Mode,
    /// The mirror (and the embedded server when no URL was given: it stops on drop); its
    /// pool serves HTTP and the webhook worker.
    database: Database,
    /// Ingestion's own pool (`database.ingest_max_connections`): API load cannot hold the
    /// connections ingestion commits with.
    ingest: PgPool,
    metrics: Arc<Metrics>,
    /// The public listener and, when `http.metrics_bind` is set, `/metrics`' own.
    http: Option<Vec<(TcpListener, axum::Router)>>,
    /// Forget each chain's mirror first (`cointent reindex`).
    reindex: bool,
    /// The HTTP server's rate limits, shared with the other replicas.
    limits: Option<Arc<Limits>>,
}

impl Application {
    /// Opens (waiting for it if it does not answer yet) and migrates the database and, for
    /// [`Mode::Serve`], binds `http.bind`.
    pub(crate) async fn build(config: Config, mode: Mode) -> Result<Self> {
        let database = Database::open_waiting(&config.database).await?;
        db::migrate(&database.pool).await?;
        let ingest = db::connect(&database.url, config.database.ingest_max_connections)
            .await
            .wrap_err("ingestion's pool (database.ingest_max_connections)")?;
        let metrics = Arc::new(Metrics::default());
        let mut limits = None;
        let http = match mode {
            Mode::Serve { api_only } => {
                let state = AppState::with_indexing(
                    database.pool.clone(),
                    metrics.clone(),
                    Arc::new(config.clone()),
                    !api_only,
                );
                limits = Some(state.limits.clone());
                let listener = TcpListener::bind(config.http.bind).await.wrap_err_with(|| {
                    format!("cannot listen on {} (http.bind)", config.http.bind)
                })?;
                tracing::info!(addr = %config.http.bind, "serving HTTP");
                let mut listeners = vec![(listener, cointent_api::router(state.clone()))];
                if let Some(addr) = config.http.metrics_bind {
                    let listener = TcpListener::bind(addr)
                        .await
                        .wrap_err_with(|| format!("cannot listen on {addr} (http.metrics_bind)"))?;
                    tracing::info!(%addr, "serving /metrics");
                    listeners.push((listener, cointent_api::metrics_router(state)));
                }
                Some(listeners)
            }
            // An index worker serves `/metrics` and `/health` only, and only on
            // `http.metrics_bind` (for its probes and scraping).
            Mode::Index { .. } => match config.http.metrics_bind {
                Some(addr) => {
                    let state = AppState::new(
                        database.pool.clone(),
                        metrics.clone(),
                        Arc::new(config.clone()),
                    );
                    let listener = TcpListener::bind(addr)
                        .await
                        .wrap_err_with(|| format!("cannot listen on {addr} (http.metrics_bind)"))?;
                    tracing::info!(%addr, "serving /metrics and /health");
                    Some(vec![(listener, cointent_api::metrics_router(state))])
                }
                None => None,
            },
        };
        Ok(Self { config, mode, database, ingest, metrics, http, reindex: false, limits })
    }

    /// Forgets each chain's mirror before indexing it again, once this process holds the
    /// chain's lock (a running indexer of the chain is waited for).
    pub(crate) fn reindexing(mut self) -> Self {
        self.reindex = true;
        self
    }

    /// Runs until a signal (or, for `index --until-caught-up`, until every chain has
    /// caught up) or until a task fails; then stops every task, waiting up to 10 s.
    pub(crate) async fn run_until_stopped(self) -> Result<()> {
        let Self { config, mode, database, ingest, metrics, http, reindex, limits } = self;
        let pool = database.pool.clone();
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let indexes = !matches!(mode, Mode::Serve { api_only: true });
        for chain in config.chains.iter().filter(|_| indexes) {
            let m = metrics.chain(chain.chain_id);
            tasks.spawn(cointent_ingest::run_chain_with(
                ingest.clone(),
                chain.clone(),
                m,
                stop_rx.clone(),
                reindex,
            ));
        }
        let api = matches!(mode, Mode::Serve { .. });
        if !api {
            for (listener, app) in http.into_iter().flatten() {
                tasks.spawn(serve(listener, app, stop_rx.clone()));
            }
        } else if let Some(listeners) = http {
            // Every writer's commits, for the response cache (this process's own are noted
            // directly as well).
            let listen = cointent_ingest::changes::listen(
                pool.clone(),
                metrics.changes.clone(),
                stop_rx.clone(),
            );
            tasks.spawn(async move {
                listen.await;
                Ok(())
            });
            if let Some(limits) = limits {
                let share = identity::share_limits(limits, pool.clone(), stop_rx.clone());
                tasks.spawn(async move {
                    share.await;
                    Ok(())
                });
            }
            let worker =
                webhooks::run_worker(pool.clone(), Arc::new(config.clone()), stop_rx.clone());
            tasks.spawn(worker);
            for (listener, app) in listeners {
                tasks.spawn(serve(listener, app, stop_rx.clone()));
            }
        }
        let until_caught_up = matches!(mode, Mode::Index { until_caught_up: true });
        let caught_up = async {
            loop {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let chains = metrics.chains();
                if chains.len() == config.chains.len()
                    && chains.iter().all(|(_, m)| m.live.get() == 1)
                {
                    return;
                }
            }
        };
        let result = tokio::select! {
            _ = shutdown_signal() => { tracing::info!("stopping"); Ok(()) }
            // Caught up: the post-backfill indexes and ANALYZE, which ingestion starts on a task
            // of its own, would die with this process; build them before exiting (idempotent).
            // The order details the writers keep ready (they fill missing ones while they
            // wait) are filled too, so the first reads after a backfill are served from them.
            _ = caught_up, if until_caught_up => async {
                cointent_storage::indexes::build_after_backfill(&pool).await?;
                for chain in &config.chains {
                    fill_details(&pool, chain).await?;
                }
                Ok(())
            }.await,
            Some(done) = tasks.join_next() => match done {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(e),
                Err(e) => Err(e.into()),
            },
        };
        let _ = stop_tx.send(true);
        while let Some(r) =
            tokio::time::timeout(Duration::from_secs(10), tasks.join_next()).await.ok().flatten()
        {
            if let Ok(Err(e)) = r {
                tracing::warn!(error = %e, "task ended with an error");
            }
        }
        drop(database);
        result
    }
}

/// Serves HTTP until `stop` turns true. Graceful shutdown waits for open responses; event
/// streams never end, so they get a few seconds and are then dropped.
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    stop: watch::Receiver<bool>,
) -> Result<()> {
    let (mut graceful, mut deadline) = (stop.clone(), stop);
    // Client addresses feed the anonymous per-IP rate limit (`identity::key_layer`).
    let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            let _ = graceful.wait_for(|s| *s).await;
        });
    tokio::select! {
        served = served => served.wrap_err("HTTP server"),
        _ = async {
            let _ = deadline.wait_for(|s| *s).await;
            tokio::time::sleep(Duration::from_secs(3)).await;
        } => {
            tracing::info!("closed the connections still open at shutdown");
            Ok(())
        }
    }
}

/// SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// Computes every order detail of `chain` the mirror does not keep yet, a thousand at a
/// time (the chain's writer may fill some meanwhile:
/// [`cointent_storage::read::details::refresh`] skips those).
async fn fill_details(pool: &PgPool, chain: &ChainConfig) -> Result<()> {
    use cointent_storage::read::details;
    let chain_id = chain.chain_id as i64;
    let ids = details::missing(pool, chain_id, i64::MAX).await?;
    let mut filled = 0;
    for chunk in ids.chunks(1_000) {
        filled += details::refresh(pool, chain, chunk).await?;
    }
    tracing::info!(chain_id, missing = ids.len(), filled, "order details filled");
    Ok(())
}
