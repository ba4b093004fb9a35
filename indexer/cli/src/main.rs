//! `cointent`: the indexer and HTTP server's command line.
//!
//! - `serve`, `index`, `reindex`: [`startup::Application`] builds the process from the
//!   configuration (database, HTTP listener) and runs chain ingestion, the HTTP server and
//!   the webhook worker until a signal stops it.
//! - `migrate`, `status`, `keys`: one-shot commands over the mirror.
//! - [`telemetry`]: logs and traces.

mod startup;
mod telemetry;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use cointent_api::keys;
use cointent_config::Config;
use cointent_storage::{Database, db, status};
use eyre::{Result, bail};

use crate::startup::{Application, Mode};

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
    Serve {
        /// Serve HTTP only, indexing nothing: a stateless API replica next to `cointent
        /// index` workers on the same database (any number of each).
        #[arg(long)]
        api_only: bool,
    },
    /// Index every chain, without HTTP.
    Index {
        /// Exit once every chain has caught up with its head.
        #[arg(long)]
        until_caught_up: bool,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Forget one chain's mirror and index it again from its start block (once no other
    /// process indexes the chain: stop it first, or this waits for it).
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
    // glibc gives every thread that allocates under contention an arena of its own, and
    // keeps what each arena freed: with the runtime's workers, the RSS of a backfill grew by
    // a third for nothing. Two arenas serve two cores' workers as fast.
    #[cfg(target_env = "gnu")]
    // SAFETY: before any other thread exists; mallopt only sets an allocator parameter.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
    // The product's own clients bring their TLS configuration; anything else built with
    // reqwest's defaults needs a process-wide provider.
    cointent_config::install_crypto_provider();
    let cli = Cli::parse();
    // The configuration names where traces go: read it before anything logs.
    let config = Config::load(&cli.config);
    let telemetry = match telemetry::init(config.as_ref().ok().map(|c| &c.telemetry)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    };
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let result = match config {
        Ok(config) => rt.block_on(run(cli, config)),
        Err(e) => Err(e.into()),
    };
    drop(rt);
    drop(telemetry);
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli, config: Config) -> Result<()> {
    match cli.command {
        Command::Serve { api_only } => {
            Application::build(config, Mode::Serve { api_only }).await?.run_until_stopped().await
        }
        Command::Index { until_caught_up } => {
            Application::build(config, Mode::Index { until_caught_up })
                .await?
                .run_until_stopped()
                .await
        }
        Command::Reindex { chain } => {
            let Some(c) = config.chains.iter().find(|c| c.chain_id == chain) else {
                bail!("chain {chain} is not in {}", cli.config.display());
            };
            let only = Config { chains: vec![c.clone()], ..config };
            Application::build(only, Mode::Index { until_caught_up: true })
                .await?
                .reindexing()
                .run_until_stopped()
                .await
        }
        Command::Migrate => {
            let database = Database::open(&config.database).await?;
            db::migrate(&database.pool).await?;
            println!("migrations applied to {}", db::redact(&database.url));
            Ok(())
        }
        Command::Status { json } => {
            let database = Database::open(&config.database).await?;
            db::migrate(&database.pool).await?;
            print_status(&database.pool, json).await
        }
        Command::Keys { action } => {
            let database = Database::open(&config.database).await?;
            db::migrate(&database.pool).await?;
            manage_keys(&database.pool, action).await
        }
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
                keys::scopes_text(&info.scopes),
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
                    keys::scopes_text(&k.scopes),
                    k.rate_limit_per_min,
                    k.usage_count,
                    k.created_at.as_str(),
                    k.last_used_at.as_ref().map_or("-", |t| t.as_str()),
                    k.revoked_at.as_ref().map_or("-", |t| t.as_str()),
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
        "{:>10}  {:<12} {:>10} {:>10} {:>10} {:>8} {:>10} {:>7}  state",
        "chain", "name", "head", "indexed", "final", "lag", "events", "reorgs"
    );
    for c in &chains {
        let state = match &c.halted {
            Some(reason) => format!("HALTED: {reason}"),
            None if c.lag() == 0 && c.head_block > 0 => "live".to_string(),
            None => "catching up".to_string(),
        };
        println!(
            "{:>10}  {:<12} {:>10} {:>10} {:>10} {:>8} {:>10} {:>7}  {state}",
            c.chain_id,
            c.name,
            c.head_block,
            c.indexed_block,
            c.final_block,
            c.lag(),
            c.events,
            c.reorgs
        );
    }
    Ok(())
}
