fn main() {
    let _ = migrate::query!("SELECT to_tsvector(title) AS words FROM tasks");
}
