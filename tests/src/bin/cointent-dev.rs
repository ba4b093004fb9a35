//! `cointent-dev`: runs the whole product locally and supervises it until Ctrl-C (see
//! `cointent_harness::dev`). `script/dev` installs what is missing, builds, then runs this.
//!
//! ```text
//! cointent-dev            start (or resume) the stack
//! cointent-dev --fresh    forget the chains, the database and the demo world first
//! ```

use std::process::ExitCode;

use clap::Parser;
use cointent_harness::dev;

/// Runs two anvil chains with the contracts, `cointent serve` and, on first start, the demo
/// world; Ctrl-C stops everything it started.
#[derive(Parser, Debug)]
#[command(
    name = "cointent-dev",
    version,
    after_help = "Environment: COINTENT_DEV_DIR (data folder, default .dev), \
COINTENT_RPC_PORT_A (8545), COINTENT_RPC_PORT_B (8546), COINTENT_PG_PORT (54329), \
COINTENT_HTTP_PORT (8080), COINTENT_DEMO=0 (no demo world)."
)]
struct Cli {
    /// Forget the chains, the database and the demo world first.
    #[arg(long)]
    fresh: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    cointent_config::install_crypto_provider();
    let cli = Cli::parse();
    match dev::Options::from_env(cli.fresh) {
        Ok(options) => dev::run(options).await,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
