//! Procedures called with CALL, and anonymous records the query builds in
//! other ways than `ROW(..)`, through the macros and back against
//! PostgreSQL: each column comes back as PostgreSQL describes it, an
//! anonymous record as a tuple of its typed fields.

use migrate_type_tests::{HeaderPair, TaskStatus, database};
use postgres::Client;

fn header(name: &str, value: Option<&[u8]>) -> HeaderPair {
    HeaderPair {
        name: name.to_owned(),
        value: value.map(<[u8]>::to_vec),
    }
}

/// One task with two statuses and two headers; its id.
fn a_task(client: &mut Client) -> i32 {
    migrate::query_scalar!(
        "INSERT INTO tasks (status, statuses, headers) VALUES ($1, $2, $3) RETURNING id",
        TaskStatus::InProgress,
        &[TaskStatus::Todo, TaskStatus::Finished][..],
        &[header("a", Some(b"1")), header("b", None)][..]
    )
    .fetch_one(client)
    .unwrap()
}

#[test]
fn call_returns_the_out_and_inout_arguments() {
    let (_db, mut client) = database("call");
    let id = a_task(&mut client);
    // OUT arguments are passed as NULL; an INOUT one as a parameter.
    let row = migrate::query!("CALL task_visit($1, NULL, $2)", id, 41)
        .fetch_one(&mut client)
        .unwrap();
    let status: Option<TaskStatus> = row.status;
    let visits: Option<i32> = row.visits;
    assert_eq!(status, Some(TaskStatus::InProgress));
    assert_eq!(visits, Some(42));
    // A procedure without output arguments returns no row.
    migrate::query!("CALL task_forget($1)", id)
        .execute(&mut client)
        .unwrap();
    let row = migrate::query!("CALL task_visit($1, NULL, 0)", id)
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(row.status, None);
}

#[test]
fn call_by_name_types_each_parameter_as_the_argument_it_names() {
    let (_db, mut client) = database("call_by_name");
    let id = a_task(&mut client);
    // `$1` is the enum `new_status`, `$2` the integer `task`; `note` is
    // left to its default.
    let row = migrate::query!(
        "CALL task_restatus(new_status => $1, task => $2, old_status => NULL)",
        TaskStatus::Finished,
        id
    )
    .fetch_one(&mut client)
    .unwrap();
    let old_status: Option<TaskStatus> = row.old_status;
    let note: Option<String> = row.note;
    assert_eq!(old_status, Some(TaskStatus::InProgress));
    assert_eq!(note.as_deref(), Some("none!"));
    // By position, then by name (`:=` too).
    let row = migrate::query!(
        "CALL task_restatus($1, note := $2, new_status => 'TODO', old_status => NULL)",
        id,
        "seen"
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.old_status, Some(TaskStatus::Finished));
    assert_eq!(row.note.as_deref(), Some("seen!"));
}

#[test]
fn functions_of_out_arguments_are_columns_or_a_record() {
    let (_db, mut client) = database("out_arguments");
    let id = a_task(&mut client);
    let row = migrate::query!("SELECT status, n_headers FROM task_brief($1)", id)
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(row.status, Some(TaskStatus::InProgress));
    assert_eq!(row.n_headers, Some(2));
    let brief = migrate::query_scalar!("SELECT task_brief($1)", id)
        .fetch_one(&mut client)
        .unwrap();
    let brief: Option<(Option<TaskStatus>, Option<i32>)> = brief;
    assert_eq!(brief, Some((Some(TaskStatus::InProgress), Some(2))));
}

#[test]
fn a_derived_tables_whole_row_is_a_tuple() {
    let (_db, mut client) = database("whole_row");
    let id = a_task(&mut client);
    let row = migrate::query!(
        "SELECT d, (SELECT c FROM (SELECT 1 AS one, 'x'::text AS x) c) AS constant
         FROM (SELECT t.id, t.status FROM tasks t WHERE t.id = $1) d",
        id
    )
    .fetch_one(&mut client)
    .unwrap();
    let whole: (i32, TaskStatus) = row.d;
    assert_eq!(whole, (id, TaskStatus::InProgress));
    let constant: Option<(i32, String)> = row.constant;
    assert_eq!(constant, Some((1, "x".to_owned())));
    // A CTE's row, aggregated.
    let rows = migrate::query_scalar!(
        "WITH c AS (SELECT t.id, t.status FROM tasks t) SELECT array_agg(c ORDER BY c.id) FROM c"
    )
    .fetch_one(&mut client)
    .unwrap();
    let rows: Vec<(i32, TaskStatus)> = rows.unwrap();
    assert_eq!(rows, vec![(id, TaskStatus::InProgress)]);
}

#[test]
fn records_through_case_coalesce_and_union() {
    let (_db, mut client) = database("record_branches");
    let id = a_task(&mut client);
    let row = migrate::query!(
        "SELECT COALESCE(ROW(t.id, t.status), ROW(0, 'TODO'::task_status)) AS kept,
                CASE WHEN t.id = $1 THEN ROW(t.id, 'yes'::text) ELSE ROW(0, NULL::text) END AS chosen
         FROM tasks t",
        id
    )
    .fetch_one(&mut client)
    .unwrap();
    let kept: (i32, TaskStatus) = row.kept;
    assert_eq!(kept, (id, TaskStatus::InProgress));
    let chosen: (i32, Option<String>) = row.chosen;
    assert_eq!(chosen, (id, Some("yes".to_owned())));
    let mut rows = migrate::query_scalar!(
        "SELECT ROW(t.id, t.status) FROM tasks t UNION ALL SELECT ROW(-1, 'DONE'::task_status)"
    )
    .fetch_all(&mut client)
    .unwrap();
    rows.sort_by_key(|(id, _)| *id);
    assert_eq!(
        rows,
        vec![(-1, TaskStatus::Finished), (id, TaskStatus::InProgress)]
    );
}

/// A record field of type `task_status[]`, which may be NULL, and whose
/// elements may be.
type Statuses = Option<Vec<Option<TaskStatus>>>;
/// A record field of type `header_pair[]`, likewise.
type Headers = Option<Vec<Option<HeaderPair>>>;

#[test]
fn record_fields_that_are_arrays_of_enums_and_composites() {
    let (_db, mut client) = database("record_arrays");
    let id = a_task(&mut client);
    let row = migrate::query!(
        "SELECT ROW(t.id, t.statuses, t.headers) AS whole, ROW(t.statuses) AS none_yet
         FROM tasks t WHERE t.id = $1",
        id
    )
    .fetch_one(&mut client)
    .unwrap();
    let whole: (i32, Statuses, Headers) = row.whole;
    assert_eq!(
        whole,
        (
            id,
            Some(vec![Some(TaskStatus::Todo), Some(TaskStatus::Finished)]),
            Some(vec![Some(header("a", Some(b"1"))), Some(header("b", None))]),
        )
    );
    // NULL arrays, and record[] of such records.
    migrate::query!("UPDATE tasks SET statuses = NULL WHERE id = $1", id)
        .execute(&mut client)
        .unwrap();
    let records =
        migrate::query_scalar!("SELECT array_agg(ROW(t.statuses, t.headers)) FROM tasks t")
            .fetch_one(&mut client)
            .unwrap();
    let records: Vec<(Statuses, Headers)> = records.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].0, None);
    assert_eq!(records[0].1.as_ref().map(Vec::len), Some(2));
    let _ = row.none_yet;
}

/// `"col: _"` in `query_as!`: the column is read as the struct field's
/// type, as sqlx does, whatever Rust type migrate gives the column itself
/// (`pg_snapshot` here is read by a type of the user's own).
#[test]
fn query_as_wildcard_takes_the_fields_type() {
    let (_db, mut client) = database("wildcard");
    let id = a_task(&mut client);
    /// A `pg_snapshot` as its binary form, a type of the user's own.
    #[derive(Debug)]
    struct Snapshot(Vec<u8>);
    impl<'r> postgres::types::FromSql<'r> for Snapshot {
        fn from_sql(
            _: &postgres::types::Type,
            raw: &'r [u8],
        ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
            Ok(Snapshot(raw.to_vec()))
        }
        fn accepts(ty: &postgres::types::Type) -> bool {
            ty.name() == "pg_snapshot"
        }
    }
    struct Brief {
        id: i64,
        status: Option<String>,
        point: postgres::types::Json<serde_json::Value>,
        snapshot: Option<Snapshot>,
    }
    let brief = migrate::query_as!(
        Brief,
        r#"SELECT t.id::int8 AS "id: _", t.status::text AS "status: _",
                  jsonb_build_object('id', t.id) AS "point: _",
                  pg_current_snapshot() AS "snapshot: _"
           FROM tasks t WHERE t.id = $1"#,
        id
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(brief.id, i64::from(id));
    assert_eq!(brief.status.as_deref(), Some("IN_PROGRESS"));
    assert_eq!(brief.point.0, serde_json::json!({ "id": id }));
    assert!(brief.snapshot.is_some_and(|Snapshot(raw)| !raw.is_empty()));
}
