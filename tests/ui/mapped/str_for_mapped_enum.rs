// MIGRATE_TYPES maps "TaskStatus" to crate::TaskStatus, as
// `[package.metadata.migrate.types]` does with a build script.
#[derive(Debug, migrate::Enum)]
#[migrate(type_name = "TaskStatus", rename_all = "UPPERCASE")]
pub enum TaskStatus {
    Todo,
    Doing,
    Done,
}

fn main() {
    let _ = migrate::query!("SELECT id FROM tasks WHERE status = $1", "pending");
}
