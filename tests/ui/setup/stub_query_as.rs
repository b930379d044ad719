// With query_as! the rows keep their type after an error: one error only.
struct User {
    id: i64,
    email: String,
}

fn run(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let users = migrate::query_as!(User, "SELECT id, email FROM user").fetch_all(client)?;
    for user in users {
        println!("{} {}", user.id, user.email);
    }
    Ok(())
}

fn main() {
    let _ = run;
}
