// After an error the macro still expands to a query, so the rest of the
// function type-checks. FIXME: rustc offers no stable way to make the rows an
// error type, so using a field of them reports a second error, on
// `InvalidQuery`.
fn run(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let rows = migrate::query!("SELECT id, emial FROM users").fetch_all(client)?;
    for row in rows {
        println!("{} {}", row.id, row.email);
    }
    Ok(())
}

fn main() {
    let _ = run;
}
