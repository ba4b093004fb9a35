//! The Postgres mirror: connecting (or starting the embedded server) and migrating.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use eyre::{Context, Result};
use sqlx::{PgPool, postgres::PgPoolOptions};

use cointent_config::DatabaseConfig;

/// The database and, when embedded, the server that holds it (stopped on drop).
#[derive(Debug)]
pub struct Database {
    /// The pool.
    pub pool: PgPool,
    /// The URL connected to.
    pub url: String,
    /// The embedded server this process runs, if any.
    embedded: Arc<Mutex<Option<crate::embedded::Postgres>>>,
    /// Watches a shared embedded server, to run it when the process that did is gone.
    adopter: Option<tokio::task::JoinHandle<()>>,
}

impl Database {
    /// Connects to `config.url`, or starts the embedded Postgres in `config.data_dir` (or
    /// shares it with the `cointent` process already running it: should that process die,
    /// this one starts the server again).
    pub async fn open(config: &DatabaseConfig) -> Result<Self> {
        let (url, embedded, shared) = match &config.url {
            Some(url) => (url.clone(), None, false),
            None if embedded_running(config).await => {
                // Another cointent process (e.g. `serve`) runs the embedded server: share it.
                (embedded_url(config.port), None, true)
            }
            None => {
                let pg = start_embedded(config).await?;
                let url = pg.ensure_database("cointent").await?;
                tracing::info!(data_dir = %config.data_dir.display(), %url, "no database URL given: started the embedded Postgres");
                (url, Some(pg), false)
            }
        };
        let pool = connect(&url, config.max_connections).await?;
        let embedded = Arc::new(Mutex::new(embedded));
        let adopter = shared.then(|| tokio::spawn(adopt(config.clone(), embedded.clone())));
        Ok(Self { pool, url, embedded, adopter })
    }

    /// As [`Database::open`], but a database URL that does not answer is retried with
    /// backoff (saying so each time) until it does: the long-running commands wait for
    /// their database rather than exit.
    pub async fn open_waiting(config: &DatabaseConfig) -> Result<Self> {
        let mut delay = Duration::from_millis(200);
        loop {
            match Self::open(config).await {
                Ok(db) => return Ok(db),
                Err(e) if config.url.is_some() => {
                    tracing::warn!(error = %format!("{e:#}"), retry_in = ?delay, "the database does not answer; waiting for it");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some(a) = self.adopter.take() {
            a.abort();
        }
        drop(self.embedded.lock().unwrap_or_else(|e| e.into_inner()).take());
    }
}

async fn start_embedded(config: &DatabaseConfig) -> Result<crate::embedded::Postgres> {
    let dir = std::path::absolute(&config.data_dir)?;
    let port = config.port;
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)?;
        crate::embedded::Postgres::start_in(&dir, port).map_err(eyre::Report::from)
    })
    .await?
    .wrap_err("starting the embedded Postgres (database.data_dir)")
}

/// Watches the embedded server another process started; once it stops answering and its
/// postmaster is gone (that process died and took the server with it), starts it again in
/// the same folder and on the same port, and runs it from then on.
async fn adopt(config: DatabaseConfig, slot: Arc<Mutex<Option<crate::embedded::Postgres>>>) {
    use sqlx::Connection;
    let url = embedded_url(config.port);
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if sqlx::PgConnection::connect(&url).await.is_ok() || postmaster_alive(&config) {
            continue;
        }
        match start_embedded(&config).await {
            Ok(pg) => {
                tracing::warn!(
                    data_dir = %config.data_dir.display(),
                    "the process running the embedded Postgres is gone: this process runs it now"
                );
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(pg);
                return;
            }
            Err(e) => {
                tracing::debug!(error = %format!("{e:#}"), "could not start the embedded Postgres yet")
            }
        }
    }
}

/// Whether the postmaster named in the data folder's `postmaster.pid` is alive.
fn postmaster_alive(config: &DatabaseConfig) -> bool {
    std::fs::read_to_string(config.data_dir.join("postmaster.pid"))
        .ok()
        .and_then(|s| s.lines().next()?.trim().parse::<i32>().ok())
        .is_some_and(crate::process::alive)
}

fn embedded_url(port: u16) -> String {
    format!("postgres://postgres@127.0.0.1:{port}/cointent")
}

/// Whether the embedded server of this data folder already runs (its pid file is there and
/// its port answers).
async fn embedded_running(config: &DatabaseConfig) -> bool {
    use sqlx::Connection;
    config.data_dir.join("postmaster.pid").exists()
        && sqlx::PgConnection::connect(&embedded_url(config.port)).await.is_ok()
}

/// A pool with an acquire timeout, so a database outage surfaces as errors to retry.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .wrap_err_with(|| format!("connecting to {}", redact(url)))
}

/// Applies the migrations in `indexer/storage/migrations`.
pub async fn migrate(pool: &PgPool) -> Result<()> {
    sqlx::migrate!("./migrations").run(pool).await.wrap_err("running migrations")
}

/// The URL without its password, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
