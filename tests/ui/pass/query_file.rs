fn run(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let tasks = migrate::query_file!("open_tasks.sql", 7_i64).fetch_all(client)?;
    for task in tasks {
        let _: (i32, String, Vec<Option<String>>, Option<f32>) = (task.id, task.title, task.tags, task.estimate);
    }
    Ok(())
}

fn main() {
    let _ = run;
}
