fn main() {
    let _ = migrate::query!("SELECT id FROM users", 1_i64);
}
