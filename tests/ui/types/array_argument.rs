fn main() {
    let ids: Vec<i64> = vec![1, 2];
    let _ = migrate::query!("SELECT title FROM tasks WHERE id = ANY($1)", ids);
}
