// sqlx's wildcard override: `"name: _"` reads the column as the type of
// query_as!'s struct field, unchecked, whatever the column's SQL type.
struct Snapshot(Vec<u8>);

impl<'r> postgres::types::FromSql<'r> for Snapshot {
    fn from_sql(
        _: &postgres::types::Type,
        raw: &'r [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Snapshot(raw.to_vec()))
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }
}

struct Task {
    id: i64,
    title: Option<String>,
    snapshot: Snapshot,
}

fn run(client: &mut postgres::Client) -> Result<Task, postgres::Error> {
    migrate::query_as!(
        Task,
        r#"SELECT id::int8 AS "id: _", title AS "title: _", txid_current_snapshot() AS "snapshot!: _" FROM tasks"#
    )
    .fetch_one(client)
}

fn main() {
    let _ = run;
}
