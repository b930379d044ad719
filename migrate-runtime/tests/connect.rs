//! Connecting never hangs: a port that accepts and never answers, and one
//! that answers garbage, each end in an error naming the host and port and
//! never the password, within `connect_timeout`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

use migrate_runtime::Error;
use migrate_test_support::TestDatabase;

/// A listener on a free local port, serving each connection with `serve`
/// on a thread of its own for as long as the test runs.
fn listener(serve: fn(std::net::TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let port = listener.local_addr().expect("its address").port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || serve(stream));
        }
    });
    port
}

/// Accepts, reads what comes and never answers (Redis, to PostgreSQL's
/// startup message, waits for a line that never ends).
fn silent(mut stream: std::net::TcpStream) {
    let mut buffer = [0_u8; 1024];
    while matches!(stream.read(&mut buffer), Ok(n) if n > 0) {}
}

/// Answers what a web server would, and closes.
fn garbage(mut stream: std::net::TcpStream) {
    let mut buffer = [0_u8; 1024];
    let _ = stream.read(&mut buffer);
    let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
}

fn connect_error(url: &str) -> String {
    match migrate_runtime::connect(url) {
        Ok(_) => panic!("connected to {url}"),
        Err(error @ Error::Connect { .. }) => error.to_string(),
        Err(other) => panic!("not a connect error: {other:?}"),
    }
}

#[test]
fn a_port_that_never_answers_fails_within_connect_timeout() {
    let port = listener(silent);
    for sslmode in ["disable", "prefer"] {
        let message = connect_error(&format!(
            "postgres://app:s3cret@127.0.0.1:{port}/x?connect_timeout=1&sslmode={sslmode}"
        ));
        assert_eq!(
            message,
            format!(
                "cannot connect to 127.0.0.1:{port} (database \"x\", user \"app\"): no answer to PostgreSQL's startup handshake within 1 s: the port accepted the connection, but what listens there does not speak PostgreSQL's protocol (or the server is overloaded); check the host and port, or wait longer with connect_timeout=<seconds> in the URL"
            )
        );
    }
}

#[test]
fn a_port_that_answers_garbage_is_named_as_not_postgresql() {
    let port = listener(garbage);
    let message = connect_error(&format!(
        "postgres://app:s3cret@127.0.0.1:{port}/x?connect_timeout=5&sslmode=disable"
    ));
    assert!(
        message.starts_with(&format!(
            "cannot connect to 127.0.0.1:{port} (database \"x\", user \"app\"): the server answered something that is not PostgreSQL's protocol"
        )),
        "{message}"
    );
    assert!(!message.contains("s3cret"), "{message}");
    assert!(!message.contains("bytes remaining on stream"), "{message}");
    // With sslmode=prefer the first byte answers the TLS request.
    let message = connect_error(&format!(
        "postgres://app:s3cret@127.0.0.1:{port}/x?connect_timeout=5"
    ));
    assert!(
        message.contains("the server answered something that is not PostgreSQL's protocol"),
        "{message}"
    );
}

#[test]
fn a_closed_port_and_a_wrong_database_say_so() {
    // Bind, note the port, and close: nothing listens there any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let message = connect_error(&format!("postgres://app:s3cret@127.0.0.1:{port}/x"));
    assert_eq!(
        message,
        format!(
            "cannot connect to 127.0.0.1:{port} (database \"x\", user \"app\"): connection refused: nothing listens on that port; is PostgreSQL running there?"
        )
    );

    let db = TestDatabase::new("rt_connect");
    let missing = migrate_test_support::with_database(&db.url, "no_such_database_here");
    let message = connect_error(&missing);
    assert!(
        message.ends_with(": database \"no_such_database_here\" does not exist"),
        "{message}"
    );
    // And a real server within the bound.
    let mut client = migrate_runtime::connect(&db.url).expect("connect to the test database");
    client.simple_query("SELECT 1").expect("a query");
}
