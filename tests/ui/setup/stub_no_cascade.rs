// After an error the macro still expands to a query whose rows have rustc's
// error type, so the rest of the function type-checks and using a field of
// the rows reports nothing more: one mistake, one error.
fn run(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let rows = migrate::query!("SELECT id, emial FROM users").fetch_all(client)?;
    for row in rows {
        println!("{} {}", row.id, row.email);
    }
    Ok(())
}

// The same for query_scalar!: the value keeps the error type.
fn count(client: &mut postgres::Client) -> Result<i64, postgres::Error> {
    let n = migrate::query_scalar!("SELECT count(*) FROM user").fetch_one(client)?;
    Ok(n + 1)
}

fn main() {
    let _ = run;
    let _ = count;
}
