//! The stack's children: each in its own process group, its output in `logs/<name>.log`,
//! dying with the supervisor, and named with the tail of its log when it exits on its own.

use std::{
    fs::File,
    future::Future,
    io::{Read, Seek, SeekFrom},
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::Duration,
};

use cointent_storage::process;
use eyre::{WrapErr, eyre};
use tokio::{
    signal::unix::{Signal, SignalKind, signal},
    time::sleep,
};

use super::{say, shown};

/// How often children are checked.
const POLL: Duration = Duration::from_millis(100);
/// Lines of a child's log shown when it exits on its own.
const TAIL_LINES: usize = 15;

/// One child process, killed if it is still running when dropped (a step cancelled by
/// Ctrl-C takes its `forge` with it).
#[derive(Debug)]
pub(super) struct Proc {
    name: String,
    log: PathBuf,
    child: Child,
    /// How long it may take to stop after SIGTERM before it is killed.
    grace: Duration,
}

impl Proc {
    /// Starts `cmd` as `name`, output to `logs/<name>.log`; the child gets `death_signal`
    /// if this process dies.
    pub(super) fn spawn(
        name: &str,
        mut cmd: Command,
        logs: &Path,
        death_signal: libc::c_int,
    ) -> eyre::Result<Self> {
        let log = logs.join(format!("{name}.log"));
        let out =
            File::create(&log).wrap_err_with(|| format!("cannot create {}", log.display()))?;
        // Its own process group: a terminal's Ctrl-C reaches only the supervisor, which
        // stops the children in order (see the module docs of `dev`).
        cmd.stdin(Stdio::null()).stdout(out.try_clone()?).stderr(out).process_group(0);
        let child =
            process::spawn(cmd, death_signal).wrap_err_with(|| format!("cannot start {name}"))?;
        Ok(Self { name: name.into(), log, child, grace: Duration::ZERO })
    }

    /// Its exit status, once it has exited.
    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits until it exits; fails, with its log's tail, unless it succeeded.
    pub(super) async fn finish(mut self) -> eyre::Result<()> {
        loop {
            match self.exited() {
                Some(status) if status.success() => return Ok(()),
                Some(status) => return Err(self.report(status)),
                None => sleep(POLL).await,
            }
        }
    }

    fn report(&self, status: ExitStatus) -> eyre::Report {
        eyre!(
            "{} exited ({status}); last lines of {}:\n{}",
            self.name,
            shown(&self.log),
            tail(&self.log, TAIL_LINES)
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        process::stop(&mut self.child, libc::SIGKILL, Duration::ZERO);
    }
}

/// The long-running children, in the order they were started.
#[derive(Debug)]
pub(super) struct Stack {
    logs: PathBuf,
    procs: Vec<Proc>,
}

impl Stack {
    /// An empty stack logging to `logs`.
    pub(super) fn new(logs: PathBuf) -> Self {
        Self { logs, procs: Vec::new() }
    }

    /// Starts a child that should run until the stack stops, and may take `grace` to stop
    /// after SIGTERM. If the supervisor is killed outright the child gets SIGTERM (anvil
    /// then saves its state, cointent stops its Postgres).
    pub(super) fn start(&mut self, name: &str, cmd: Command, grace: Duration) -> eyre::Result<()> {
        let mut proc = Proc::spawn(name, cmd, &self.logs, libc::SIGTERM)?;
        proc.grace = grace;
        self.procs.push(proc);
        Ok(())
    }

    /// The first child that has exited, as an error naming it with the tail of its log.
    pub(super) fn crashed(&mut self) -> Option<eyre::Report> {
        self.procs.iter_mut().find_map(|p| p.exited().map(|status| p.report(status)))
    }

    /// Waits until a child exits, and names it.
    pub(super) async fn watch(&mut self) -> eyre::Report {
        loop {
            if let Some(crash) = self.crashed() {
                return crash;
            }
            sleep(POLL).await;
        }
    }

    /// Runs a start-up step while watching the children: a child that exits fails the step.
    pub(super) async fn watched<T>(
        &mut self,
        step: impl Future<Output = eyre::Result<T>>,
    ) -> eyre::Result<T> {
        let result = tokio::select! {
            result = step => result,
            crash = self.watch() => return Err(crash),
        };
        if result.is_err() {
            // A step fails when a child it talks to dies (connection refused): name the
            // child rather than the symptom, once its exit has been seen.
            sleep(2 * POLL).await;
            if let Some(crash) = self.crashed() {
                return Err(crash);
            }
        }
        result
    }

    /// Stops the children still running, last started first (cointent before the chains
    /// it reads): SIGTERM, then SIGKILL after their grace period. Prints one line.
    pub(super) fn stop(&mut self) {
        let running: Vec<&str> = self
            .procs
            .iter_mut()
            .rev()
            .filter_map(|p| p.exited().is_none().then_some(p.name.as_str()))
            .collect();
        if !running.is_empty() {
            say(&format!("stopping {}", running.join(", ")));
        }
        for p in self.procs.iter_mut().rev() {
            process::stop(&mut p.child, libc::SIGTERM, p.grace);
        }
        self.procs.clear();
    }
}

/// The signals that stop the stack: Ctrl-C, SIGTERM, and SIGHUP (the terminal closed;
/// the children, in their own groups, would not hear it).
#[derive(Debug)]
pub(super) struct StopSignals {
    int: Signal,
    term: Signal,
    hup: Signal,
}

impl StopSignals {
    /// Takes over the signals (from now on they no longer end the process).
    pub(super) fn new() -> eyre::Result<Self> {
        let on = |kind| signal(kind).wrap_err("cannot install signal handlers");
        Ok(Self {
            int: on(SignalKind::interrupt())?,
            term: on(SignalKind::terminate())?,
            hup: on(SignalKind::hangup())?,
        })
    }

    /// Waits for one of them.
    pub(super) async fn recv(&mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
    }
}

/// The last `n` lines of a log (read from its last 64 KiB: anvil logs every request).
fn tail(path: &Path, n: usize) -> String {
    let mut text = Vec::new();
    if let Ok(mut file) = File::open(path) {
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = file.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
        let _ = file.read_to_end(&mut text);
    }
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
