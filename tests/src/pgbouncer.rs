//! A real PgBouncer (the Debian package `pgbouncer`) in front of the test server, started on a
//! free local port in a pool mode, as a non-root user, and stopped when dropped.
//!
//! Clients authenticate with `trust`; PgBouncer logs in to the server with the user and
//! password of `DATABASE_URL` (its `auth_file`). Each test gets a PgBouncer of its own.

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{free_port, is_root, TestDb};

/// Where the Debian package installs PgBouncer; `PGBOUNCER` overrides it.
const DEFAULT_BINARY: &str = "/usr/sbin/pgbouncer";

/// A running PgBouncer.
pub struct PgBouncer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl PgBouncer {
    /// Starts PgBouncer with `pool_mode = mode` (`transaction` or `session`) and a pool of
    /// `pool_size` server connections per database. `None` when PgBouncer is not installed,
    /// reported by [`crate::prerequisite::missing`] (which fails the test under `CI`).
    pub fn start(mode: &str, pool_size: usize) -> Option<Self> {
        let binary = std::env::var("PGBOUNCER").unwrap_or_else(|_| DEFAULT_BINARY.to_owned());
        if !Path::new(&binary).exists() {
            let message = format!(
                "PgBouncer is not installed ({binary} is missing): install the Debian package \
                 with `apt-get install pgbouncer` (or set PGBOUNCER to its path)"
            );
            crate::prerequisite::missing(&message);
            return None;
        }
        let server = crate::config("postgres");
        let host = match &server.get_hosts()[0] {
            tokio_postgres::config::Host::Tcp(host) => host.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        };
        let server_port = server.get_ports().first().copied().unwrap_or(5432);
        let user = server.get_user().unwrap_or("postgres").to_owned();
        let password = server
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default();
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("migrate-pgbouncer-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        std::fs::write(
            dir.join("users.txt"),
            format!("{} {}\n", quoted(&user), quoted(&password)),
        )
        .unwrap();
        std::fs::write(
            dir.join("pgbouncer.ini"),
            format!(
                "[databases]\n* = host={host} port={server_port}\n\n[pgbouncer]\n\
                 listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
                 auth_type = trust\nauth_file = {users}\npool_mode = {mode}\n\
                 default_pool_size = {pool_size}\nmax_client_conn = 200\n\
                 ignore_startup_parameters = extra_float_digits,options\n\
                 logfile = {log}\n",
                users = dir.join("users.txt").display(),
                log = dir.join("pgbouncer.log").display(),
            ),
        )
        .unwrap();
        let mut command = Command::new(&binary);
        if is_root() {
            // PgBouncer refuses to run as root: it switches to this user.
            let user = std::env::var("PGBOUNCER_USER").unwrap_or_else(|_| "postgres".into());
            make_world_writable(&dir);
            command.args(["-u", &user]);
        }
        let child = command
            .arg(dir.join("pgbouncer.ini"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {binary}: {e}"));
        let mut bouncer = Self { child, port, dir };
        bouncer.wait_until_listening();
        Some(bouncer)
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut err) = self.child.stderr.take() {
                    let _ = err.read_to_string(&mut stderr);
                }
                panic!(
                    "PgBouncer exited ({status}): {stderr}\n{}",
                    std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "PgBouncer did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The port PgBouncer listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection string to `db` through PgBouncer.
    pub fn url(&self, db: &TestDb) -> String {
        let user = crate::config("postgres")
            .get_user()
            .unwrap_or("postgres")
            .to_owned();
        format!(
            "host=127.0.0.1 port={} dbname='{}' user='{}'",
            self.port,
            db.name(),
            user.replace('\'', "\\'")
        )
    }

    /// A new sync connection to `db` through PgBouncer.
    pub fn client(&self, db: &TestDb) -> postgres::Client {
        postgres::Client::connect(&self.url(db), postgres::NoTls)
            .expect("connect through PgBouncer")
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Lets the user PgBouncer switches to read its files and write its log.
fn make_world_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
}
