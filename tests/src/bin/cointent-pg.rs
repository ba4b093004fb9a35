//! `cointent-pg`: runs a command against a throw-away Postgres holding the mirror's schema.
//!
//! ```text
//! cointent-pg -- cargo sqlx prepare --check
//! ```
//!
//! Starts a private server from the npm binaries on a free port (the product's embedded
//! Postgres), creates the `cointent` database with every migration applied, runs the command
//! with `DATABASE_URL` pointing at it, then stops the server and exits with the command's
//! status. `script/test` uses it to check the compile-time query data (`.sqlx/`), and
//! `script/sqlx-prepare` to write it.

use std::process::{Command, ExitCode};

use cointent_harness::Postgres;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).skip_while(|a| a == "--").collect();
    let Some((program, rest)) = args.split_first() else {
        eprintln!("usage: cointent-pg -- COMMAND [ARGS...]");
        return ExitCode::from(2);
    };
    match run(program, rest) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cointent-pg: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(program: &str, args: &[String]) -> eyre::Result<ExitCode> {
    let pg = Postgres::start_temp()?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let url = rt.block_on(async {
        let url = pg.ensure_database("cointent").await?;
        let pool = cointent_storage::db::connect(&url, 2).await?;
        cointent_storage::db::migrate(&pool).await?;
        pool.close().await;
        eyre::Ok(url)
    })?;
    let status = Command::new(program).args(args).env("DATABASE_URL", &url).status()?;
    drop(pg);
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
