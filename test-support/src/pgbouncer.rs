//! PgBouncer in front of the test server, for the tests of what runs
//! behind a pooler.
//!
//! Needs the `pgbouncer` binary (Debian: `apt-get install pgbouncer`), which
//! `.ci/ensure-services` installs. PgBouncer refuses to run as root: as
//! root, it is started as the `postgres` user.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::server_url;

/// A PgBouncer of the test's own, on a free port, in front of the test
/// server with two server connections per database (round robin); stopped
/// and its directory removed when dropped.
pub struct PgBouncer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl PgBouncer {
    /// Starts PgBouncer with `pool_mode` (`session`, `transaction` or
    /// `statement`) and waits until it listens.
    pub fn start(pool_mode: &str) -> Self {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let dir =
            std::env::temp_dir().join(format!("migrate_pgbouncer_{}_{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let server: postgres::Config = server_url().parse().expect("the test server's URL");
        let host = match server.get_hosts().first() {
            Some(postgres::config::Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let server_port = server.get_ports().first().copied().unwrap_or(5432);
        let user = server.get_user().unwrap_or("postgres");
        let config = dir.join("pgbouncer.ini");
        std::fs::write(
            &config,
            format!(
                "[databases]\n* = host={host} port={server_port} user={user}\n\n\
                 [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
                 auth_type = any\npool_mode = {pool_mode}\ndefault_pool_size = 2\nmin_pool_size = 0\n\
                 server_round_robin = 1\nignore_startup_parameters = extra_float_digits\n\
                 logfile = {}\n",
                dir.join("pgbouncer.log").display()
            ),
        )
        .unwrap();
        let mut command = Command::new("pgbouncer");
        command
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some((uid, gid)) = postgres_user_when_root() {
            Command::new("chmod")
                .arg("-R")
                .arg("a+rwx")
                .arg(&dir)
                .status()
                .unwrap();
            command.uid(uid).gid(gid);
        }
        let child = command
            .spawn()
            .expect("pgbouncer is installed (apt-get install pgbouncer)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "pgbouncer did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port, dir }
    }

    /// The port PgBouncer listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of `database` through PgBouncer.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

/// The `postgres` user's ids when running as root (PgBouncer refuses root).
fn postgres_user_when_root() -> Option<(u32, u32)> {
    let id = |args: &[&str]| -> Option<u32> {
        let output = Command::new("id").args(args).output().ok()?;
        String::from_utf8_lossy(&output.stdout).trim().parse().ok()
    };
    if id(&["-u"])? != 0 {
        return None;
    }
    Some((id(&["-u", "postgres"])?, id(&["-g", "postgres"])?))
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
