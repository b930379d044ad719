//! `sslmode` and `sslrootcert` in DATABASE_URL, against the local server,
//! whose certificate is Debian's self-signed one for `localhost`.

use std::path::PathBuf;
use std::process::{Command, Output};

use migrate_test_support::TestDatabase;

mod common;
use common::{all_output, code};

/// A project with one migration, removed on drop.
struct Project {
    path: PathBuf,
}

impl Project {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("migrate-cli-tls-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(path.join("migrations")).expect("create the project");
        std::fs::write(
            path.join("migrations/1_users.sql"),
            "CREATE TABLE users (id bigserial PRIMARY KEY);\n\
             -- How the migrating session is connected, for the test to read.\n\
             CREATE TABLE seen AS SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();\n",
        )
        .expect("write a migration");
        Self { path }
    }

    fn migrate(&self, url: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_migrate"))
            .args(args)
            .current_dir(&self.path)
            .env_remove("DIRECT_URL")
            .env("DATABASE_URL", url)
            .output()
            .expect("run the migrate binary")
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Whether the session that applied the migration was encrypted.
fn migrated_over_tls(db: &TestDatabase) -> bool {
    db.client()
        .query_one("SELECT ssl FROM seen", &[])
        .expect("the migration ran")
        .get(0)
}

/// Where the server's certificate is, as the server says.
fn server_certificate(db: &TestDatabase) -> String {
    let mut client = db.client();
    let ssl: String = client.query_one("SHOW ssl", &[]).unwrap().get(0);
    assert_eq!(
        ssl, "on",
        "the test server must offer TLS (Debian's default)"
    );
    client.query_one("SHOW ssl_cert_file", &[]).unwrap().get(0)
}

const SECRET: &str = "hunter2-Secret";

fn url(host: &str, db: &TestDatabase, options: &str) -> String {
    format!(
        "postgres://postgres:{SECRET}@{host}:5432/{}?{options}",
        db.name
    )
}

#[test]
fn sslmode_is_honoured_and_certificates_verified() {
    let db = TestDatabase::new("cli_tls");
    let certificate = server_certificate(&db);
    let project = Project::new("modes");

    // verify-full with the server's certificate: TLS, verified, host name too.
    let verified = url(
        "localhost",
        &db,
        &format!("sslmode=verify-full&sslrootcert={certificate}"),
    );
    let deploy = project.migrate(&verified, &["deploy"]);
    assert_eq!(code(&deploy), 0, "{}", all_output(&deploy));
    assert!(migrated_over_tls(&db));
    let status = project.migrate(&verified, &["status"]);
    assert_eq!(code(&status), 0, "{}", all_output(&status));

    // require verifies too: Mozilla's roots do not hold a self-signed certificate.
    let unknown = project.migrate(&url("localhost", &db, "sslmode=require"), &["status"]);
    assert_eq!(code(&unknown), 2, "{}", all_output(&unknown));
    let text = all_output(&unknown);
    assert!(text.contains("cannot connect to localhost:"), "{text}");
    assert!(text.contains("certificate"), "{text}");
    assert!(text.contains("sslrootcert=/path/to/ca.pem"), "{text}");
    assert!(!text.contains(SECRET), "{text}");

    // The certificate names localhost, not 127.0.0.1: verify-full refuses
    // it there, verify-ca checks only the chain.
    let by_address = |mode: &str| {
        url(
            "127.0.0.1",
            &db,
            &format!("sslmode={mode}&sslrootcert={certificate}"),
        )
    };
    let wrong_name = project.migrate(&by_address("verify-full"), &["status"]);
    assert_eq!(code(&wrong_name), 2, "{}", all_output(&wrong_name));
    assert!(!all_output(&wrong_name).contains(SECRET));
    let chain_only = project.migrate(&by_address("verify-ca"), &["status"]);
    assert_eq!(code(&chain_only), 0, "{}", all_output(&chain_only));

    // prefer (the default) encrypts without checking, as libpq; disable
    // connects in clear.
    for (options, encrypted) in [
        ("sslmode=prefer", true),
        ("", true),
        ("sslmode=disable", false),
    ] {
        let fresh = TestDatabase::new("cli_tls_mode");
        let output = project.migrate(&url("127.0.0.1", &fresh, options), &["deploy"]);
        assert_eq!(code(&output), 0, "{options}: {}", all_output(&output));
        assert_eq!(migrated_over_tls(&fresh), encrypted, "{options}");
    }

    // A certificate file that cannot be read, a mode that does not exist.
    for options in [
        "sslmode=verify-full&sslrootcert=/nonexistent/root.crt",
        "sslmode=verify-everything",
    ] {
        let output = project.migrate(&url("localhost", &db, options), &["status"]);
        assert_eq!(code(&output), 2, "{options}: {}", all_output(&output));
        let text = all_output(&output);
        assert!(!text.contains(SECRET), "{text}");
        assert!(
            text.contains("sslrootcert=/nonexistent/root.crt: cannot read the certificate file")
                || text.contains("sslmode=verify-everything: expected disable, prefer, require, verify-ca or verify-full"),
            "{text}"
        );
    }
}
