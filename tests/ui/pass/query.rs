// Every macro over every kind of column, type-checked without a database,
// in a crate that forbids unsafe code: what the macros generate is safe to
// use there.
#![forbid(unsafe_code)]

#[derive(Debug)]
struct Task {
    id: i32,
    title: String,
    status: String,
    tags: Vec<Option<String>>,
    details: Option<serde_json::Value>,
}

fn run(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let user = migrate::query!(
        "SELECT id, email, display_name, age, is_admin FROM users WHERE id = $1",
        7_i64
    )
    .fetch_one(&mut *client)?;
    let _: (i64, String, Option<String>, Option<i32>, bool) =
        (user.id, user.email, user.display_name, user.age, user.is_admin);

    let email = String::from("a@example.com");
    let created: i64 = migrate::query_scalar!(
        "INSERT INTO users (email, display_name) VALUES ($1, $2) RETURNING id",
        &email,
        None::<&str>
    )
    .fetch_one(&mut *client)?;

    let tasks: Vec<Task> = migrate::query_as!(
        Task,
        "SELECT id, title, status, tags, details FROM tasks WHERE owner_id = $1 AND status = $2",
        created,
        "DOING"
    )
    .fetch_all(&mut *client)?;
    drop(tasks);

    let n: u64 = migrate::query!("DELETE FROM tasks WHERE id = ANY($1)", &[1_i32, 2][..])
        .execute(&mut *client)?;
    let _ = n;

    let maybe = migrate::query!("SELECT body, attachment, score FROM notes WHERE task_id = $1", 3)
        .fetch_optional(&mut *client)?;
    if let Some(note) = maybe {
        let _: (String, Option<Vec<u8>>, Option<f64>) = (note.body, note.attachment, note.score);
    }

    let sql: &'static str = migrate::sql!("SELECT count(*) FROM users");
    client.query(sql, &[])?;
    Ok(())
}

fn main() {
    let _ = run;
}
