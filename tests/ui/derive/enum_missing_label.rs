// The migrations give "TaskStatus" the labels TODO, DOING and DONE.
#[derive(Debug, migrate::Enum)]
#[migrate(type_name = "TaskStatus", rename_all = "UPPERCASE")]
enum TaskStatus {
    Todo,
    Doing,
}

fn main() {
    let _ = (TaskStatus::Todo, TaskStatus::Doing);
}
