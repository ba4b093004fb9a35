//! Child processes that die with their owner: the embedded Postgres here, and the test
//! harness's anvil chains (which reuse this module rather than keep a copy).

use std::{
    io,
    net::TcpListener,
    os::unix::process::CommandExt,
    process::{Child, Command},
    sync::{Mutex, OnceLock, mpsc},
    time::{Duration, Instant},
};

/// A free TCP port on 127.0.0.1 (the OS picks; the port is released before it is returned,
/// so callers retry if another process takes it first).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// Spawns `cmd` so that the child receives `death_signal` when this process exits.
///
/// `PR_SET_PDEATHSIG` fires when the *thread* that forked the child exits, not the process,
/// so every child is forked by one thread that lives as long as the process: a child
/// started from a short-lived test or blocking-pool thread would otherwise die with it.
pub fn spawn(mut cmd: Command, death_signal: libc::c_int) -> io::Result<Child> {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("harness-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("spawn harness thread");
        Mutex::new(tx)
    });
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, death_signal) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (tx, rx) = mpsc::channel();
    spawner.lock().unwrap_or_else(|e| e.into_inner()).send((cmd, tx)).expect("spawner alive");
    rx.recv().expect("spawner replies")
}

/// Sends `signal`, waits up to `grace`, then kills. Never panics.
pub fn stop(child: &mut Child, signal: libc::c_int, grace: Duration) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    // SAFETY: plain kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Whether a process with this pid exists.
pub fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence and permission.
    pid > 0
        && (unsafe { libc::kill(pid, 0) } == 0
            || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM))
}
