//! Every executor a checked query runs on, against PostgreSQL: the sync and
//! async clients and transactions, the connections of deadpool, bb8 and
//! r2d2, and `migrate::Cached`, each with `fetch_all`, `fetch_one`,
//! `fetch_optional`, `fetch` (an iterator or a stream) and `execute`,
//! written as `query.fetch_all(&conn)` with no deref by hand.

use migrate_test_support::TestDatabase;

fn database(prefix: &str) -> TestDatabase {
    let db = TestDatabase::new(prefix);
    migrate_type_tests::MIGRATIONS
        .run(&mut db.client())
        .expect("the test migrations apply");
    db
}

/// The same queries on a sync executor `$conn` (a place: `&mut $conn` is
/// the executor).
macro_rules! sync_checks {
    ($conn:expr) => {{
        let inserted = migrate::query!(
            "INSERT INTO notes (id, body) VALUES ($1, $2), ($3, $4)",
            1_i64,
            "one",
            2_i64,
            "two"
        )
        .execute(&mut $conn)
        .unwrap();
        assert_eq!(inserted, 2);
        let all = migrate::query!("SELECT id, body FROM notes ORDER BY id")
            .fetch_all(&mut $conn)
            .unwrap();
        let all: Vec<(i64, String)> = all.into_iter().map(|note| (note.id, note.body)).collect();
        assert_eq!(all, [(1, "one".to_owned()), (2, "two".to_owned())]);
        let body = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 2_i64)
            .fetch_one(&mut $conn)
            .unwrap();
        assert_eq!(body, "two");
        let missing = migrate::query!("SELECT id, body FROM notes WHERE id = $1", 3_i64)
            .fetch_optional(&mut $conn)
            .unwrap();
        assert!(missing.is_none());
        let present = migrate::query!("SELECT id, body FROM notes WHERE id = $1", 1_i64)
            .fetch_optional(&mut $conn)
            .unwrap();
        assert_eq!(present.map(|note| note.body).as_deref(), Some("one"));
        let none = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 3_i64)
            .fetch_one(&mut $conn);
        assert!(none.is_err(), "fetch_one of no row is an error");
        let ids: Vec<i64> = migrate::query_scalar!("SELECT id FROM notes ORDER BY id")
            .fetch(&mut $conn)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ids, [1, 2]);
        let records: Vec<String> = migrate::query!("SELECT id, body FROM notes ORDER BY id DESC")
            .fetch(&mut $conn)
            .map(|note| note.unwrap().body)
            .collect();
        assert_eq!(records, ["two", "one"]);
        // A failed query is the stream's only item.
        let mut failed = migrate::query_scalar!("SELECT id / 0 FROM notes").fetch(&mut $conn);
        let error = failed.next().unwrap().unwrap_err();
        assert_eq!(
            error.as_db_error().map(|db| db.message()),
            Some("division by zero")
        );
        assert!(failed.next().is_none());
    }};
}

/// The same queries on an async executor `$conn` (a place: `&$conn` is the
/// executor).
macro_rules! async_checks {
    ($conn:expr) => {{
        let inserted = migrate::query!(
            "INSERT INTO notes (id, body) VALUES ($1, $2), ($3, $4)",
            1_i64,
            "one",
            2_i64,
            "two"
        )
        .execute(&$conn)
        .await
        .unwrap();
        assert_eq!(inserted, 2);
        let all = migrate::query!("SELECT id, body FROM notes ORDER BY id")
            .fetch_all(&$conn)
            .await
            .unwrap();
        let all: Vec<(i64, String)> = all.into_iter().map(|note| (note.id, note.body)).collect();
        assert_eq!(all, [(1, "one".to_owned()), (2, "two".to_owned())]);
        let body = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 2_i64)
            .fetch_one(&$conn)
            .await
            .unwrap();
        assert_eq!(body, "two");
        let missing = migrate::query!("SELECT id, body FROM notes WHERE id = $1", 3_i64)
            .fetch_optional(&$conn)
            .await
            .unwrap();
        assert!(missing.is_none());
        let present = migrate::query!("SELECT id, body FROM notes WHERE id = $1", 1_i64)
            .fetch_optional(&$conn)
            .await
            .unwrap();
        assert_eq!(present.map(|note| note.body).as_deref(), Some("one"));
        let none = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 3_i64)
            .fetch_one(&$conn)
            .await;
        assert!(none.is_err(), "fetch_one of no row is an error");
        let mut ids = Vec::new();
        let mut rows = migrate::query_scalar!("SELECT id FROM notes ORDER BY id").fetch(&$conn);
        while let Some(id) = rows.next().await {
            ids.push(id.unwrap());
        }
        assert_eq!(ids, [1, 2]);
        let mut bodies = Vec::new();
        let mut rows = migrate::query!("SELECT id, body FROM notes ORDER BY id DESC").fetch(&$conn);
        while let Some(note) = rows.next().await {
            bodies.push(note.unwrap().body);
        }
        assert_eq!(bodies, ["two", "one"]);
        let mut failed = migrate::query_scalar!("SELECT id / 0 FROM notes").fetch(&$conn);
        let error = failed.next().await.unwrap().unwrap_err();
        assert_eq!(
            error.as_db_error().map(|db| db.message()),
            Some("division by zero")
        );
        assert!(failed.next().await.is_none());
    }};
}

#[test]
fn postgres_client() {
    let db = database("exec_client");
    let mut client = db.client();
    sync_checks!(client);
}

#[test]
fn postgres_transaction() {
    let db = database("exec_transaction");
    let mut client = db.client();
    let mut transaction = client.transaction().unwrap();
    sync_checks!(transaction);
    transaction.rollback().unwrap();
    let left: i64 = migrate::query_scalar!("SELECT count(*) AS \"n!\" FROM notes")
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(left, 0, "the transaction's rows went with it");
}

#[test]
fn r2d2_connection() {
    let db = database("exec_r2d2");
    let manager =
        r2d2_postgres::PostgresConnectionManager::new(db.url.parse().unwrap(), postgres::NoTls);
    let pool = r2d2_postgres::r2d2::Pool::builder()
        .max_size(1)
        .build(manager)
        .unwrap();
    let mut conn = pool.get().unwrap();
    sync_checks!(conn);
}

#[test]
fn cached_postgres_client() {
    let db = database("exec_cached");
    let mut client = migrate::Cached::new(db.client());
    sync_checks!(client);
    // One statement per query, each prepared once however often it ran.
    assert_eq!(client.prepared(), 7);
}

async fn tokio_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// Runs `test` on a runtime of its own (the migrations ran before, on the
/// sync client, which must not run inside one).
fn block_on<F: std::future::Future>(test: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(test)
}

#[test]
fn tokio_postgres_client() {
    let db = database("exec_tokio");
    block_on(async {
        let client = tokio_client(&db.url).await;
        async_checks!(client);
    });
}

#[test]
fn tokio_postgres_transaction() {
    let db = database("exec_tokio_tx");
    block_on(async {
        let mut client = tokio_client(&db.url).await;
        let transaction = client.transaction().await.unwrap();
        async_checks!(transaction);
        transaction.rollback().await.unwrap();
        let kept: i64 = migrate::query_scalar!("SELECT count(*) AS \"n!\" FROM notes")
            .fetch_one(&client)
            .await
            .unwrap();
        assert_eq!(kept, 0, "the transaction's rows went with it");
    });
}

#[test]
fn cached_tokio_client() {
    let db = database("exec_tokio_cached");
    block_on(async {
        let client = migrate::Cached::new(tokio_client(&db.url).await);
        async_checks!(client);
        assert_eq!(client.prepared(), 7);
    });
}

#[test]
fn deadpool_connection_and_transaction() {
    let db = database("exec_deadpool");
    block_on(async {
        let manager =
            deadpool_postgres::Manager::new(db.url.parse().unwrap(), tokio_postgres::NoTls);
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(1)
            .build()
            .unwrap();
        let mut conn = pool.get().await.unwrap();
        {
            let transaction = conn.transaction().await.unwrap();
            async_checks!(transaction);
            // Rolled back when dropped.
        }
        async_checks!(conn);
    });
}

#[test]
fn bb8_connection() {
    let db = database("exec_bb8");
    block_on(async {
        let manager = bb8_postgres::PostgresConnectionManager::new_from_stringlike(
            &db.url,
            tokio_postgres::NoTls,
        )
        .unwrap();
        let pool = bb8_postgres::bb8::Pool::builder()
            .max_size(1)
            .build(manager)
            .await
            .unwrap();
        let conn = pool.get().await.unwrap();
        async_checks!(conn);
    });
}
