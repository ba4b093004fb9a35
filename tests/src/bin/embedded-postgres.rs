//! Runs the project's private Postgres in a data folder until interrupted.
//!
//! `embedded-postgres --data .dev/postgres --port 54329 [--db cointent]` prints the database
//! URL once the server accepts connections, and stops the server cleanly on Ctrl-C or
//! SIGTERM. Used by `script/dev`.

use std::path::PathBuf;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut data = PathBuf::from(".dev/postgres");
    let mut port = 54329_u16;
    let mut db = String::from("cointent");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--data" => data = value()?.into(),
            "--port" => port = value()?.parse().map_err(|_| "--port must be a number")?,
            "--db" => db = value()?,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let pg = cointent_harness::Postgres::start_in(&data, port)?;
    let url = rt.block_on(pg.ensure_database(&db))?;
    println!("{url}");
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    })?;
    drop(pg);
    Ok(())
}
