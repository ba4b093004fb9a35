use std::path::PathBuf;

/// Why a real part could not be started.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A tool the project installs is not where `npm ci` puts it.
    #[error(
        "{name} not found at {path}: run `npm ci` in the project root (or script/test, which does)"
    )]
    MissingTool {
        /// The tool's name.
        name: &'static str,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A child process exited or never became ready.
    #[error("{what} did not start: {detail}")]
    Start {
        /// Which part.
        what: &'static str,
        /// What it printed or why it failed.
        detail: String,
    },
    /// A forge artifact is missing or has no bytecode.
    #[error("artifact {path}: {detail}")]
    Artifact {
        /// The artifact file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// An operating-system call failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Postgres answered with an error.
    #[error("postgres: {0}")]
    Sql(#[from] sqlx::Error),
    /// The embedded Postgres could not be started or used.
    #[error(transparent)]
    Postgres(#[from] cointent_storage::embedded::Error),
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
