//! The test process's Postgres: one embedded server ([`cointent_storage::embedded`]) per
//! test process, and a fresh database per test.

use std::sync::OnceLock;

use cointent_storage::embedded::Postgres;

use crate::Result;

/// One server per test process, started on first use; each test then takes its own
/// database with [`Postgres::create_database`]. It stops when the process exits.
pub fn shared_postgres() -> Result<&'static Postgres> {
    cointent_config::install_crypto_provider();
    static SHARED: OnceLock<Postgres> = OnceLock::new();
    static START: std::sync::Mutex<()> = std::sync::Mutex::new(());
    if let Some(pg) = SHARED.get() {
        return Ok(pg);
    }
    let _guard = START.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(pg) = SHARED.get() {
        return Ok(pg);
    }
    let pg = Postgres::start_temp()?;
    Ok(SHARED.get_or_init(|| pg))
}
