//! How many times a checked query waits for the server: counted by a TCP
//! proxy the test starts between the client and PostgreSQL (or PgBouncer),
//! which reads the client's messages and counts each Sync and each simple
//! Query, the messages after which a client waits for the server's answer.
//!
//! A warm query is one round trip on every executor, and behind PgBouncer
//! in transaction mode through `migrate::Unprepared`; the driver's own
//! `query(&str)`, what the macros called before, is counted beside it so
//! that the counter is seen to count.
//!
//! PgBouncer: see `migrate_test_support::PgBouncer` (`.ci/ensure-services`
//! installs it).

#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{bb8_pool, block_on, deadpool, r2d2_pool, tokio_client};
use migrate_test_support::{PgBouncer, TestDatabase};

/// A proxy on a port of its own that forwards every connection to
/// `upstream` and counts the round trips clients start.
struct CountingProxy {
    port: u16,
    round_trips: Arc<AtomicUsize>,
}

impl CountingProxy {
    fn start(upstream: (String, u16)) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let round_trips = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&round_trips);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect((upstream.0.as_str(), upstream.1)) else {
                    return;
                };
                client.set_nodelay(true).unwrap();
                server.set_nodelay(true).unwrap();
                let (client_in, server_out) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || forward_counting(client_in, server_out, &counter));
                std::thread::spawn(move || forward(server, client));
            }
        });
        Self { port, round_trips }
    }

    /// The round trips since the last call.
    fn take(&self) -> usize {
        self.round_trips.swap(0, Ordering::SeqCst)
    }
}

fn forward(mut from: TcpStream, mut to: TcpStream) {
    let mut buffer = [0; 16 * 1024];
    while let Ok(n) = from.read(&mut buffer) {
        if n == 0 || to.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// Forwards the client's bytes, counting each Sync (`S`) and simple Query
/// (`Q`) before the bytes that hold it go on, so that a count is complete by
/// the time the client has its answer.
fn forward_counting(mut from: TcpStream, mut to: TcpStream, round_trips: &AtomicUsize) {
    const SSL_REQUEST: u32 = 80_877_103;
    const GSSENC_REQUEST: u32 = 80_877_104;
    let mut pending: Vec<u8> = Vec::new();
    // Before the startup message, messages have no type byte.
    let mut startup = true;
    let mut buffer = [0; 16 * 1024];
    while let Ok(n) = from.read(&mut buffer) {
        if n == 0 {
            break;
        }
        pending.extend_from_slice(&buffer[..n]);
        loop {
            let header = if startup { 4 } else { 5 };
            if pending.len() < header {
                break;
            }
            let at = header - 4;
            let length = u32::from_be_bytes(pending[at..at + 4].try_into().unwrap()) as usize;
            let total = at + length;
            if pending.len() < total {
                break;
            }
            if startup {
                let code = u32::from_be_bytes(pending[4..8].try_into().unwrap());
                startup = code == SSL_REQUEST || code == GSSENC_REQUEST;
            } else if matches!(pending[0], b'S' | b'Q') {
                round_trips.fetch_add(1, Ordering::SeqCst);
            }
            pending.drain(..total);
        }
        if to.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// A database with the test migrations and three notes.
fn database(prefix: &str) -> TestDatabase {
    let (db, mut client) = migrate_type_tests::database(prefix);
    client
        .batch_execute("INSERT INTO notes SELECT n, 'note ' || n FROM generate_series(1, 3) n")
        .unwrap();
    db
}

/// A proxy in front of the server `url` names, and `url` through it.
fn through_proxy(url: &str) -> (CountingProxy, String) {
    let config: postgres::Config = url.parse().unwrap();
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(host)) => host.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let proxy = CountingProxy::start((host, port));
    let user = config.get_user().unwrap_or("postgres");
    let password = config
        .get_password()
        .map(|password| format!(":{}", String::from_utf8_lossy(password)))
        .unwrap_or_default();
    let dbname = config.get_dbname().unwrap_or("postgres");
    let url = format!(
        "postgres://{user}{password}@127.0.0.1:{}/{dbname}",
        proxy.port
    );
    (proxy, url)
}

/// Runs each of the four ways to read a query twice on the sync executor
/// `$conn` and returns the round trips of the second run of each:
/// `[fetch_one, fetch_all, fetch_optional, execute, fetch]`.
macro_rules! sync_round_trips {
    ($proxy:expr, $conn:expr) => {{
        let mut counts = Vec::new();
        for run in 0..2 {
            let _ = $proxy.take();
            let note = migrate::query!("SELECT id, body FROM notes WHERE id = $1", 2_i64)
                .fetch_one(&mut $conn)
                .unwrap();
            assert_eq!(note.body, "note 2");
            let one = $proxy.take();
            let all = migrate::query_scalar!("SELECT body FROM notes WHERE id > $1", 0_i64)
                .fetch_all(&mut $conn)
                .unwrap();
            assert_eq!(all.len(), 3);
            let many = $proxy.take();
            let missing = migrate::query_scalar!("SELECT id FROM notes WHERE body = $1", "none")
                .fetch_optional(&mut $conn)
                .unwrap();
            assert_eq!(missing, None);
            let optional = $proxy.take();
            let updated = migrate::query!("UPDATE notes SET body = body WHERE id <= $1", 2_i64)
                .execute(&mut $conn)
                .unwrap();
            assert_eq!(updated, 2);
            let execute = $proxy.take();
            let streamed = migrate::query_scalar!("SELECT id FROM notes WHERE id >= $1", 2_i64)
                .fetch(&mut $conn)
                .count();
            assert_eq!(streamed, 2);
            let fetch = $proxy.take();
            if run == 1 {
                counts = vec![one, many, optional, execute, fetch];
            }
        }
        counts
    }};
}

/// The same on an async executor (`&$conn`).
macro_rules! async_round_trips {
    ($proxy:expr, $conn:expr) => {{
        let mut counts = Vec::new();
        for run in 0..2 {
            let _ = $proxy.take();
            let note = migrate::query!("SELECT id, body FROM notes WHERE id = $1", 2_i64)
                .fetch_one(&$conn)
                .await
                .unwrap();
            assert_eq!(note.body, "note 2");
            let one = $proxy.take();
            let all = migrate::query_scalar!("SELECT body FROM notes WHERE id > $1", 0_i64)
                .fetch_all(&$conn)
                .await
                .unwrap();
            assert_eq!(all.len(), 3);
            let many = $proxy.take();
            let missing = migrate::query_scalar!("SELECT id FROM notes WHERE body = $1", "none")
                .fetch_optional(&$conn)
                .await
                .unwrap();
            assert_eq!(missing, None);
            let optional = $proxy.take();
            let updated = migrate::query!("UPDATE notes SET body = body WHERE id <= $1", 2_i64)
                .execute(&$conn)
                .await
                .unwrap();
            assert_eq!(updated, 2);
            let execute = $proxy.take();
            let mut rows =
                migrate::query_scalar!("SELECT id FROM notes WHERE id >= $1", 2_i64).fetch(&$conn);
            let mut streamed = 0;
            while let Some(id) = rows.next().await {
                id.unwrap();
                streamed += 1;
            }
            assert_eq!(streamed, 2);
            let fetch = $proxy.take();
            if run == 1 {
                counts = vec![one, many, optional, execute, fetch];
            }
        }
        counts
    }};
}

#[test]
fn the_drivers_query_takes_two_round_trips_or_more() {
    let db = database("rt_driver");
    let (proxy, url) = through_proxy(&db.url);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    for _ in 0..2 {
        let _ = proxy.take();
        let rows = client
            .query("SELECT id, body FROM notes WHERE id = $1", &[&2_i64])
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert!(proxy.take() >= 2, "prepare, then bind and execute");
    }
}

#[test]
fn a_warm_query_is_one_round_trip_on_a_postgres_client() {
    let db = database("rt_client");
    let (proxy, url) = through_proxy(&db.url);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    assert_eq!(sync_round_trips!(proxy, client), [1; 5]);
    let mut transaction = client.transaction().unwrap();
    assert_eq!(sync_round_trips!(proxy, transaction), [1; 5]);
}

#[test]
fn a_warm_query_is_one_round_trip_on_a_cached_client() {
    let db = database("rt_cached");
    let (proxy, url) = through_proxy(&db.url);
    let mut client =
        migrate::Cached::new(postgres::Client::connect(&url, postgres::NoTls).unwrap());
    // The first run prepares: one round trip more.
    let _ = proxy.take();
    migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 1_i64)
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(proxy.take(), 2);
    assert_eq!(sync_round_trips!(proxy, client), [1; 5]);
}

#[test]
fn a_warm_query_is_one_round_trip_on_tokio_postgres_cached_and_unprepared() {
    let db = database("rt_tokio");
    let (proxy, url) = through_proxy(&db.url);
    block_on(async {
        let client = tokio_client(&url).await;
        assert_eq!(async_round_trips!(proxy, client), [1; 5]);
        let cached = migrate::Cached::new(tokio_client(&url).await);
        assert_eq!(async_round_trips!(proxy, cached), [1; 5]);
        let pool = deadpool(&url, 1);
        let conn = migrate::Unprepared(pool.get().await.unwrap());
        assert_eq!(async_round_trips!(proxy, conn), [1; 5]);
        assert_eq!(conn.0.statement_cache.size(), 0);
    });
}

#[test]
fn a_warm_query_is_one_round_trip_behind_pgbouncer_in_transaction_mode() {
    let db = database("rt_pgbouncer");
    let bouncer = PgBouncer::start("transaction");
    let proxy = CountingProxy::start(("127.0.0.1".to_owned(), bouncer.port()));
    let url = format!("postgres://postgres@127.0.0.1:{}/{}", proxy.port, db.name);
    // Two clients whose transactions take turns on PgBouncer's two server
    // connections: a statement kept on one is not on the other.
    let mut first = migrate::Unprepared(postgres::Client::connect(&url, postgres::NoTls).unwrap());
    let mut second =
        migrate::Cached::new(postgres::Client::connect(&url, postgres::NoTls).unwrap());
    let mut second = migrate::Unprepared(&mut second);
    for _ in 0..3 {
        assert_eq!(sync_round_trips!(proxy, first), [1; 5]);
        assert_eq!(sync_round_trips!(proxy, second), [1; 5]);
    }
    block_on(async {
        let client = migrate::Unprepared(tokio_client(&url).await);
        assert_eq!(async_round_trips!(proxy, client), [1; 5]);
        let pool = deadpool(&url, 2);
        let (one, two) = (pool.get().await.unwrap(), pool.get().await.unwrap());
        for _ in 0..3 {
            let conn = migrate::Unprepared(&one);
            assert_eq!(async_round_trips!(proxy, conn), [1; 5]);
            let conn = migrate::Unprepared(&two);
            assert_eq!(async_round_trips!(proxy, conn), [1; 5]);
        }
    });
}

#[test]
fn deadpools_default_behind_pgbouncer_in_transaction_mode_loses_its_statements() {
    let db = database("rt_pgbouncer_default");
    let bouncer = PgBouncer::start("transaction");
    let url = bouncer.url(&db.name);
    block_on(async {
        let pool = deadpool(&url, 1);
        let conn = pool.get().await.unwrap();
        // Prepared on PgBouncer's one server connection so far.
        let body = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 1_i64)
            .fetch_one(&conn)
            .await
            .unwrap();
        assert_eq!(body, "note 1");
        // Another client's transaction holds that server connection: this
        // one's next transaction goes to a second, which never saw the
        // statement.
        let other = migrate::Unprepared(tokio_client(&url).await);
        other.0.batch_execute("BEGIN; SELECT 1").await.unwrap();
        let error = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 1_i64)
            .fetch_one(&conn)
            .await
            .unwrap_err();
        let message = error.as_db_error().unwrap().message();
        assert!(
            message.starts_with("prepared statement \"s") && message.ends_with("\" does not exist"),
            "{message}"
        );
        // The way out: the same query in `Unprepared`.
        let body = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 1_i64)
            .fetch_one(migrate::Unprepared(&conn))
            .await
            .unwrap();
        assert_eq!(body, "note 1");
        other.0.batch_execute("COMMIT").await.unwrap();
    });
}

fn labelled(prefix: &str) -> TestDatabase {
    let db = database(prefix);
    db.client()
        .batch_execute(
            "INSERT INTO labels VALUES \
             (1, 'one', 'happy', 'TODO', ROW('a', 'x')), (2, 'two', 'sad', 'DONE', NULL)",
        )
        .unwrap();
    db
}

/// Runs the queries whose parameters have the schema's own types twice on
/// the sync executor `$conn`; the round trips of the second run of each:
/// `[enum, mapped enum, array of enums, domain, composite]`. Were the
/// composite prepared by the driver, which closes the statement after the
/// query without waiting, a query of one round trip after it (`barrier!`)
/// makes sure that the Close is counted with it.
macro_rules! schema_typed_round_trips {
    ($proxy:expr, $conn:expr) => {{
        macro_rules! barrier {
            () => {
                migrate::query_scalar!("SELECT id FROM labels WHERE id = $1", 1_i64)
                    .fetch_one(&mut $conn)
                    .unwrap()
            };
        }
        let mut counts = Vec::new();
        for run in 0..2 {
            barrier!();
            let _ = $proxy.take();
            let id = migrate::query_scalar!("SELECT id FROM labels WHERE feeling = $1", "sad")
                .fetch_one(&mut $conn)
                .unwrap();
            assert_eq!(id, 2);
            let plain_enum = $proxy.take();
            let id = migrate::query_scalar!(
                "SELECT id FROM labels WHERE status = $1",
                migrate_type_tests::TaskStatus::Todo
            )
            .fetch_one(&mut $conn)
            .unwrap();
            assert_eq!(id, 1);
            let mapped_enum = $proxy.take();
            let statuses = vec![
                migrate_type_tests::TaskStatus::Finished,
                migrate_type_tests::TaskStatus::InProgress,
            ];
            let ids = migrate::query_scalar!(
                "SELECT id FROM labels WHERE status = ANY($1) ORDER BY id",
                statuses
            )
            .fetch_all(&mut $conn)
            .unwrap();
            assert_eq!(ids, [2]);
            let enum_array = $proxy.take();
            let renamed =
                migrate::query!("UPDATE labels SET name = $1 WHERE id = $2", "two", 2_i64)
                    .execute(&mut $conn)
                    .unwrap();
            assert_eq!(renamed, 1);
            let domain = $proxy.take();
            let pair = migrate_type_tests::HeaderPair {
                name: "a".to_owned(),
                value: Some(b"x".to_vec()),
            };
            let paired = migrate::query!("UPDATE labels SET pair = $1 WHERE id = $2", pair, 1_i64)
                .execute(&mut $conn)
                .unwrap();
            assert_eq!(paired, 1);
            barrier!();
            let composite = $proxy.take() - 1;
            if run == 1 {
                counts = vec![plain_enum, mapped_enum, enum_array, domain, composite];
            }
        }
        counts
    }};
}

#[test]
fn a_parameter_of_the_schemas_own_type_is_one_round_trip() {
    let db = labelled("rt_schema_types");
    let (proxy, url) = through_proxy(&db.url);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    assert_eq!(schema_typed_round_trips!(proxy, client), [1; 5]);
    let mut cached =
        migrate::Cached::new(postgres::Client::connect(&url, postgres::NoTls).unwrap());
    assert_eq!(schema_typed_round_trips!(proxy, cached), [1; 5]);
}

#[test]
fn a_composite_with_an_attribute_of_the_schemas_own_type_is_prepared() {
    let db = labelled("rt_composite_enum");
    let (proxy, url) = through_proxy(&db.url);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let task = migrate_type_tests::TaskRef {
        id: 7,
        status: migrate_type_tests::TaskStatus::Todo,
    };
    for _ in 0..2 {
        let _ = proxy.take();
        let id = migrate::query_scalar!("SELECT ($1::task_ref).id AS \"id!\"", task.clone())
            .fetch_one(&mut client)
            .unwrap();
        assert_eq!(id, 7);
        // FIXME: its binary form names the enum attribute's type by OID,
        // which only the server knows: the driver prepares the query (two
        // round trips, and a Close that may be counted later).
        assert!(proxy.take() >= 2);
    }
}

/// The queries whose parameters have types only the server can name (an
/// array of composites, an array of domains, a composite with an attribute
/// of an enum), twice on the executor `$executor` (`$($await)*` after each
/// on an async one); the round trips of the second run of each.
macro_rules! server_named_round_trips {
    ($proxy:expr, $executor:expr $(, $await:tt)*) => {{
        let pairs = vec![
            migrate_type_tests::HeaderPair {
                name: "a".to_owned(),
                value: Some(b"x".to_vec()),
            },
            migrate_type_tests::HeaderPair {
                name: "b".to_owned(),
                value: None,
            },
        ];
        let names = vec!["one".to_owned(), "two".to_owned(), "three".to_owned()];
        let task = migrate_type_tests::TaskRef {
            id: 7,
            status: migrate_type_tests::TaskStatus::Todo,
        };
        let mut counts = Vec::new();
        for run in 0..2 {
            let _ = $proxy.take();
            let n = migrate::query_scalar!("SELECT cardinality($1::header_pair[]) AS \"n!\"", pairs.clone())
                .fetch_one($executor)$(.$await)*
                .unwrap();
            assert_eq!(n, 2);
            let composites = $proxy.take();
            let n = migrate::query_scalar!("SELECT cardinality($1::short_text[]) AS \"n!\"", names.clone())
                .fetch_one($executor)$(.$await)*
                .unwrap();
            assert_eq!(n, 3);
            let domains = $proxy.take();
            let id = migrate::query_scalar!("SELECT ($1::task_ref).id AS \"id!\"", task.clone())
                .fetch_one($executor)$(.$await)*
                .unwrap();
            assert_eq!(id, 7);
            let composite = $proxy.take();
            if run == 1 {
                counts = vec![composites, domains, composite];
            }
        }
        counts
    }};
}

#[test]
fn types_only_the_server_names_are_one_round_trip_on_a_warm_prepared_connection() {
    let db = labelled("rt_server_named");
    let (proxy, url) = through_proxy(&db.url);
    let mut cached =
        migrate::Cached::new(postgres::Client::connect(&url, postgres::NoTls).unwrap());
    assert_eq!(server_named_round_trips!(proxy, &mut cached), [1; 3]);
    block_on(async {
        let cached = migrate::Cached::new(tokio_client(&url).await);
        assert_eq!(server_named_round_trips!(proxy, &cached, await), [1; 3]);
        let pool = deadpool(&url, 1);
        let conn = pool.get().await.unwrap();
        assert_eq!(server_named_round_trips!(proxy, &conn, await), [1; 3]);
    });
}

#[test]
fn an_array_of_enums_is_sent_in_the_text_form() {
    let db = labelled("rt_enum_array");
    let mut client = db.client();
    // Quotes, a backslash, a comma and braces in a label: written as
    // PostgreSQL reads them back.
    client
        .batch_execute(r#"ALTER TYPE mood ADD VALUE 'a "quoted", {braced} \ one'"#)
        .unwrap();
    let odd = r#"a "quoted", {braced} \ one"#.to_owned();
    let joined = migrate::query_scalar!(
        "SELECT array_to_string($1::mood[], '|') AS \"joined!\"",
        vec![odd.clone(), "sad".to_owned()]
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(joined, format!("{odd}|sad"));
    let empty: Vec<String> = Vec::new();
    let n = migrate::query_scalar!("SELECT cardinality($1::mood[]) AS \"n!\"", empty)
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(n, 0);
    let n = migrate::query_scalar!(
        "SELECT count(*) AS \"n!\" FROM labels WHERE feeling = ANY($1)",
        vec![odd, "happy".to_owned()]
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_cached_statement_whose_result_type_changed_is_prepared_again() {
    let db = database("rt_stale");
    let mut client = migrate::Cached::new(db.client());
    let body = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 1_i64)
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(body, "note 1");
    // What a statement prepared before the change meets after it.
    let stale = client
        .client_mut()
        .prepare("SELECT body FROM notes WHERE id = $1")
        .unwrap();
    client
        .client_mut()
        .batch_execute("ALTER TABLE notes ALTER COLUMN body TYPE varchar(100)")
        .unwrap();
    let error = client.client_mut().query(&stale, &[&1_i64]).unwrap_err();
    assert_eq!(
        error.as_db_error().map(|db| db.message()),
        Some("cached plan must not change result type")
    );
    let body = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 1_i64)
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(body, "note 1");
    assert_eq!(client.prepared(), 1);
}

#[test]
fn a_stale_cached_statement_is_prepared_again_for_an_iterator() {
    let db = database("rt_stale_fetch");
    let mut client = migrate::Cached::new(db.client());
    // One macro call, so one statement: the same text at two call sites
    // may be two keys.
    let fetched = |client: &mut migrate::Cached<postgres::Client>| {
        migrate::query_scalar!("SELECT body FROM notes WHERE id >= $1 ORDER BY id", 2_i64)
            .fetch(client)
            .collect::<Vec<_>>()
    };
    let bodies = |client: &mut migrate::Cached<postgres::Client>| -> Vec<String> {
        fetched(client).into_iter().map(Result::unwrap).collect()
    };
    assert_eq!(bodies(&mut client), ["note 2", "note 3"]);
    // Another connection changes the column's type: the statement prepared
    // on this one no longer describes the rows.
    db.client()
        .batch_execute("ALTER TABLE notes ALTER COLUMN body TYPE varchar(100)")
        .unwrap();
    assert_eq!(bodies(&mut client), ["note 2", "note 3"]);
    assert_eq!(client.prepared(), 1);
    // In a transaction the first error stands: the transaction is aborted.
    db.client()
        .batch_execute("ALTER TABLE notes ALTER COLUMN body TYPE text")
        .unwrap();
    client.client_mut().batch_execute("BEGIN").unwrap();
    let mut rows = fetched(&mut client);
    assert_eq!(rows.len(), 1, "the error is the only item");
    let error = rows.remove(0).unwrap_err();
    assert_eq!(
        error.as_db_error().map(|db| db.message()),
        Some("cached plan must not change result type")
    );
    client.client_mut().batch_execute("ROLLBACK").unwrap();
    assert_eq!(bodies(&mut client), ["note 2", "note 3"]);
}

#[test]
fn a_warm_query_is_one_round_trip_with_deadpools_statement_cache() {
    let db = database("rt_deadpool_cached");
    let (proxy, url) = through_proxy(&db.url);
    block_on(async {
        let pool = deadpool(&url, 1);
        let conn = pool.get().await.unwrap();
        assert_eq!(async_round_trips!(proxy, conn), [1; 5]);
        // Each query prepared once, in deadpool's cache of the connection.
        assert_eq!(conn.statement_cache.size(), 5);
        drop(conn);
        let _ = proxy.take();
        // A connection taken from the pool for each query, as a service does.
        for _ in 0..3 {
            let conn = pool.get().await.unwrap();
            migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 1_i64)
                .fetch_one(&conn)
                .await
                .unwrap();
        }
        assert_eq!(
            proxy.take(),
            1 + 3,
            "prepared once on the pooled connection, no round trip to check it out"
        );
    });
}

#[test]
fn a_stale_statement_in_deadpools_cache_is_prepared_again() {
    let db = database("rt_deadpool_stale");
    block_on(async {
        let pool = deadpool(&db.url, 1);
        let mut conn = pool.get().await.unwrap();
        let body = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 1_i64)
            .fetch_one(&conn)
            .await
            .unwrap();
        assert_eq!(body, "note 1");
        conn.batch_execute("ALTER TABLE notes ALTER COLUMN body TYPE varchar(100)")
            .await
            .unwrap();
        let body = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 1_i64)
            .fetch_one(&conn)
            .await
            .unwrap();
        assert_eq!(body, "note 1");
        assert_eq!(conn.statement_cache.size(), 1);
        // In a transaction the first error stands (the transaction is
        // aborted), and the stale statement is forgotten all the same.
        conn.batch_execute("ALTER TABLE notes ALTER COLUMN body TYPE text")
            .await
            .unwrap();
        let transaction = conn.transaction().await.unwrap();
        let error = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 1_i64)
            .fetch_one(&transaction)
            .await
            .unwrap_err();
        assert_eq!(
            error.as_db_error().map(|db| db.message()),
            Some("cached plan must not change result type")
        );
        transaction.rollback().await.unwrap();
        assert_eq!(conn.statement_cache.size(), 0);
        let body = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 1_i64)
            .fetch_one(&conn)
            .await
            .unwrap();
        assert_eq!(body, "note 1");
    });
}

#[test]
fn a_warm_query_is_one_round_trip_on_bb8_and_r2d2() {
    let db = database("rt_bb8_r2d2");
    let (proxy, url) = through_proxy(&db.url);
    let pool = r2d2_pool(&url);
    let mut conn = pool.get().unwrap();
    assert_eq!(sync_round_trips!(proxy, conn), [1; 5]);
    drop(conn);
    block_on(async {
        let pool = bb8_pool(&url).await;
        let conn = pool.get().await.unwrap();
        assert_eq!(async_round_trips!(proxy, conn), [1; 5]);
    });
}
