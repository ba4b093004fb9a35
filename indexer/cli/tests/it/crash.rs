//! The real binary, killed with SIGKILL again and again.

use std::{process::Command, time::Duration};

use eyre::Result;

use crate::common::*;

fn config_file(dir: &std::path::Path, db_url: &str, chain: &Chain) -> Result<std::path::PathBuf> {
    let path = dir.join("cointent.toml");
    std::fs::write(
        &path,
        format!(
            "[database]\nurl = \"{db_url}\"\n\n[[chains]]\nname = \"a\"\nchain_id = {}\nrpc_urls = [\"{}\"]\n\
             start_block = {}\nfinality_depth = 16\npoll_interval_ms = 20\nmax_block_range = 7\n\
             contracts = {{ stablecoin = \"{:#x}\" }}\n",
            chain.anvil.chain_id(),
            chain.anvil.endpoint(),
            chain.deploy_block,
            chain.token
        ),
    )?;
    Ok(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_any_instant_it_loses_nothing_and_duplicates_nothing() -> Result<()> {
    let chain = Chain::start(31337).await?;
    // Enough history that backfill (7 blocks per batch) takes many batches.
    random_history(&chain, 120, 6).await?;
    let url = cointent_harness::shared_postgres()?.create_database().await?;
    let dir = tempfile::tempdir()?;
    let config = config_file(dir.path(), &url, &chain)?;
    let bin = env!("CARGO_BIN_EXE_cointent");
    let mut rng = Lcg(7);
    for round in 0..16 {
        let mut child = Command::new(bin)
            .args(["--config", config.to_str().unwrap_or_default(), "index"])
            .env("RUST_LOG", "warn")
            .stderr(std::process::Stdio::null())
            .spawn()?;
        // Half the rounds kill during backfill; later ones also during the live tail, with
        // new blocks arriving.
        if round >= 8 {
            chain
                .transfer(1 + rng.next(5) as usize, 1 + rng.next(5) as usize, 1 + rng.next(9))
                .await?;
        }
        tokio::time::sleep(Duration::from_millis(150 + rng.next(400))).await;
        child.kill()?; // SIGKILL
        child.wait()?;
    }
    let status = Command::new(bin)
        .args(["--config", config.to_str().unwrap_or_default(), "index", "--until-caught-up"])
        .env("RUST_LOG", "warn")
        .status()?;
    assert!(status.success());
    let pool = cointent_storage::db::connect(&url, 4).await?;
    let fresh = fresh_index(&chain, chain.config("a")).await?;
    let (got, want) = (snapshot(&pool, 31337).await?, snapshot(&fresh, 31337).await?);
    assert_eq!(got["events"].len(), 125 + 8, "every event once");
    assert_eq!(got, want);
    Ok(())
}
