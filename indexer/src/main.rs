//! `cointent`: the indexer and HTTP server's command line.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use clap::{Parser, Subcommand};
use cointent_indexer::{
    api::{keys, webhooks},
    config::Config,
    db::{self, Database},
    http, ingest,
    metrics::Metrics,
    status,
};
use eyre::{Context, Result, bail};
use tokio::{sync::watch, task::JoinSet};

#[derive(Debug, Parser)]
#[command(name = "cointent", version, about = "Co-Intent indexer and API")]
struct Cli {
    /// The configuration file.
    #[arg(long, short, env = "COINTENT_CONFIG", default_value = "cointent.toml", global = true)]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Index every chain and serve HTTP.
    Serve,
    /// Index every chain, without HTTP.
    Index {
        /// Exit once every chain has caught up with its head.
        #[arg(long)]
        until_caught_up: bool,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Forget one chain's mirror and index it again from its start block.
    Reindex {
        /// The chain id.
        #[arg(long)]
        chain: u64,
    },
    /// Show per-chain head, indexed block, lag and events.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Manage partner API keys (header X-Api-Key).
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key and print it (`ck_<id>_<secret>`); it is shown only this once.
    Create {
        /// A name for the partner or integration.
        #[arg(long)]
        name: String,
        /// Comma-separated scopes: read, webhooks.
        #[arg(long, default_value = "read")]
        scopes: String,
        /// Requests per minute allowed.
        #[arg(long, default_value_t = 600)]
        rate_limit: u32,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by id; requests with it are refused from then on.
    Revoke {
        /// The key's id (the number in `ck_<id>_...`).
        id: i64,
    },
}

fn main() {
    init_tracing();
    let cli = Cli::parse();
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    if let Err(e) = rt.block_on(run(cli)) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

async fn run(cli: Cli) -> Result<()> {
    let config = Config::load(&cli.config)?;
    let database = Database::open(&config.database).await?;
    let pool = database.pool.clone();
    db::migrate(&pool).await?;
    match cli.command {
        Command::Migrate => {
            println!("migrations applied to {}", db::redact(&database.url));
            Ok(())
        }
        Command::Status { json } => print_status(&pool, json).await,
        Command::Keys { action } => manage_keys(&pool, action).await,
        Command::Reindex { chain } => {
            let Some(c) = config.chains.iter().find(|c| c.chain_id == chain) else {
                bail!("chain {chain} is not in {}", cli.config.display());
            };
            status::reset_chain(&pool, chain).await?;
            tracing::info!(chain, "mirror cleared; re-indexing");
            let only = Config { chains: vec![c.clone()], ..config };
            index(pool, &only, Arc::new(Metrics::default()), true, None).await
        }
        Command::Index { until_caught_up } => {
            index(pool, &config, Arc::new(Metrics::default()), until_caught_up, None).await
        }
        Command::Serve => {
            let metrics = Arc::new(Metrics::default());
            let state =
                http::AppState::new(pool.clone(), metrics.clone(), Arc::new(config.clone()));
            let app = http::router(state);
            let listener = tokio::net::TcpListener::bind(config.http.bind)
                .await
                .wrap_err_with(|| format!("cannot listen on {} (http.bind)", config.http.bind))?;
            tracing::info!(addr = %config.http.bind, "serving HTTP");
            index(pool, &config, metrics, false, Some((listener, app))).await
        }
    }
}

async fn index(
    pool: sqlx::PgPool,
    config: &Config,
    metrics: Arc<Metrics>,
    until_caught_up: bool,
    http: Option<(tokio::net::TcpListener, axum::Router)>,
) -> Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    for chain in &config.chains {
        let m = metrics.chain(chain.chain_id);
        tasks.spawn(ingest::run_chain(pool.clone(), chain.clone(), m, stop_rx.clone()));
    }
    if let Some((listener, app)) = http {
        let worker = webhooks::run_worker(pool.clone(), Arc::new(config.clone()), stop_rx.clone());
        tasks.spawn(worker);
        let (mut stop, mut deadline) = (stop_rx.clone(), stop_rx.clone());
        tasks.spawn(async move {
            // Client addresses feed the anonymous per-IP rate limit (api::keys).
            let serve =
                axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                    .with_graceful_shutdown(async move {
                        let _ = stop.wait_for(|s| *s).await;
                    });
            // Graceful shutdown waits for open responses; event streams never end, so they
            // get a few seconds and are then dropped.
            tokio::select! {
                served = serve => served.wrap_err("HTTP server"),
                _ = async {
                    let _ = deadline.wait_for(|s| *s).await;
                    tokio::time::sleep(Duration::from_secs(3)).await;
                } => {
                    tracing::info!("closed the connections still open at shutdown");
                    Ok(())
                }
            }
        });
    }
    let caught_up = async {
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let chains = metrics.chains();
            if chains.len() == config.chains.len() && chains.iter().all(|(_, m)| m.live.get() == 1)
            {
                return;
            }
        }
    };
    let result = tokio::select! {
        _ = shutdown_signal() => { tracing::info!("stopping"); Ok(()) }
        _ = caught_up, if until_caught_up => Ok(()),
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
    result
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

async fn manage_keys(pool: &sqlx::PgPool, action: KeysCommand) -> Result<()> {
    match action {
        KeysCommand::Create { name, scopes, rate_limit } => {
            let scopes = keys::parse_scopes(&scopes)?;
            let (info, key) = keys::create_key(pool, &name, &scopes, rate_limit).await?;
            println!("{key}");
            eprintln!(
                "created key {} ({}; scopes {}; {} requests/min). The key is shown only once: \
                 store it now.",
                info.id,
                info.name,
                info.scopes.join(","),
                info.rate_limit_per_min
            );
        }
        KeysCommand::List => {
            println!(
                "{:>6}  {:<24} {:<16} {:>8} {:>10}  {:<20} {:<20} {:<20}",
                "id", "name", "scopes", "per_min", "usage", "created", "last_used", "revoked"
            );
            for k in keys::list_keys(pool).await? {
                println!(
                    "{:>6}  {:<24} {:<16} {:>8} {:>10}  {:<20} {:<20} {:<20}",
                    k.id,
                    k.name,
                    k.scopes.join(","),
                    k.rate_limit_per_min,
                    k.usage_count,
                    k.created_at,
                    k.last_used_at.as_deref().unwrap_or("-"),
                    k.revoked_at.as_deref().unwrap_or("-"),
                );
            }
        }
        KeysCommand::Revoke { id } => {
            if !keys::revoke_key(pool, id).await? {
                bail!("no active key with id {id}");
            }
            println!("key {id} revoked");
        }
    }
    Ok(())
}

async fn print_status(pool: &sqlx::PgPool, json: bool) -> Result<()> {
    let chains = status::chains(pool).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&chains)?);
        return Ok(());
    }
    println!(
        "{:>10}  {:<12} {:>10} {:>10} {:>8} {:>10} {:>7}",
        "chain", "name", "head", "indexed", "lag", "events", "reorgs"
    );
    for c in &chains {
        println!(
            "{:>10}  {:<12} {:>10} {:>10} {:>8} {:>10} {:>7}",
            c.chain_id,
            c.name,
            c.head_block,
            c.indexed_block,
            c.lag(),
            c.events,
            c.reorgs
        );
    }
    Ok(())
}
