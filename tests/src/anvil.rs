//! An anvil chain on loopback.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, mpsc},
    time::Duration,
};

use cointent_storage::process;

use crate::{Error, Result, tool};

/// Anvil's default dev accounts (mnemonic `test test ... junk`), funded with 10 000 ETH.
pub const DEV_ACCOUNTS: [&str; 10] = [
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
];

/// The private keys of [`DEV_ACCOUNTS`], in the same order. Public knowledge: never use
/// them on a chain with real money.
pub const DEV_KEYS: [&str; 10] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
];

/// How to start an [`Anvil`].
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct AnvilBuilder {
    chain_id: Option<u64>,
    port: Option<u16>,
    block_time: Option<Duration>,
    state: Option<PathBuf>,
    args: Vec<String>,
}

impl AnvilBuilder {
    /// The chain id (anvil's default is 31337).
    pub fn chain_id(mut self, id: u64) -> Self {
        self.chain_id = Some(id);
        self
    }

    /// A fixed port instead of a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Mine a block every `interval` instead of one per transaction.
    pub fn block_time(mut self, interval: Duration) -> Self {
        self.block_time = Some(interval);
        self
    }

    /// Load the chain from `path` at start and save it there on exit and periodically.
    pub fn state(mut self, path: impl Into<PathBuf>) -> Self {
        self.state = Some(path.into());
        self
    }

    /// Any other anvil argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Starts anvil and waits until it listens.
    pub fn spawn(self) -> Result<Anvil> {
        // Tests talk to the chain through clients built with reqwest's defaults next.
        cointent_config::install_crypto_provider();
        let mut cmd = Command::new(tool("anvil")?);
        cmd.args(["--host", "127.0.0.1", "--port", &self.port.unwrap_or(0).to_string()]);
        if let Some(id) = self.chain_id {
            cmd.args(["--chain-id", &id.to_string()]);
        }
        if let Some(t) = self.block_time {
            cmd.args(["--block-time", &format!("{}", t.as_secs_f64())]);
        }
        if let Some(state) = &self.state {
            cmd.arg("--state").arg(state).args(["--state-interval", "5"]);
        }
        cmd.args(&self.args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = process::spawn(cmd, libc::SIGKILL)
            .map_err(|e| Error::Start { what: "anvil", detail: e.to_string() })?;

        // Anvil logs every request; keep draining stdout so it never blocks, and keep the
        // tail for error messages.
        let tail = Arc::new(Mutex::new(Vec::<String>::new()));
        let (tx, rx) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("piped")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("piped")),
        ] {
            let (tx, tail) = (tx.clone(), tail.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(addr) = line.strip_prefix("Listening on ") {
                        let _ = tx.send(addr.trim().to_string());
                    }
                    let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
                    if tail.len() >= 50 {
                        tail.remove(0);
                    }
                    tail.push(line);
                }
            });
        }
        drop(tx);
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => {
                let port =
                    addr.rsplit(':').next().and_then(|p| p.parse().ok()).ok_or_else(|| {
                        Error::Start { what: "anvil", detail: format!("bad address {addr:?}") }
                    })?;
                Ok(Anvil { child, port, chain_id: self.chain_id.unwrap_or(31337) })
            }
            Err(_) => {
                process::stop(&mut child, libc::SIGKILL, Duration::ZERO);
                let tail = tail.lock().unwrap_or_else(|e| e.into_inner()).join("\n");
                Err(Error::Start { what: "anvil", detail: tail })
            }
        }
    }
}

/// A running anvil; stopped (state saved, if any) when dropped.
#[derive(Debug)]
pub struct Anvil {
    child: Child,
    port: u16,
    chain_id: u64,
}

impl Anvil {
    /// How to start one.
    pub fn builder() -> AnvilBuilder {
        AnvilBuilder::default()
    }

    /// The HTTP JSON-RPC endpoint, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The WebSocket endpoint.
    pub fn ws_endpoint(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        // SIGTERM lets anvil write its --state file.
        process::stop(&mut self.child, libc::SIGTERM, Duration::from_secs(5));
    }
}
