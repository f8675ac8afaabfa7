//! Running an untrusted command inside an OS sandbox, with limits.
//!
//! bubblewrap puts the command in fresh namespaces (no network, its own
//! PIDs, a private mount tree with only what is bound in, read-only where
//! possible), with an empty environment and no capabilities. A cgroup
//! ([`crate::cgroup`], v1 or v2) caps its memory and processes; where
//! cgroups cannot be written, `ulimit -v` caps address space instead.
//! `ulimit -f` caps the size of any file it writes, and a wall-clock limit
//! kills it. The caller learns which limit, if any, stopped it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::cgroup::Cgroup;

/// A file or folder of the host, visible inside the sandbox.
#[derive(Debug, Clone)]
pub struct Bind {
    /// On the host.
    pub host: PathBuf,
    /// Inside the sandbox.
    pub inside: String,
    /// Whether the command may write to it.
    pub writable: bool,
}

/// The limits of one run.
#[derive(Debug, Clone, Copy)]
pub struct JailLimits {
    /// Wall-clock time.
    pub wall: Duration,
    /// Memory (resident, with the cgroup; address space without).
    pub memory_bytes: u64,
    /// Processes and threads at once.
    pub processes: u32,
    /// Largest file the command may write.
    pub file_bytes: u64,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct JailCommand {
    /// The program and its arguments, as seen inside.
    pub argv: Vec<String>,
    /// The working directory inside.
    pub cwd: String,
    /// The whole environment.
    pub env: Vec<(String, String)>,
    /// Host paths to bind in, besides the system's read-only `/usr`.
    pub binds: Vec<Bind>,
    /// Its limits.
    pub limits: JailLimits,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// It exited with this code.
    Exited(i32),
    /// A signal killed it, not one of our limits.
    Killed,
    /// It ran out of wall-clock time.
    TimedOut,
    /// It hit the memory limit.
    OutOfMemory,
}

/// The sandbox could not run the command at all.
#[derive(Debug, thiserror::Error)]
#[error("the build sandbox failed: {0}")]
pub struct JailError(String);

/// Runs `command` in the sandbox. Each line it prints (stdout or stderr) is
/// handed to `on_line` as it comes, tagged `true` for stdout.
pub async fn run(
    command: &JailCommand,
    mut on_line: impl FnMut(bool, &str),
) -> Result<Ending, JailError> {
    let cgroup = Cgroup::create(&command.limits);
    let mut child = wrapper(command, cgroup.as_ref())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| JailError(format!("cannot start bubblewrap: {e}")))?;
    let mut stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut stderr = BufReader::new(child.stderr.take().expect("piped")).lines();
    let deadline = tokio::time::sleep(command.limits.wall);
    tokio::pin!(deadline);
    let (mut out_open, mut err_open) = (true, true);
    let status = loop {
        tokio::select! {
            line = stdout.next_line(), if out_open => match line {
                Ok(Some(line)) => on_line(true, &line),
                _ => out_open = false,
            },
            line = stderr.next_line(), if err_open => match line {
                Ok(Some(line)) => on_line(false, &line),
                _ => err_open = false,
            },
            status = child.wait(), if !out_open && !err_open => break Some(status),
            () = &mut deadline => break None,
        }
    };
    let Some(status) = status else {
        // bubblewrap's child is PID 1 of its namespace: killing bubblewrap
        // takes the whole tree down (--die-with-parent), and the cgroup
        // catches anything left.
        let _ = child.kill().await;
        if let Some(cgroup) = &cgroup {
            cgroup.kill_all();
        }
        return Ok(Ending::TimedOut);
    };
    let status = status.map_err(|e| JailError(format!("waiting for the build: {e}")))?;
    let oom = cgroup.as_ref().is_some_and(Cgroup::hit_memory_limit);
    Ok(match status.code() {
        _ if oom => Ending::OutOfMemory,
        Some(code) => Ending::Exited(code),
        None => Ending::Killed,
    })
}

/// `sh` joins the cgroup (or sets `ulimit -v`), sets `ulimit -f`, then
/// becomes bubblewrap at the lowest CPU priority.
fn wrapper(command: &JailCommand, cgroup: Option<&Cgroup>) -> Command {
    let limits = &command.limits;
    let mut script = String::from("set -e\n");
    match cgroup {
        Some(cgroup) => {
            for dir in &cgroup.dirs {
                script.push_str(&format!("echo $$ > '{}/cgroup.procs'\n", dir.display()));
            }
        }
        None => script.push_str(&format!("ulimit -v {}\n", limits.memory_bytes / 1024)),
    }
    // bash counts `ulimit -f` in 1024-byte blocks.
    script.push_str(&format!("ulimit -f {}\n", limits.file_bytes / 1024));
    // Builds run at the lowest priority: the functions being served
    // come first.
    script.push_str("exec nice -n 19 \"$@\"\n");
    let mut cmd = Command::new("/bin/bash");
    cmd.arg("-c").arg(script).arg("fnlab-jail").arg("bwrap");
    cmd.args([
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--cap-drop",
        "ALL",
        "--ro-bind",
        "/usr",
        "/usr",
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
        "--symlink",
        "usr/bin",
        "/bin",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--tmpfs",
        "/home",
    ]);
    // The C compiler Debian names through /etc/alternatives (build scripts
    // of dependencies link with it); nothing else of /etc is visible.
    if Path::new("/etc/alternatives").is_dir() {
        cmd.args(["--ro-bind", "/etc/alternatives", "/etc/alternatives"]);
    }
    for bind in &command.binds {
        let flag = if bind.writable { "--bind" } else { "--ro-bind" };
        cmd.arg(flag).arg(&bind.host).arg(&bind.inside);
    }
    for (name, value) in &command.env {
        cmd.arg("--setenv").arg(name).arg(value);
    }
    cmd.arg("--chdir").arg(&command.cwd).arg("--");
    cmd.args(&command.argv);
    cmd.env_clear().env("PATH", "/usr/bin:/bin");
    cmd
}
