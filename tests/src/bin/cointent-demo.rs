//! `cointent-demo`: fills one chain of the local stack with the demo world (artisans,
//! orders in every state, freelance jobs, promoters, delegations, proposals, treasury
//! flows) through the real contracts, and uploads the orders' metadata through the API.
//!
//! ```text
//! cointent-demo --rpc http://127.0.0.1:8545 --deployment deployments/31337.json \
//!     --api http://127.0.0.1:8080 [--variant a|b]
//! cointent-demo --accounts        # the dev accounts and their roles
//! ```

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, ValueEnum};
use cointent_harness::demo::{self, Options, Variant};

/// Seeds a Co-Intent chain with the demo world.
#[derive(Parser, Debug)]
#[command(name = "cointent-demo", version)]
struct Cli {
    /// JSON-RPC URL of the chain (an anvil: the seeder moves its clock).
    #[arg(long, required_unless_present = "accounts")]
    rpc: Option<String>,
    /// The deployment file written by script/Deploy.s.sol.
    #[arg(long, required_unless_present = "accounts")]
    deployment: Option<PathBuf>,
    /// Base URL of cointent serve (its public URL), for the metadata uploads.
    #[arg(long)]
    api: Option<String>,
    /// Which world: the second chain gets a slightly different one.
    #[arg(long, value_enum, default_value = "a")]
    variant: Which,
    /// Only upload the metadata documents (for a chain seeded before).
    #[arg(long)]
    metadata_only: bool,
    /// Print the dev accounts with their demo roles and exit.
    #[arg(long)]
    accounts: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Which {
    A,
    B,
}

#[tokio::main]
async fn main() -> ExitCode {
    cointent_config::install_crypto_provider();
    let cli = Cli::parse();
    if cli.accounts {
        print!("{}", demo::dev_accounts_text());
        return ExitCode::SUCCESS;
    }
    let options = Options {
        rpc: cli.rpc.unwrap_or_default(),
        deployment: cli.deployment.unwrap_or_default(),
        api: cli.api,
        variant: match cli.variant {
            Which::A => Variant::A,
            Which::B => Variant::B,
        },
        metadata_only: cli.metadata_only,
    };
    match demo::seed(&options).await {
        Ok(_) if options.metadata_only => ExitCode::SUCCESS,
        Ok(report) => {
            println!(
                "[demo {}] done: {} orders, {} proposals",
                report.chain_id, report.orders, report.proposals
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cointent-demo: {e:#}");
            ExitCode::FAILURE
        }
    }
}
