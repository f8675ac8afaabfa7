//! A cgroup for one jailed run: its memory and its number of processes
//! capped by the kernel, every process in it killed at the end, the group
//! removed when dropped.
//!
//! - cgroup v1 (a `memory` and a `pids` hierarchy under `/sys/fs/cgroup`):
//!   one group in each.
//! - cgroup v2 (one unified hierarchy): one group below Fnlab's own, which
//!   must be delegated to it (systemd `Delegate=yes`, or a container's
//!   own namespace). A v2 group with children holds no processes, so the
//!   first build moves Fnlab itself into a `fnlab-server` child and turns
//!   on the memory and pids controllers for the children.
//!
//! Where neither can be written, [`Cgroup::create`] returns `None` and the
//! jail falls back to `ulimit -v` (no process limit then: logged once).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use crate::jail::JailLimits;

/// Where cgroup hierarchies are mounted.
const ROOT: &str = "/sys/fs/cgroup";

/// The child of Fnlab's own v2 group that Fnlab's own processes move to.
const SERVER_GROUP: &str = "fnlab-server";

/// One run's cgroup.
pub(crate) struct Cgroup {
    /// The groups a process of the run joins (v1: memory and pids; v2: one).
    pub(crate) dirs: Vec<PathBuf>,
    /// The file whose `oom_kill` line counts the OOM killer's kills.
    oom_events: PathBuf,
}

impl Cgroup {
    /// Creates the cgroup with `limits`; `None` when cgroups cannot be
    /// written here (then `ulimit -v` stands in).
    pub(crate) fn create(limits: &JailLimits) -> Option<Self> {
        let name = format!(
            "fnlab-build-{}-{}",
            std::process::id(),
            fnlab_db::random_hex(4)
        );
        let root = Path::new(ROOT);
        let made = if root.join("cgroup.controllers").exists() {
            v2_parent(root).and_then(|parent| Self::create_v2(&parent.join(&name), limits))
        } else {
            Self::create_v1(root, &name, limits)
        };
        match made {
            Ok(cgroup) => Some(cgroup),
            Err(e) => {
                static WARNED: OnceLock<()> = OnceLock::new();
                WARNED.get_or_init(|| {
                    tracing::warn!(error = %e, "no cgroup for builds: their memory is capped by ulimit -v, their processes not at all");
                });
                None
            }
        }
    }

    /// A group in the v1 `memory` and `pids` hierarchies under `root`.
    fn create_v1(root: &Path, name: &str, limits: &JailLimits) -> std::io::Result<Self> {
        let memory = root.join("memory").join(name);
        let pids = root.join("pids").join(name);
        let cgroup = Self {
            oom_events: memory.join("memory.oom_control"),
            dirs: vec![memory.clone(), pids.clone()],
        };
        std::fs::create_dir(&memory)?;
        let bytes = limits.memory_bytes.to_string();
        std::fs::write(memory.join("memory.limit_in_bytes"), &bytes)?;
        // Without swap accounting this file is absent; the limit above
        // then covers RAM only, and the machine's swap is the slack.
        let _ = std::fs::write(memory.join("memory.memsw.limit_in_bytes"), &bytes);
        std::fs::create_dir(&pids)?;
        std::fs::write(pids.join("pids.max"), limits.processes.to_string())?;
        Ok(cgroup)
    }

    /// The v2 group `dir` (its parent readied by [`v2_parent`]).
    fn create_v2(dir: &Path, limits: &JailLimits) -> std::io::Result<Self> {
        let cgroup = Self {
            oom_events: dir.join("memory.events"),
            dirs: vec![dir.to_owned()],
        };
        std::fs::create_dir(dir)?;
        std::fs::write(dir.join("memory.max"), limits.memory_bytes.to_string())?;
        // Absent without swap accounting, as in v1.
        let _ = std::fs::write(dir.join("memory.swap.max"), "0");
        std::fs::write(dir.join("pids.max"), limits.processes.to_string())?;
        Ok(cgroup)
    }

    /// Whether the kernel's OOM killer acted in this cgroup.
    pub(crate) fn hit_memory_limit(&self) -> bool {
        std::fs::read_to_string(&self.oom_events)
            .ok()
            .and_then(|text| {
                text.lines()
                    .find_map(|line| line.strip_prefix("oom_kill "))
                    .and_then(|n| n.trim().parse::<u64>().ok())
            })
            .is_some_and(|kills| kills > 0)
    }

    /// SIGKILLs every process still in the cgroup.
    pub(crate) fn kill_all(&self) {
        let Some(dir) = self.dirs.last() else { return };
        let Ok(procs) = std::fs::read_to_string(dir.join("cgroup.procs")) else {
            return;
        };
        for pid in procs.lines() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", pid])
                .status();
        }
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        self.kill_all();
        for dir in &self.dirs {
            // The kernel empties it as the last process exits; give it a
            // moment, then leave it if it will not go (logged, harmless).
            for _ in 0..50 {
                if std::fs::remove_dir(dir).is_ok() || !dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Fnlab's own v2 group under `root`, readied once per process to hold
/// build groups (see the module doc); an error says why it cannot.
fn v2_parent(root: &Path) -> std::io::Result<PathBuf> {
    static PARENT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let parent = PARENT.get_or_init(|| {
        let own = std::fs::read_to_string("/proc/self/cgroup").map_err(|e| e.to_string())?;
        let own = own
            .lines()
            .find_map(|line| line.strip_prefix("0::"))
            .ok_or("not in a cgroup v2 group")?;
        ready_v2_parent(root, own, std::process::id()).map_err(|e| e.to_string())
    });
    parent.clone().map_err(std::io::Error::other)
}

/// Readies the v2 group `own` (as `/proc/self/cgroup` names it) of the
/// process `pid` under `root` to hold build groups: moves the process into
/// its `fnlab-server` child (unless it is there already) and enables the
/// memory and pids controllers for the children. Returns the group.
fn ready_v2_parent(root: &Path, own: &str, pid: u32) -> std::io::Result<PathBuf> {
    let mut parent = root.join(own.trim_start_matches('/'));
    if parent.file_name().is_some_and(|name| name == SERVER_GROUP) {
        parent.pop();
    } else {
        let server = parent.join(SERVER_GROUP);
        if !server.exists() {
            std::fs::create_dir(&server)?;
        }
        std::fs::write(server.join("cgroup.procs"), pid.to_string())?;
    }
    std::fs::write(parent.join("cgroup.subtree_control"), "+memory +pids")?;
    Ok(parent)
}

#[cfg(test)]
mod tests {
    //! The v2 steps on a directory laid out like a delegated group: the
    //! files Fnlab writes and what it writes in them. (This machine's
    //! kernel mounts cgroup v1, so the kernel's own v2 checks cannot run
    //! here; the v1 path is exercised by every build test.)

    use super::*;

    const LIMITS: JailLimits = JailLimits {
        wall: Duration::from_secs(1),
        memory_bytes: 64 << 20,
        processes: 32,
        file_bytes: 1 << 20,
    };

    #[test]
    fn a_delegated_v2_group_is_split_and_limits_each_build() {
        let root = tempfile::tempdir().unwrap();
        let own = root.path().join("system.slice/fnlab.service");
        std::fs::create_dir_all(&own).unwrap();

        let parent = ready_v2_parent(root.path(), "/system.slice/fnlab.service", 4242).unwrap();
        assert_eq!(parent, own);
        let procs = own.join(SERVER_GROUP).join("cgroup.procs");
        assert_eq!(std::fs::read_to_string(procs).unwrap(), "4242");
        let enabled = std::fs::read_to_string(own.join("cgroup.subtree_control")).unwrap();
        assert_eq!(enabled, "+memory +pids");
        // A process already moved (a second start) stays where it is.
        let again = ready_v2_parent(root.path(), "/system.slice/fnlab.service/fnlab-server", 7);
        assert_eq!(again.unwrap(), own);

        let build = own.join("fnlab-build-1");
        let cgroup = Cgroup::create_v2(&build, &LIMITS).unwrap();
        let read = |file: &str| std::fs::read_to_string(build.join(file)).unwrap();
        assert_eq!(read("memory.max"), (64u64 << 20).to_string());
        assert_eq!(read("pids.max"), "32");
        assert_eq!(cgroup.dirs, vec![build.clone()]);
        std::fs::write(build.join("memory.events"), "low 0\noom 1\noom_kill 1\n").unwrap();
        assert!(cgroup.hit_memory_limit());
    }

    #[test]
    fn without_a_writable_group_there_is_no_v2_parent() {
        let root = tempfile::tempdir().unwrap();
        assert!(ready_v2_parent(root.path(), "/missing/group", 1).is_err());
    }
}
