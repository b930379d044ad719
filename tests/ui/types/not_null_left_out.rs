fn main() {
    let _ = migrate::query!("INSERT INTO tasks (title) VALUES ($1)", "write tests");
}
