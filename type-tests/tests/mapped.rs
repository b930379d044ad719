//! Types the project maps in `[package.metadata.migrate.types]`: enums,
//! composites (and arrays of both) and a table's row type read and write as
//! the derived Rust types, against PostgreSQL.

use migrate::types::Interval;
use migrate_type_tests::{Build, HeaderPair, IdAndLabel, Priority, TaskRef, TaskStatus, database};

#[test]
fn enums_and_composites_round_trip_as_their_rust_types() {
    let (_db, mut client) = database("mapped");
    let headers = vec![
        HeaderPair {
            name: "content-type".to_owned(),
            value: Some(b"text/plain".to_vec()),
        },
        HeaderPair {
            name: "empty".to_owned(),
            value: None,
        },
    ];
    let id: i32 = migrate::query_scalar!(
        "INSERT INTO tasks (status, statuses, headers, main_header) VALUES ($1, $2, $3, $4) RETURNING id",
        TaskStatus::InProgress,
        vec![TaskStatus::Todo, TaskStatus::Finished],
        &headers,
        None::<HeaderPair>
    )
    .fetch_one(&mut client)
    .unwrap();
    let row = migrate::query!(
        "SELECT status, status::text AS label, statuses, headers, main_header FROM tasks WHERE id = $1",
        id
    )
    .fetch_one(&mut client)
    .unwrap();
    let status: TaskStatus = row.status;
    assert_eq!(status, TaskStatus::InProgress);
    assert_eq!(row.label, "IN_PROGRESS");
    assert_eq!(
        row.statuses,
        Some(vec![Some(TaskStatus::Todo), Some(TaskStatus::Finished)])
    );
    assert_eq!(
        row.headers,
        Some(headers.iter().cloned().map(Some).collect())
    );
    assert_eq!(row.main_header, None);
    let done: i64 = migrate::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM tasks WHERE status = $1 OR $2 = ANY(statuses)"#,
        TaskStatus::Finished,
        Some(TaskStatus::Finished)
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(done, 1);
    let pair = migrate::query_scalar!(
        "UPDATE tasks SET main_header = $1 WHERE id = $2 RETURNING main_header",
        &headers[0],
        id
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(pair, Some(headers[0].clone()));
}

#[test]
fn a_table_row_and_an_anonymous_record_read_as_derived_structs() {
    let (_db, mut client) = database("rowtype");
    migrate::query!(
        "INSERT INTO builds (branch, duration) VALUES ($1, $2), ($3, NULL)",
        "main",
        Interval::new(0, 0, 90_000_000),
        "dev"
    )
    .execute(&mut client)
    .unwrap();
    let builds: Vec<Option<Build>> = migrate::query_scalar!("SELECT b FROM builds b ORDER BY b.id")
        .fetch_all(&mut client)
        .unwrap()
        .into_iter()
        .map(Some)
        .collect();
    assert_eq!(
        builds,
        vec![
            Some(Build {
                id: 1,
                branch: "main".to_owned(),
                duration: Some(Interval::new(0, 0, 90_000_000)),
            }),
            Some(Build {
                id: 2,
                branch: "dev".to_owned(),
                duration: None,
            }),
        ]
    );
    // An anonymous record read through an override, as sqlx users write it.
    let pair = migrate::query_scalar!(
        r#"SELECT ('x-id', '\x0102'::bytea) AS "pair!: migrate_type_tests::HeaderPair""#
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(
        pair,
        HeaderPair {
            name: "x-id".to_owned(),
            value: Some(vec![1, 2]),
        }
    );
}

#[test]
fn an_enum_inside_a_composite_and_records_as_structs() {
    let (_db, mut client) = database("nested");
    let task = TaskRef {
        id: 7,
        status: TaskStatus::Finished,
    };
    let row = migrate::query!(
        "SELECT $1::task_ref AS task, ARRAY[$1::task_ref] AS tasks, ($1::task_ref).status AS status",
        &task
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.task, Some(task.clone()));
    assert_eq!(row.tasks, vec![Some(task)]);
    assert_eq!(row.status, Some(TaskStatus::Finished));
    let records = migrate::query_scalar!(
        r#"SELECT array_agg((t.id, t.label) ORDER BY t.id) AS "records!: Vec<migrate_type_tests::IdAndLabel>"
           FROM (VALUES (1, 'one'), (2, 'two')) AS t (id, label)"#
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(
        records,
        vec![
            IdAndLabel {
                id: 1,
                label: "one".to_owned()
            },
            IdAndLabel {
                id: 2,
                label: "two".to_owned()
            }
        ]
    );
}

#[test]
fn a_type_mapped_by_its_derive_alone() {
    let (_db, mut client) = database("derived");
    // `priority` is in no `[package.metadata.migrate.types]`: the derive in
    // the library maps it, so its column comes back as `Priority` and its
    // parameter takes one (a `&str` would not compile).
    let id: i32 = migrate::query_scalar!(
        "INSERT INTO documents (title, priority) VALUES ('urgent', $1) RETURNING id",
        Priority::High
    )
    .fetch_one(&mut client)
    .unwrap();
    let row = migrate::query!(
        "SELECT priority, priority::text AS label, ARRAY[priority] AS all_of_them FROM documents WHERE id = $1",
        id
    )
    .fetch_one(&mut client)
    .unwrap();
    let priority: Priority = row.priority;
    assert_eq!(priority, Priority::High);
    assert_eq!(row.label, "high");
    let all: Vec<Priority> = row.all_of_them;
    assert_eq!(all, vec![Priority::High]);
}
