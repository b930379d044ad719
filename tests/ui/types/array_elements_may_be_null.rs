// An array column may hold NULL elements whatever its NOT NULL says: its
// rows come back as `Vec<Option<String>>`, and a `Vec<String>` field is
// refused rather than failing on the first NULL element at run time.
struct Task {
    id: i32,
    tags: Vec<String>,
}

fn main() {
    let _ = migrate::query_as!(Task, "SELECT id, tags FROM tasks");
}
