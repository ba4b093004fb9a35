//! The Postgres mirror: connecting (or starting the embedded server) and migrating.

use std::time::Duration;

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
    _embedded: Option<crate::embedded::Postgres>,
}

impl Database {
    /// Connects to `config.url`, or starts the embedded Postgres in `config.data_dir`.
    pub async fn open(config: &DatabaseConfig) -> Result<Self> {
        let (url, embedded) = match &config.url {
            Some(url) => (url.clone(), None),
            None if embedded_running(config).await => {
                // Another cointent process (e.g. `serve`) runs the embedded server: share it.
                (embedded_url(config.port), None)
            }
            None => {
                let dir = std::path::absolute(&config.data_dir)?;
                let port = config.port;
                let shown = dir.display().to_string();
                let pg = tokio::task::spawn_blocking(move || {
                    std::fs::create_dir_all(&dir)?;
                    crate::embedded::Postgres::start_in(&dir, port).map_err(eyre::Report::from)
                })
                .await?
                .wrap_err("starting the embedded Postgres (database.data_dir)")?;
                let url = pg.ensure_database("cointent").await?;
                tracing::info!(data_dir = %shown, %url, "no database URL given: started the embedded Postgres");
                (url, Some(pg))
            }
        };
        let pool = connect(&url, config.max_connections).await?;
        Ok(Self { pool, url, _embedded: embedded })
    }
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
