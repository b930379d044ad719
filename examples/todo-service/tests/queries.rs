//! The checked macros against a real database: the migrations embedded by
//! this package's build script are applied to a fresh database, then rows
//! come back typed through `query!`, `query_as!` and `query_scalar!`, on the
//! sync client, in a transaction, and on the async client.

use migrate_test_support::TestDatabase;

static MIGRATIONS: migrate::Migrations = migrate::embed!();

#[derive(Debug, PartialEq)]
struct Todo {
    id: i64,
    title: String,
    state: String,
    notes: Option<String>,
}

#[test]
fn records_hold_every_column_of_any_width() {
    // A record is read as a whole row and moved into its struct: columns of
    // every size and alignment, owned and nullable, in a row of the widest
    // kind read that way (12 columns), each where it belongs.
    let db = TestDatabase::new("todo_record_layout");
    let mut client = db.client();
    for round in 0..3_i64 {
        let row = migrate::query!(
            "SELECT true AS flag, 7::int2 AS small, $1::text AS words, $2::int8 AS big, \
             NULL::int4 AS nothing, 2.5::float8 AS real, ARRAY['p', 'q'] AS list, \
             'x'::text AS letter, 3::int4 AS medium, NULL::text AS no_text, \
             '\\x0102'::bytea AS bytes, false AS other_flag",
            format!("round {round}"),
            round * 1_000_000_007
        )
        .fetch_one(&mut client)
        .unwrap();
        let words = format!("round {round}");
        assert_eq!(
            (
                row.flag,
                row.small,
                row.words,
                row.big,
                row.nothing,
                row.real
            ),
            (
                true,
                7_i16,
                Some(words),
                Some(round * 1_000_000_007),
                None::<i32>,
                2.5_f64
            )
        );
        assert_eq!(
            (
                row.list,
                row.letter,
                row.medium,
                row.no_text,
                row.bytes,
                row.other_flag
            ),
            (
                vec!["p".to_owned(), "q".to_owned()],
                "x".to_owned(),
                3_i32,
                None::<String>,
                vec![1_u8, 2],
                false
            )
        );
    }
}

#[test]
fn sync_queries_return_typed_rows() {
    let db = TestDatabase::new("todo_sync");
    let mut client = db.client();
    let report = MIGRATIONS.run(&mut client).unwrap();
    assert_eq!(report.applied.len(), 3);

    let created = migrate::query!(
        "INSERT INTO todos (title, notes) VALUES ($1, $2) RETURNING id, title, state, notes",
        "buy milk",
        None::<String>
    )
    .fetch_one(&mut client)
    .unwrap();
    let (id, title, state, notes): (i64, String, String, Option<String>) =
        (created.id, created.title, created.state, created.notes);
    assert_eq!(
        (title.as_str(), state.as_str(), notes),
        ("buy milk", "open", None)
    );

    // Columns the driver reads by itself (one read of the whole row).
    let rows = migrate::query!("SELECT id, title, notes, length(title) AS title_length FROM todos")
        .fetch_all(&mut client)
        .unwrap();
    let read: Vec<(i64, String, Option<String>, Option<i32>)> = rows
        .into_iter()
        .map(|row| (row.id, row.title, row.notes, row.title_length))
        .collect();
    assert_eq!(read, [(id, "buy milk".to_owned(), None, Some(8))]);

    // An enum parameter takes a `String` label.
    let updated = migrate::query!("UPDATE todos SET state = $1 WHERE id = $2", "done", id)
        .execute(&mut client)
        .unwrap();
    assert_eq!(updated, 1);

    let todos = migrate::query_as!(
        Todo,
        "SELECT id, title, state, notes FROM todos WHERE state = $1 ORDER BY id",
        "done"
    )
    .fetch_all(&mut client)
    .unwrap();
    assert_eq!(
        todos,
        vec![Todo {
            id,
            title: "buy milk".to_owned(),
            state: "done".to_owned(),
            notes: None,
        }]
    );

    let count: i64 = migrate::query_scalar!("SELECT count(*) FROM todos")
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(count, 1);

    let missing = migrate::query!("SELECT id FROM todos WHERE id = $1", id + 1000)
        .fetch_optional(&mut client)
        .unwrap();
    assert!(missing.is_none());

    let mut transaction = client.transaction().unwrap();
    migrate::query!("DELETE FROM todos WHERE id = $1", id)
        .execute(&mut transaction)
        .unwrap();
    let inside: i64 = migrate::query_scalar!("SELECT count(*) FROM todos")
        .fetch_one(&mut transaction)
        .unwrap();
    assert_eq!(inside, 0);
    transaction.rollback().unwrap();
    let after: i64 = migrate::query_scalar!("SELECT count(*) FROM todos")
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(after, 1);
}

#[test]
fn async_queries_return_typed_rows() {
    let db = TestDatabase::new("todo_async");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let connection = tokio::spawn(connection);
        MIGRATIONS.run_async(&client).await.unwrap();
        let todo = migrate::query_as!(
            Todo,
            "INSERT INTO todos (title, notes) VALUES ($1, $2) RETURNING id, title, state, notes",
            "walk",
            Some("twice")
        )
        .fetch_one(&client)
        .await
        .unwrap();
        assert_eq!(todo.state, "open");
        assert_eq!(todo.notes.as_deref(), Some("twice"));
        let titles: Vec<String> = migrate::query_scalar!("SELECT title FROM todos ORDER BY id")
            .fetch_all(&client)
            .await
            .unwrap();
        assert_eq!(titles, vec!["walk".to_owned()]);
        drop(client);
        connection.await.unwrap().unwrap();
    });
}

/// The build saved what each checked query uses, for `migrate lint --uses`.
#[test]
fn the_build_saves_what_the_queries_use() {
    let uses = migrate_build::lint::read_uses(std::path::Path::new(concat!(
        env!("OUT_DIR"),
        "/migrate/uses"
    )))
    .expect("the uses directory reads");
    let todos_title = uses.queries.iter().any(|query| {
        query
            .uses
            .iter()
            .any(|used| used.table == "todos" && used.column.as_deref() == Some("title"))
    });
    assert!(todos_title, "no saved query uses todos.title: {uses:#?}");
}
