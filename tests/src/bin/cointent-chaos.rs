//! `cointent-chaos`: the indexer under chaos for a while, then the verdict (see
//! `cointent_harness::chaos`). Prints its counts; exits non-zero when the mirror is wrong.
//!
//! ```text
//! cargo build -p cointent --bin cointent -p cointent-harness --bin cointent-chaos
//! target/debug/cointent-chaos --minutes 10 [--seed 7] [--finality 8] [--logs DIR]
//! ```

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::Parser;
use cointent_harness::chaos::{self, Options};

/// Runs the indexer under chaos, then checks the mirror.
#[derive(Parser, Debug)]
#[command(name = "cointent-chaos", version)]
struct Cli {
    /// How long the chaos lasts, in minutes (setup and checks come on top).
    #[arg(long, conflicts_with = "seconds")]
    minutes: Option<f64>,
    /// How long the chaos lasts, in seconds.
    #[arg(long)]
    seconds: Option<u64>,
    /// Seeds the random choices (default: from the clock; printed).
    #[arg(long, env = "CHAOS_SEED")]
    seed: Option<u64>,
    /// The finality window in blocks (even): reorgs go from 1 block up to it.
    #[arg(long, default_value_t = 8)]
    finality: u64,
    /// The `cointent` binary (default: next to this one).
    #[arg(long)]
    cointent: Option<PathBuf>,
    /// Keep the indexers' logs in this folder.
    #[arg(long)]
    logs: Option<PathBuf>,
}

fn main() -> ExitCode {
    cointent_config::install_crypto_provider();
    let cli = Cli::parse();
    let seconds = cli.seconds.unwrap_or_else(|| (cli.minutes.unwrap_or(2.0) * 60.0) as u64);
    let seed = cli.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs())
    });
    let cointent = cli.cointent.unwrap_or_else(|| {
        std::env::current_exe().map(|p| p.with_file_name("cointent")).unwrap_or_default()
    });
    let options = Options {
        duration: Duration::from_secs(seconds),
        seed,
        finality: cli.finality,
        cointent,
        logs: cli.logs,
    };
    println!("[chaos] seed {seed} (CHAOS_SEED={seed} replays the same choices)");
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    match rt.block_on(chaos::run(options)) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("[chaos] FAILED: {e:?}");
            ExitCode::FAILURE
        }
    }
}
