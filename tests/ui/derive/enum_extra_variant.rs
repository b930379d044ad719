// The seeds' accident: a label the migrations renamed long ago.
#[derive(Debug, migrate::Enum)]
#[migrate(type_name = "TaskStatus", rename_all = "UPPERCASE")]
enum TaskStatus {
    Todo,
    Doing,
    #[migrate(rename = "pending")]
    Pending,
    Done,
}

fn main() {
    let _ = (TaskStatus::Todo, TaskStatus::Doing, TaskStatus::Pending, TaskStatus::Done);
}
