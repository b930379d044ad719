//! TLS with rustls (feature `tls`) against the local server, whose
//! certificate is Debian's self-signed one for `localhost`.
#![cfg(feature = "tls")]

mod common;

use common::{migrations, numbered};
use migrate_runtime::tls::{self, Tls};
use migrate_runtime::{DriftPolicy, Error};
use migrate_test_support::TestDatabase;

/// The server's certificate, read where the server says it is.
fn server_certificate(db: &TestDatabase) -> Vec<u8> {
    let mut client = db.client();
    let ssl: String = client.query_one("SHOW ssl", &[]).unwrap().get(0);
    assert_eq!(
        ssl, "on",
        "the test server must offer TLS (Debian's default)"
    );
    let path: String = client.query_one("SHOW ssl_cert_file", &[]).unwrap().get(0);
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

fn localhost_url(db: &TestDatabase) -> String {
    format!(
        "postgres://postgres@localhost:5432/{}?sslmode=require",
        db.name
    )
}

#[test]
fn migrates_over_tls_with_the_servers_certificate() {
    let db = TestDatabase::new("rt_tls");
    let tls = Tls::empty()
        .add_pem_certificates(&server_certificate(&db))
        .unwrap();
    let mut client = postgres::Client::connect(&localhost_url(&db), tls.connector()).unwrap();
    let encrypted: bool = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(encrypted);
    let report = migrations(&numbered(2))
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 2);
}

#[test]
fn the_certificate_is_verified() {
    let db = TestDatabase::new("rt_tls_verify");
    // Mozilla's roots do not include a self-signed certificate.
    let Err(error) = tls::connect(&localhost_url(&db)) else {
        panic!("a self-signed certificate was accepted");
    };
    let message = error.to_string();
    assert!(
        message.starts_with("cannot connect to localhost:"),
        "{message}"
    );
    assert!(message.contains("certificate"), "{message}");
}

#[test]
fn a_bundle_without_certificates_is_refused() {
    let error = Tls::empty()
        .add_pem_certificates(b"not a certificate")
        .unwrap_err();
    assert!(matches!(error, Error::Tls { .. }));
    expect_test::expect!["tls: the PEM bundle holds no certificate"].assert_eq(&error.to_string());
}
