// After an error the macro still has a type: using the rows reports nothing more.
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
