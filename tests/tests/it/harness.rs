use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use cointent_abi::DemoStablecoin;
use cointent_harness::{Anvil, DEV_KEYS, artifact_bytecode, shared_postgres};
use eyre::{ContextCompat, Result};
use sqlx::{Connection, PgConnection, Row};

#[tokio::test]
async fn deploys_a_contract_and_calls_it_on_a_chosen_chain() -> Result<()> {
    let anvil = Anvil::builder().chain_id(31338).spawn()?;
    let signer: PrivateKeySigner = DEV_KEYS[0].parse()?;
    let me = signer.address();
    let provider = ProviderBuilder::new().wallet(signer).connect_http(anvil.endpoint().parse()?);
    assert_eq!(provider.get_chain_id().await?, 31338);

    let deploy =
        TransactionRequest::default().with_deploy_code(artifact_bytecode("DemoStablecoin", None)?);
    let receipt = provider.send_transaction(deploy).await?.get_receipt().await?;
    assert!(receipt.status(), "deployment reverted");
    let token: Address = receipt.contract_address.context("deployment has an address")?;

    let mint = DemoStablecoin::mintCall { to: me, amount: U256::from(1_234_567u64) };
    let tx = TransactionRequest::default().with_to(token).with_input(mint.abi_encode());
    assert!(provider.send_transaction(tx).await?.get_receipt().await?.status());

    let call = DemoStablecoin::balanceOfCall { account: me };
    let out = provider
        .call(TransactionRequest::default().with_to(token).with_input(call.abi_encode()))
        .await?;
    let balance = DemoStablecoin::balanceOfCall::abi_decode_returns(&out)?;
    assert_eq!(balance, U256::from(1_234_567u64));
    let decimals = provider
        .call(
            TransactionRequest::default()
                .with_to(token)
                .with_input(DemoStablecoin::decimalsCall {}.abi_encode()),
        )
        .await?;
    assert_eq!(DemoStablecoin::decimalsCall::abi_decode_returns(&decimals)?, 6);
    Ok(())
}

#[tokio::test]
async fn round_trips_a_row_through_its_own_database() -> Result<()> {
    let pg = shared_postgres()?;
    let url = pg.create_database().await?;
    let other = pg.create_database().await?;
    assert_ne!(url, other, "each test gets its own database");

    let mut conn = PgConnection::connect(&url).await?;
    sqlx::query("CREATE TABLE t (id BIGINT PRIMARY KEY, note TEXT NOT NULL)")
        .execute(&mut conn)
        .await?;
    sqlx::query("INSERT INTO t VALUES ($1, $2)")
        .bind(7_i64)
        .bind("pledged")
        .execute(&mut conn)
        .await?;
    let row = sqlx::query("SELECT id, note FROM t").fetch_one(&mut conn).await?;
    assert_eq!(row.get::<i64, _>("id"), 7);
    assert_eq!(row.get::<String, _>("note"), "pledged");

    // The other database is really separate.
    let mut other = PgConnection::connect(&other).await?;
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(&mut other)
    .await?;
    assert_eq!(tables, 0);
    Ok(())
}

#[test]
fn stops_its_processes_when_dropped() -> Result<()> {
    let anvil = Anvil::builder().spawn()?;
    let pid = anvil.pid() as i32;
    let port = anvil.port();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(anvil);
    let alive = std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    // Drop waits for the child, so not even a zombie is left.
    assert!(!alive, "anvil {pid} still running after drop");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "port {port} still open");
    Ok(())
}

#[test]
fn a_durable_server_keeps_its_data_across_restarts() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("pg");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // A free port can be taken by a concurrent test before the server binds it: try others.
    let (pg, port) = (0..5)
        .find_map(|_| {
            let port = cointent_harness::free_port().ok()?;
            Some((cointent_harness::Postgres::start_in(&data, port).ok()?, port))
        })
        .ok_or_else(|| eyre::eyre!("no free port for the durable server"))?;
    {
        let url = rt.block_on(pg.ensure_database("keep"))?;
        rt.block_on(async {
            let mut c = PgConnection::connect(&url).await?;
            sqlx::query("CREATE TABLE k (v TEXT)").execute(&mut c).await?;
            sqlx::query("INSERT INTO k VALUES ('still here')").execute(&mut c).await?;
            c.close().await
        })?;
        drop(pg);
    }
    let pg = cointent_harness::Postgres::start_in(&data, port)?;
    let v: String = rt.block_on(async {
        let mut c = PgConnection::connect(&pg.url("keep")).await?;
        sqlx::query_scalar("SELECT v FROM k").fetch_one(&mut c).await
    })?;
    assert_eq!(v, "still here");

    // A second server on the same port is refused with a clear message.
    let err = cointent_harness::Postgres::start_in(&dir.path().join("other"), port).unwrap_err();
    assert!(err.to_string().contains("in use"), "{err}");
    Ok(())
}

/// Each dev key signs for the dev account at the same index (a wrong key once hid here).
#[test]
fn dev_keys_belong_to_dev_accounts() -> Result<()> {
    use alloy::signers::local::PrivateKeySigner;
    for (key, account) in cointent_harness::DEV_KEYS.iter().zip(cointent_harness::DEV_ACCOUNTS) {
        let signer: PrivateKeySigner = key.parse()?;
        assert_eq!(signer.address(), account.parse::<alloy::primitives::Address>()?, "{key}");
    }
    Ok(())
}
