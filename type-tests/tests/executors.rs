//! Every executor a checked query runs on, against PostgreSQL: the sync and
//! async clients and transactions, the connections of deadpool, bb8 and
//! r2d2, `migrate::Cached`, and each in `migrate::Unprepared`, each with
//! `fetch_all`, `fetch_one`, `fetch_optional`, `fetch` (an iterator or a
//! stream) and `execute`, written as `query.fetch_all(&conn)` with no deref
//! by hand.

mod common;

use common::{bb8_pool, block_on, deadpool, r2d2_pool, tokio_client};
use migrate_test_support::TestDatabase;

/// A database of its own with the test migrations run.
fn database(prefix: &str) -> TestDatabase {
    migrate_type_tests::database(prefix).0
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
    let pool = r2d2_pool(&db.url);
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
        let pool = deadpool(&db.url, 1);
        let mut conn = pool.get().await.unwrap();
        {
            let transaction = conn.transaction().await.unwrap();
            async_checks!(transaction);
            // Rolled back when dropped.
        }
        // Each query prepared once, in deadpool's cache of the connection;
        // the transaction's statements are the connection's.
        assert_eq!(conn.statement_cache.size(), 7);
        async_checks!(conn);
        assert_eq!(conn.statement_cache.size(), 7);
    });
}

#[test]
fn bb8_connection() {
    let db = database("exec_bb8");
    block_on(async {
        let pool = bb8_pool(&db.url).await;
        let conn = pool.get().await.unwrap();
        async_checks!(conn);
    });
}

#[test]
fn unprepared_sync_executors() {
    let db = database("exec_unprepared_sync");
    let mut client = db.client();
    // By reference around an owned connection or transaction: an r2d2
    // connection, a client, a transaction, a `Cached` client.
    let pool = r2d2_pool(&db.url);
    let mut unprepared = migrate::Unprepared(pool.get().unwrap());
    sync_checks!(unprepared);
    drop(unprepared);
    client.batch_execute("DELETE FROM notes").unwrap();
    let mut unprepared = migrate::Unprepared(&mut client);
    sync_checks!(unprepared);
    client.batch_execute("DELETE FROM notes").unwrap();
    let mut transaction = client.transaction().unwrap();
    let mut unprepared = migrate::Unprepared(&mut transaction);
    sync_checks!(unprepared);
    transaction.rollback().unwrap();
    let mut cached = migrate::Cached::new(db.client());
    let mut unprepared = migrate::Unprepared(&mut cached);
    sync_checks!(unprepared);
    assert_eq!(cached.prepared(), 0, "nothing prepared through Unprepared");
    // By value around a borrowed one.
    let body = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 2_i64)
        .fetch_one(migrate::Unprepared(&mut client))
        .unwrap();
    assert_eq!(body, "two");
    let ids: Vec<i64> = migrate::query_scalar!("SELECT id FROM notes ORDER BY id")
        .fetch(migrate::Unprepared(&mut cached))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, [1, 2]);
    let updated = migrate::query!("UPDATE notes SET body = body WHERE id = $1", 1_i64)
        .execute(migrate::Unprepared(&mut cached))
        .unwrap();
    assert_eq!(updated, 1);
    assert_eq!(cached.prepared(), 0);
}

#[test]
fn unprepared_async_executors() {
    let db = database("exec_unprepared_async");
    block_on(async {
        let pool = deadpool(&db.url, 1);
        let mut conn = pool.get().await.unwrap();
        {
            let transaction = conn.transaction().await.unwrap();
            let unprepared = migrate::Unprepared(&transaction);
            async_checks!(unprepared);
        }
        let unprepared = migrate::Unprepared(&conn);
        async_checks!(unprepared);
        assert_eq!(conn.statement_cache.size(), 0, "nothing prepared");
        // By value around a borrowed connection.
        let body = migrate::query_scalar!("SELECT body FROM notes WHERE id = $1", 2_i64)
            .fetch_one(migrate::Unprepared(&conn))
            .await
            .unwrap();
        assert_eq!(body, "two");
        let mut rows = migrate::query_scalar!("SELECT id FROM notes ORDER BY id")
            .fetch(migrate::Unprepared(&conn));
        let mut ids = Vec::new();
        while let Some(id) = rows.next().await {
            ids.push(id.unwrap());
        }
        assert_eq!(ids, [1, 2]);
        assert_eq!(conn.statement_cache.size(), 0, "nothing prepared");
        conn.batch_execute("DELETE FROM notes").await.unwrap();
        let client = tokio_client(&db.url).await;
        let unprepared = migrate::Unprepared(&client);
        async_checks!(unprepared);
        client.batch_execute("DELETE FROM notes").await.unwrap();
        let cached = migrate::Cached::new(client);
        let unprepared = migrate::Unprepared(&cached);
        async_checks!(unprepared);
        assert_eq!(cached.prepared(), 0, "nothing prepared through Unprepared");
        cached
            .client()
            .batch_execute("DELETE FROM notes")
            .await
            .unwrap();
        let bb8 = bb8_pool(&db.url).await;
        let unprepared = migrate::Unprepared(bb8.get().await.unwrap());
        async_checks!(unprepared);
    });
}
