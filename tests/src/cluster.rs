//! A throwaway PostgreSQL cluster of one test's own, for what the shared test server must not
//! suffer (other tests run on it in parallel): a restart. `initdb` and `pg_ctl` of the installed
//! PostgreSQL create it in a temporary directory and start it on a free local port, as a
//! non-root user; it is stopped and removed when dropped, a panic unwinding included.
//!
//! Clients log in as `postgres` over TCP without a password (`trust`). Durability is traded
//! for speed (`fsync = off`): a restart with `-m immediate` still runs crash recovery, which is
//! what the fault tests need.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::{free_port, is_root, TestDb};

/// A running cluster.
pub struct Cluster {
    /// The directory of `initdb` and `pg_ctl`.
    bin: PathBuf,
    /// The temporary directory: `data/`, `log`, the socket.
    dir: PathBuf,
    port: u16,
    /// The user the server runs as when the tests run as root: (uid, gid).
    user: Option<(u32, u32)>,
}

impl Cluster {
    /// Creates and starts a cluster. `None` when PostgreSQL's server programs are not installed
    /// (or, as root, there is no user to run them as), reported by
    /// [`crate::prerequisite::missing`] (which fails the test under `CI`).
    pub fn start() -> Option<Self> {
        let Some(bin) = bindir() else {
            crate::prerequisite::missing(
                "PostgreSQL's initdb and pg_ctl were not found (looked in PG_BINDIR, \
                 `pg_config --bindir` and /usr/lib/postgresql/*/bin): install the server, e.g. \
                 `apt-get install postgresql`",
            );
            return None;
        };
        let user = if is_root() {
            // PostgreSQL refuses to run as root: initdb and the server run as this user.
            let name = std::env::var("CLUSTER_USER").unwrap_or_else(|_| "postgres".into());
            let Some(ids) = ids_of(&name) else {
                crate::prerequisite::missing(&format!(
                    "the tests run as root and there is no user {name} to run PostgreSQL as: \
                     create one, or set CLUSTER_USER to another non-root user"
                ));
                return None;
            };
            Some(ids)
        } else {
            None
        };
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("migrate-cluster-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cluster = Self {
            bin,
            dir,
            port,
            user,
        };
        if let Some((uid, gid)) = cluster.user {
            std::os::unix::fs::chown(&cluster.dir, Some(uid), Some(gid)).unwrap();
        }
        let data = cluster.data();
        let mut initdb = cluster.command("initdb");
        initdb.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
            "--no-instructions",
        ]);
        cluster.run(initdb);
        let settings = format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\n\
             fsync = off\nfull_page_writes = off\n\
             shared_buffers = 32MB\nmax_connections = 40\n",
            dir = cluster.dir.display()
        );
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).unwrap();
        text.push_str(&settings);
        std::fs::write(&conf, text).unwrap();
        cluster.pg_ctl(&["start"]);
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `pg_ctl` on the cluster, waiting for the operation to end (at most 60 s).
    fn pg_ctl_command(&self, args: &[&str]) -> Command {
        let mut command = self.command("pg_ctl");
        command
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "60"])
            .args(args);
        command
    }

    /// Runs `pg_ctl` on the cluster; see [`Cluster::run`].
    fn pg_ctl(&self, args: &[&str]) -> Output {
        self.run(self.pg_ctl_command(args))
    }

    /// One of PostgreSQL's programs, to run as the cluster's user in its directory.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        command.current_dir(&self.dir);
        if let Some((uid, gid)) = self.user {
            use std::os::unix::process::CommandExt;
            command.uid(uid).gid(gid);
        }
        command
    }

    /// Runs `command`; panics naming its output and the server's log when it fails.
    fn run(&self, mut command: Command) -> Output {
        let program = format!("{command:?}");
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("could not run {program}: {e}"));
        assert!(
            output.status.success(),
            "{program} failed ({}): {}{}\nserver log:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
        );
        output
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A new database of the test's own on this cluster.
    pub fn db(&self) -> TestDb {
        TestDb::on(&self.url())
    }

    /// Restarts the server the hard way (`pg_ctl restart -m immediate`: every backend is killed
    /// at once, nothing is written back; the start runs crash recovery) and waits until it
    /// accepts connections again. Returns how long that took.
    pub fn restart(&self) -> Duration {
        let started = Instant::now();
        self.pg_ctl(&["-m", "immediate", "restart"]);
        started.elapsed()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // No panic here (this may run while a panic unwinds): a server already stopped is fine.
        let _ = self.pg_ctl_command(&["-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The directory of PostgreSQL's server programs: `PG_BINDIR`, else `pg_config --bindir`, else
/// the newest `/usr/lib/postgresql/*/bin` (Debian's layout); one holding `initdb` and `pg_ctl`.
fn bindir() -> Option<PathBuf> {
    let has_programs = |dir: &Path| dir.join("initdb").exists() && dir.join("pg_ctl").exists();
    if let Ok(dir) = std::env::var("PG_BINDIR") {
        return Some(PathBuf::from(dir)).filter(|d| has_programs(d));
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(dir) = from_pg_config.filter(|d| has_programs(d)) {
        return Some(dir);
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, dir)| has_programs(dir))
        .collect();
    debian.sort();
    debian.pop().map(|(_, dir)| dir)
}

/// The uid and gid of user `name`.
fn ids_of(name: &str) -> Option<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let output = Command::new("id").args([flag, name]).output().ok()?;
        String::from_utf8_lossy(&output.stdout).trim().parse().ok()
    };
    Some((id("-u")?, id("-g")?)).filter(|(uid, _)| *uid != 0)
}
