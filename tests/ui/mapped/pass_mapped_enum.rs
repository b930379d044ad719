// A mapped enum (see tests/ui.rs: MIGRATE_TYPES) comes back as itself and
// is passed as itself, arrays too.
#[derive(Debug, PartialEq, migrate::Enum)]
#[migrate(type_name = "TaskStatus", rename_all = "UPPERCASE")]
pub enum TaskStatus {
    Todo,
    Doing,
    Done,
}

fn run(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let task = migrate::query!(
        "SELECT id, status FROM tasks WHERE status = $1 OR status = ANY($2)",
        TaskStatus::Doing,
        vec![TaskStatus::Todo]
    )
    .fetch_one(client)?;
    let _: TaskStatus = task.status;
    Ok(())
}

fn main() {
    let _ = run;
}
