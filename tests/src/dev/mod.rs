//! The local stack, supervised: what `cointent-dev` runs once `script/dev` has installed
//! the prerequisites and built everything.
//!
//! Two anvil chains (31337 and 31338) that persist in the data folder, the contracts
//! deployed to both at the same addresses (the CREATE2 forge script), `cointent serve` with
//! a `cointent.toml` written from [`cointent_config::Config`], and, on a chain's first start,
//! the [`demo`](crate::demo) world. Then it watches: a child that exits on its own is named
//! with the tail of its log and takes the stack down with a non-zero exit, rather than
//! leaving half a stack running. Ctrl-C, SIGTERM or SIGHUP stop everything in order
//! (`cointent`, then the chains; SIGTERM, then SIGKILL after a grace period) with one line
//! and exit 0.
//!
//! The children run in their own process groups. A terminal sends Ctrl-C to its whole
//! foreground group: children in ours would get it too and exit in any order, so the
//! supervisor would see its chains die, maybe before it saw the signal, and could not stop
//! the indexer before the chains it reads. In their own groups only the supervisor hears
//! Ctrl-C and it decides the order. They still die with it if it is killed outright
//! (`PR_SET_PDEATHSIG`, [`cointent_storage::process::spawn`]).
//!
//! The data folder (`COINTENT_DEV_DIR`, default `.dev`): `chains/<id>.json` (anvil's
//! state), `deployments/<id>.json`, `postgres/`, `cointent.toml`, `logs/<child>.log`,
//! `seeded-<id>` (the demo world is made once per chain), and `ready` while everything is
//! up (`script/stack-test` waits for it).

mod supervise;

use std::{
    convert::Infallible,
    fs,
    io::Write,
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use cointent_config::{ChainConfig, Config, DatabaseConfig, HttpConfig, WebhookConfig};
use eyre::{WrapErr, bail, eyre};
use tokio::time::sleep;

use crate::{
    DEV_KEYS,
    demo::{self, Variant},
    paths::ForgeLock,
    project_root, tool,
};
use supervise::{Proc, Stack, StopSignals};

/// Where and on which ports to run the stack.
#[derive(Debug, Clone)]
pub struct Options {
    /// The data folder.
    pub data_dir: PathBuf,
    /// JSON-RPC ports of chains 31337 and 31338.
    pub rpc_ports: [u16; 2],
    /// Port of the embedded Postgres.
    pub pg_port: u16,
    /// Port of the API and the app.
    pub http_port: u16,
    /// Seed the demo world on a chain's first start.
    pub demo: bool,
    /// Forget the chains, the database and the demo world first.
    pub fresh: bool,
}

impl Options {
    /// From the environment: `COINTENT_DEV_DIR` (default `.dev` in the project),
    /// `COINTENT_RPC_PORT_A` (8545), `COINTENT_RPC_PORT_B` (8546), `COINTENT_PG_PORT`
    /// (54329), `COINTENT_HTTP_PORT` (8080), `COINTENT_DEMO=0` (no demo world).
    pub fn from_env(fresh: bool) -> eyre::Result<Self> {
        let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
        let port = |name, default| match var(name) {
            Some(v) => v.parse::<u16>().map_err(|_| eyre!("{name}={v} is not a port number")),
            None => Ok(default),
        };
        Ok(Self {
            data_dir: var("COINTENT_DEV_DIR")
                .map_or_else(|| project_root().join(".dev"), PathBuf::from),
            rpc_ports: [port("COINTENT_RPC_PORT_A", 8545)?, port("COINTENT_RPC_PORT_B", 8546)?],
            pg_port: port("COINTENT_PG_PORT", 54329)?,
            http_port: port("COINTENT_HTTP_PORT", 8080)?,
            demo: var("COINTENT_DEMO").is_none_or(|v| v != "0"),
            fresh,
        })
    }
}

/// Runs the stack until a signal stops it (exit 0) or a part of it fails (exit 1); prints
/// progress and the failure on stderr, the summary on stdout.
pub async fn run(options: Options) -> ExitCode {
    let mut signals = match StopSignals::new() {
        Ok(signals) => signals,
        Err(e) => return fail(&e),
    };
    let dev = match Dev::new(options) {
        Ok(dev) => dev,
        Err(e) => return fail(&e),
    };
    let mut stack = Stack::new(dev.logs.clone());
    let failure = tokio::select! {
        result = up(&mut stack, &dev) => result.err(),
        () = signals.recv() => None,
    };
    let _ = fs::remove_file(dev.data.join("ready"));
    if let Some(e) = &failure {
        eprintln!("error: {e:#}");
    }
    stack.stop();
    if failure.is_some() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn fail(e: &eyre::Report) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::FAILURE
}

/// Starts everything, then watches; returns only with the reason the stack must stop.
async fn up(stack: &mut Stack, dev: &Dev) -> eyre::Result<Infallible> {
    dev.prepare()?;
    let cointent = dev.cointent_bin()?;
    for chain in dev.chains() {
        // Anvil writes its state and exits at once.
        stack.start(&format!("anvil-{}", chain.id), dev.anvil(&chain)?, Duration::from_secs(5))?;
    }
    for chain in dev.chains() {
        stack.watched(wait_rpc(&chain)).await?;
    }
    for chain in dev.chains() {
        say(&format!("deploying to chain {}", chain.id));
        stack.watched(dev.deploy(&chain)).await?;
    }

    let mut serve = Command::new(&cointent);
    serve.arg("--config").arg(dev.write_config()?).arg("serve");
    // cointent waits up to 10 s for its tasks (a chain task retrying a dead RPC does not
    // stop sooner) and 3 s for open event streams, then stops its Postgres.
    stack.start("cointent", serve, Duration::from_secs(20))?;
    stack.watched(wait_ready(&dev.public_url(), &dev.logs.join("cointent.log"))).await?;

    if dev.options.demo {
        for chain in dev.chains() {
            let marker = dev.data.join(format!("seeded-{}", chain.id));
            if !marker.exists() {
                let report = stack.watched(dev.seed(&chain)).await?;
                fs::write(&marker, report)?;
            }
        }
    }
    if let Some(crash) = stack.crashed() {
        return Err(crash);
    }
    fs::write(dev.data.join("ready"), format!("{}\n", dev.public_url()))?;
    print!("{}", dev.summary(&cointent));
    Err(stack.watch().await)
}

/// One of the two chains.
#[derive(Debug)]
struct Chain {
    id: u64,
    name: &'static str,
    port: u16,
    variant: Variant,
}

impl Chain {
    fn rpc(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// The options with the folders resolved.
#[derive(Debug)]
struct Dev {
    options: Options,
    /// The project (forge runs there; the built app is in `app/dist`).
    root: PathBuf,
    /// The data folder, absolute.
    data: PathBuf,
    logs: PathBuf,
}

impl Dev {
    fn new(options: Options) -> eyre::Result<Self> {
        let logs = options.data_dir.join("logs");
        fs::create_dir_all(&logs).wrap_err_with(|| format!("cannot create {}", logs.display()))?;
        let data = options.data_dir.canonicalize()?;
        Ok(Self { root: project_root(), logs: data.join("logs"), data, options })
    }

    /// Checks the ports, forgets the old state on `--fresh`, makes the folders.
    fn prepare(&self) -> eyre::Result<()> {
        let o = &self.options;
        for port in [o.rpc_ports[0], o.rpc_ports[1], o.pg_port, o.http_port] {
            if TcpListener::bind(("127.0.0.1", port)).is_err() {
                bail!(
                    "port {port} on 127.0.0.1 is in use: stop what uses it, or choose other \
                     ports with COINTENT_RPC_PORT_A/B, COINTENT_PG_PORT and COINTENT_HTTP_PORT"
                );
            }
        }
        if o.fresh {
            let data = shown(&self.data);
            say(&format!("--fresh: removing chains, database and demo markers in {data}/"));
            for dir in ["chains", "postgres", "deployments"] {
                remove(&self.data.join(dir))?;
            }
            for chain in self.chains() {
                remove(&self.data.join(format!("seeded-{}", chain.id)))?;
            }
        }
        for dir in ["chains", "deployments"] {
            fs::create_dir_all(self.data.join(dir))?;
        }
        Ok(())
    }

    fn chains(&self) -> [Chain; 2] {
        let [a, b] = self.options.rpc_ports;
        [
            Chain { id: 31337, name: "local-a", port: a, variant: Variant::A },
            Chain { id: 31338, name: "local-b", port: b, variant: Variant::B },
        ]
    }

    fn public_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.options.http_port)
    }

    /// `cointent`, built beside this binary.
    fn cointent_bin(&self) -> eyre::Result<PathBuf> {
        let bin = std::env::current_exe()?.with_file_name("cointent");
        if !bin.is_file() {
            bail!("{} not found: build it with `cargo build -p cointent`", bin.display());
        }
        Ok(bin)
    }

    /// Anvil for `chain`, its state in `chains/<id>.json`.
    fn anvil(&self, chain: &Chain) -> eyre::Result<Command> {
        let state = self.data.join(format!("chains/{}.json", chain.id));
        let mut anvil = Command::new(tool("anvil")?);
        anvil.args(["--host", "127.0.0.1", "--port", &chain.port.to_string()]);
        anvil.args(["--chain-id", &chain.id.to_string(), "--state-interval", "10", "--state"]);
        anvil.arg(&state);
        if !state.exists() {
            // A new chain starts 90 days in the past, so that the demo's history (orders,
            // votes, monthly treasury flows) ends today.
            let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
            anvil.args(["--timestamp", &(now - 90 * 86_400).to_string()]);
        }
        Ok(anvil)
    }

    /// Writes `cointent.toml` (at every start: it follows the ports) and returns its path.
    fn write_config(&self) -> eyre::Result<PathBuf> {
        let path = self.data.join("cointent.toml");
        let text = toml::to_string(&self.config()).wrap_err("cannot serialize the config")?;
        fs::write(&path, format!("# Written by cointent-dev at each start.\n{text}"))
            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }

    /// What `cointent serve` runs with.
    fn config(&self) -> Config {
        let chains = self.chains().map(|chain| ChainConfig {
            deployment: Some(self.data.join(format!("deployments/{}.json", chain.id))),
            ..ChainConfig::new(chain.name, chain.id, vec![chain.rpc()])
        });
        Config {
            database: DatabaseConfig {
                data_dir: self.data.join("postgres"),
                port: self.options.pg_port,
                ..DatabaseConfig::default()
            },
            http: HttpConfig {
                bind: SocketAddr::from(([127, 0, 0, 1], self.options.http_port)),
                public_url: self.public_url(),
                app_dir: self.root.join("app/dist"),
                ..HttpConfig::default()
            },
            webhooks: WebhookConfig::default(),
            telemetry: Default::default(),
            walletconnect: Default::default(),
            tls: Default::default(),
            chains: chains.into(),
        }
    }

    /// Runs the deploy script against `chain` and keeps a copy of its deployment file.
    async fn deploy(&self, chain: &Chain) -> eyre::Result<()> {
        let _forge = loop {
            match ForgeLock::try_acquire()? {
                Some(lock) => break lock,
                None => sleep(Duration::from_millis(100)).await,
            }
        };
        let mut forge = Command::new(tool("forge")?);
        forge.current_dir(&self.root);
        // --slow: one transaction at a time (see `deploy_contracts`).
        forge.args([
            "script",
            "script/Deploy.s.sol",
            "--broadcast",
            "--slow",
            "--rpc-url",
            &chain.rpc(),
        ]);
        forge.args(["--private-key", DEV_KEYS[0]]);
        Proc::spawn(&format!("deploy-{}", chain.id), forge, &self.logs, libc::SIGKILL)?
            .finish()
            .await
            .wrap_err_with(|| format!("deployment to chain {} failed", chain.id))?;
        // The script writes deployments/<id>.json in the project (README's cast commands
        // read it there); this stack keeps its own copy.
        let written = self.root.join(format!("deployments/{}.json", chain.id));
        fs::copy(&written, self.data.join(format!("deployments/{}.json", chain.id)))
            .wrap_err_with(|| format!("cannot copy {}", written.display()))?;
        Ok(())
    }

    /// Seeds the demo world on `chain` through the running stack; returns what the
    /// `seeded-<id>` marker records.
    async fn seed(&self, chain: &Chain) -> eyre::Result<String> {
        // script/stack-test checks that a restart does not print this line.
        say(&format!("seeding the demo world on chain {}", chain.id));
        let options = demo::Options {
            rpc: chain.rpc(),
            deployment: self.data.join(format!("deployments/{}.json", chain.id)),
            api: Some(self.public_url()),
            variant: chain.variant,
            metadata_only: false,
        };
        let report = demo::seed(&options).await.wrap_err_with(|| {
            format!("seeding chain {} failed; script/dev --fresh starts over", chain.id)
        })?;
        let done = format!("{} orders, {} proposals", report.orders, report.proposals);
        println!("[demo {}] done: {done}", chain.id);
        Ok(format!("{done}\n"))
    }

    fn summary(&self, cointent: &Path) -> String {
        let url = self.public_url();
        let [a, b] = self.options.rpc_ports;
        let pg = self.options.pg_port;
        let data = shown(&self.data);
        format!(
            "
  Co-Intent local stack
  app           {url}/
  API           {url}/v1  (docs: {url}/docs; /health /ready)
  transparency  {url}/t/31337/1  (a completed collective order)
  chain 31337   http://127.0.0.1:{a}
  chain 31338   http://127.0.0.1:{b}
  postgres      postgres://postgres@127.0.0.1:{pg}/cointent
  data          {data}/  (chains, postgres, deployments; --fresh starts over)
  logs          {logs}/
  status        {cointent} --config {data}/cointent.toml status

  Dev accounts (anvil's test mnemonic; import a key into a wallet, add the chains above):
{accounts}
  Ctrl-C stops everything.
",
            logs = shown(&self.logs),
            cointent = shown(cointent),
            accounts = demo::dev_accounts_text(),
        )
    }
}

/// Waits until the chain's RPC answers with its chain id.
async fn wait_rpc(chain: &Chain) -> eyre::Result<()> {
    let client = reqwest::Client::new();
    let ask = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []});
    let want = format!("0x{:x}", chain.id);
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Ok(answer) = client.post(chain.rpc()).json(&ask).send().await
            && let Ok(json) = answer.json::<serde_json::Value>().await
            && json["result"] == want.as_str()
        {
            return Ok(());
        }
        sleep(Duration::from_millis(100)).await;
    }
    bail!("anvil-{} did not answer on port {} within 15 s", chain.id, chain.port)
}

/// Waits until `cointent serve` answers `/ready` (its migrations ran, its chains answer).
async fn wait_ready(url: &str, log: &Path) -> eyre::Result<()> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let answer = client.get(format!("{url}/ready")).send().await;
        if answer.is_ok_and(|a| a.status().is_success()) {
            return Ok(());
        }
        sleep(Duration::from_millis(100)).await;
    }
    bail!("cointent serve not ready after 60 s (log: {})", shown(log))
}

fn remove(path: &Path) -> eyre::Result<()> {
    let result = if path.is_dir() { fs::remove_dir_all(path) } else { fs::remove_file(path) };
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).wrap_err_with(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// A progress line, as the scripts print them (`say` in script/lib.sh). Never panics: the
/// terminal may be gone (SIGHUP) while the stack stops.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "\x1b[1m==> {line}\x1b[0m");
}

/// `path` relative to the project when it is inside it.
fn shown(path: &Path) -> String {
    let root = project_root();
    path.strip_prefix(&root).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_config_reads_back_as_the_stack_needs_it() {
        let dev = Dev {
            options: Options {
                data_dir: "/data".into(),
                rpc_ports: [1001, 1002],
                pg_port: 1003,
                http_port: 1004,
                demo: false,
                fresh: false,
            },
            root: "/project".into(),
            data: "/data".into(),
            logs: "/data/logs".into(),
        };
        let text = toml::to_string(&dev.config()).unwrap();
        let read = Config::parse(&text, Path::new("cointent.toml")).unwrap();
        assert_eq!(read.database.url, None, "{text}");
        assert_eq!(read.database.data_dir, Path::new("/data/postgres"));
        assert_eq!(read.database.port, 1003);
        assert_eq!(read.http.bind, SocketAddr::from(([127, 0, 0, 1], 1004)));
        assert_eq!(read.http.public_url, "http://127.0.0.1:1004");
        assert_eq!(read.http.app_dir, Path::new("/project/app/dist"));
        let chains: Vec<_> = read
            .chains
            .iter()
            .map(|c| {
                (c.name.as_str(), c.chain_id, c.rpc_urls.clone(), c.deployment.clone().unwrap())
            })
            .collect();
        assert_eq!(
            chains,
            [
                (
                    "local-a",
                    31337,
                    vec!["http://127.0.0.1:1001".to_string()],
                    "/data/deployments/31337.json".into()
                ),
                (
                    "local-b",
                    31338,
                    vec!["http://127.0.0.1:1002".to_string()],
                    "/data/deployments/31338.json".into()
                ),
            ] as [(&str, u64, Vec<String>, PathBuf); 2]
        );
        assert!(read.chains.iter().all(|c| c.finality_depth == 12 && c.poll_interval_ms == 100));
        assert!(read.chains.iter().all(|c| c.contracts.is_empty() && c.start_block.is_none()));
    }
}
