//! The operator's day with the built binary against the real PostgreSQL:
//! nothing hangs, an interrupted deploy cleans up after itself, a
//! migration never queues the service behind it.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// Runs the binary in `dir` with `DATABASE_URL` set to `url`.
fn migrate(dir: &Path, url: &str, args: &[&str]) -> Output {
    command(dir, url, args)
        .output()
        .expect("run the migrate binary")
}

fn command(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_migrate"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DIRECT_URL")
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1");
    command
}

fn all_output(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A directory under the system's temporary directory, removed on drop.
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn with(files: &[(&str, &str)]) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "migrate-cli-operations-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create directory");
        let dir = Self { path };
        for (file, contents) in files {
            let file = dir.path.join(file);
            fs::create_dir_all(file.parent().expect("a parent")).expect("create directory");
            fs::write(file, contents).expect("write file");
        }
        dir
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// A local port where something that is not PostgreSQL listens.
fn impostor(serve: fn(std::net::TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    port
}

#[test]
fn no_command_hangs_on_a_port_that_is_not_postgresql() {
    let project = TempDir::with(&[("migrations/1_users.sql", "CREATE TABLE users (id int);\n")]);
    let silent = impostor(|mut stream| {
        let mut buffer = [0_u8; 512];
        while matches!(stream.read(&mut buffer), Ok(n) if n > 0) {}
    });
    let garbage = impostor(|mut stream| {
        let mut buffer = [0_u8; 512];
        let _ = stream.read(&mut buffer);
        let _ = stream.write_all(b"-ERR unknown command\r\n");
    });
    for args in [&["status"][..], &["deploy"], &["drift"]] {
        let url = format!("postgres://u:p4ssw0rd@127.0.0.1:{silent}/x?connect_timeout=1");
        let output = migrate(&project.path, &url, args);
        let text = all_output(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
        assert!(
            text.contains(&format!(
                "error: cannot connect to 127.0.0.1:{silent} (database \"x\", user \"u\"): no answer to PostgreSQL's startup handshake within 1 s"
            )),
            "{args:?}: {text}"
        );
        assert!(!text.contains("p4ssw0rd"), "{text}");

        let url = format!("postgres://u:p4ssw0rd@127.0.0.1:{garbage}/x?sslmode=disable");
        let output = migrate(&project.path, &url, args);
        let text = all_output(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
        assert!(
            text.contains("the server answered something that is not PostgreSQL's protocol"),
            "{args:?}: {text}"
        );
        assert!(!text.contains("bytes remaining"), "{text}");
    }
}
