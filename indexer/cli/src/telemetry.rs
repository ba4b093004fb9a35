//! Logs and traces: `tracing` to standard error, filtered by `RUST_LOG` (default: info,
//! with sqlx's per-statement lines off).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; call once, first thing.
pub(crate) fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
