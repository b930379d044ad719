struct Task {
    id: i64,
    title: String,
    tags: Vec<Option<String>>,
    estimate: Option<f32>,
}

fn main() {
    let _ = migrate::query_file_as!(Task, "../pass/open_tasks.sql", 7_i64);
}
