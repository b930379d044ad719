// sqlx-style overrides in column aliases: "name!" not null, "name?" nullable.
fn run(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let row = migrate::query!(
        r#"SELECT max(id) AS "newest!", min(email) AS "first?" FROM users"#
    )
    .fetch_one(client)?;
    let _: (i64, Option<String>) = (row.newest, row.first);
    Ok(())
}

fn main() {
    let _ = run;
}
