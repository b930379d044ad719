fn main() {
    let _ = migrate::query_scalar!("SELECT id, email FROM users");
}
