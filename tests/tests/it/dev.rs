//! `cointent-dev`, the supervised local stack: started as a terminal starts a command (in
//! its own process group) on free ports in a temporary folder, without the demo world;
//! then stopped with Ctrl-C, or taken down by a child that dies. Needs `target/debug/cointent`
//! (`cargo build -p cointent`; `cargo test --workspace` builds it).

use std::{
    fs,
    net::TcpListener,
    os::unix::process::CommandExt,
    path::PathBuf,
    process::{Child, Command, ExitStatus},
    time::{Duration, Instant},
};

use cointent_harness::free_port;
use cointent_storage::process::alive;
use eyre::{Result, bail, ensure};
use tempfile::TempDir;

#[tokio::test]
async fn ctrl_c_stops_the_stack_quietly_and_completely() -> Result<()> {
    let mut dev = Dev::start()?;
    dev.wait_ready().await?;

    let chains: serde_json::Value =
        reqwest::get(format!("http://127.0.0.1:{}/v1/chains", dev.ports[3])).await?.json().await?;
    let mut ids: Vec<u64> = chains
        .as_array()
        .or_else(|| chains["items"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|c| c["chain_id"].as_u64())
        .collect();
    ids.sort();
    assert_eq!(ids, [31337, 31338], "{chains}");

    let started = dev.descendants();
    for part in ["anvil", "cointent --config", "postgres"] {
        assert!(started.iter().any(|(_, cmd)| cmd.contains(part)), "no {part} in {started:#?}");
    }

    dev.signal_group(libc::SIGINT);
    let status = dev.wait_exit(Duration::from_secs(30)).await?;
    let out = dev.output();
    assert_eq!(status.code(), Some(0), "{out}");
    let left: Vec<_> = started.iter().filter(|(pid, _)| alive(*pid as i32)).collect();
    assert!(left.is_empty(), "left running after Ctrl-C: {left:#?}");
    assert!(!out.to_lowercase().contains("error"), "{out}");
    assert!(out.contains("stopping cointent, anvil-31338, anvil-31337"), "{out}");
    assert!(!dev.dir.path().join("ready").exists(), "the ready marker outlived the stack");
    for port in dev.ports {
        assert!(TcpListener::bind(("127.0.0.1", port)).is_ok(), "port {port} still in use");
    }
    Ok(())
}

#[tokio::test]
async fn a_child_that_dies_is_named_and_takes_the_stack_down() -> Result<()> {
    let mut dev = Dev::start()?;
    dev.wait_ready().await?;

    let started = dev.descendants();
    let anvil = started
        .iter()
        .find(|(_, cmd)| cmd.contains("anvil") && cmd.contains("--chain-id 31338"))
        .map(|(pid, _)| *pid as libc::pid_t);
    let Some(anvil) = anvil else { bail!("no anvil for chain 31338 in {started:#?}") };
    // SAFETY: kill(2) on a pid just read from /proc.
    unsafe { libc::kill(anvil, libc::SIGKILL) };

    let status = dev.wait_exit(Duration::from_secs(30)).await?;
    let out = dev.output();
    assert_eq!(status.code(), Some(1), "{out}");
    assert!(
        out.contains("error: anvil-31338 exited (signal: 9 (SIGKILL)); last lines of"),
        "{out}"
    );
    assert!(out.contains("stopping cointent, anvil-31337"), "{out}");
    let left: Vec<_> = started.iter().filter(|(pid, _)| alive(*pid as i32)).collect();
    assert!(left.is_empty(), "left running after a crash: {left:#?}");
    Ok(())
}

/// A running `cointent-dev`; killed (and so its children) if a test ends early.
struct Dev {
    child: Child,
    dir: TempDir,
    out: PathBuf,
    /// RPC a, RPC b, Postgres, HTTP.
    ports: [u16; 4],
}

impl Dev {
    fn start() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let ports = [free_port()?, free_port()?, free_port()?, free_port()?];
        let out = dir.path().join("dev.out");
        let log = fs::File::create(&out)?;
        let child = Command::new(env!("CARGO_BIN_EXE_cointent-dev"))
            .env("COINTENT_DEV_DIR", dir.path())
            .env("COINTENT_RPC_PORT_A", ports[0].to_string())
            .env("COINTENT_RPC_PORT_B", ports[1].to_string())
            .env("COINTENT_PG_PORT", ports[2].to_string())
            .env("COINTENT_HTTP_PORT", ports[3].to_string())
            .env("COINTENT_DEMO", "0")
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()?;
        Ok(Self { child, dir, out, ports })
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(180);
        while Instant::now() < deadline {
            if self.dir.path().join("ready").exists() {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("cointent-dev exited ({status}) before it was ready:\n{}", self.output());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        bail!("cointent-dev not ready after 180 s:\n{}", self.output())
    }

    async fn wait_exit(&mut self, limit: Duration) -> Result<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            ensure!(Instant::now() < deadline, "still running after {limit:?}:\n{}", self.output());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What a terminal does on Ctrl-C: the signal to the whole foreground process group.
    fn signal_group(&self, signal: libc::c_int) {
        // SAFETY: kill(2) on the process group this test created.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), signal) };
    }

    fn output(&self) -> String {
        fs::read_to_string(&self.out).unwrap_or_default()
    }

    /// Every process below cointent-dev, with its command line.
    fn descendants(&self) -> Vec<(u32, String)> {
        let procs: Vec<(u32, u32, String)> = fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
                let stat = fs::read_to_string(entry.path().join("stat")).ok()?;
                // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
                let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
                let cmd = fs::read(entry.path().join("cmdline")).ok()?;
                Some((pid, ppid, String::from_utf8_lossy(&cmd).replace('\0', " ")))
            })
            .collect();
        let mut found = Vec::new();
        let mut parents = vec![self.child.id()];
        while let Some(parent) = parents.pop() {
            for (pid, ppid, cmd) in &procs {
                if *ppid == parent {
                    parents.push(*pid);
                    found.push((*pid, cmd.clone()));
                }
            }
        }
        found
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        // Its children get SIGTERM when it dies (PR_SET_PDEATHSIG).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
