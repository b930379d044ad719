//! Behind PgBouncer: in transaction mode the runner stops before changing
//! anything; in session mode it works.
//!
//! Needs the `pgbouncer` binary (Debian: `apt-get install pgbouncer`), which
//! `.ci/ensure-services` installs.
//! PgBouncer refuses to run as root: as root, the test starts it as the
//! `postgres` user.

#![cfg(unix)]

mod common;

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{migrations, numbered, tables};
use migrate_runtime::{DriftPolicy, Error};
use migrate_test_support::TestDatabase;

struct PgBouncer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl PgBouncer {
    fn start(pool_mode: &str) -> Self {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let dir =
            std::env::temp_dir().join(format!("migrate_pgbouncer_{}_{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("pgbouncer.ini");
        std::fs::write(
            &config,
            format!(
                "[databases]\n* = host=127.0.0.1 port=5432 user=postgres\n\n\
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

    fn url(&self, database: &str) -> String {
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

/// Opens both server connections of the pool, so that round robin hands
/// consecutive transactions to different server processes.
fn warm_pool(url: &str) {
    let mut first = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let mut second = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let mut a = first.transaction().unwrap();
    let mut b = second.transaction().unwrap();
    a.batch_execute("SELECT 1").unwrap();
    b.batch_execute("SELECT 1").unwrap();
    a.commit().unwrap();
    b.commit().unwrap();
}

#[test]
fn transaction_mode_fails_at_once_and_changes_nothing() {
    let db = TestDatabase::new("rt_pgbouncer_tx");
    let bouncer = PgBouncer::start("transaction");
    let url = bouncer.url(&db.name);
    warm_pool(&url);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let error = migrations(&numbered(3))
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap_err();
    assert!(matches!(error, Error::TransactionPooler { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("DIRECT_URL"), "{message}");
    assert!(message.contains("nothing was applied"), "{message}");
    let mut direct = db.client();
    assert!(
        tables(&mut direct).is_empty(),
        "not even the history table was created"
    );
}

#[test]
fn session_mode_works() {
    let db = TestDatabase::new("rt_pgbouncer_session");
    let bouncer = PgBouncer::start("session");
    let url = bouncer.url(&db.name);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let set = migrations(&numbered(3));
    let report = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 3);
    let again = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(again.already_applied, 3);
}
