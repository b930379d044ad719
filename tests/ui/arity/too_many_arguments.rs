fn main() {
    let _ = migrate::query!("SELECT id FROM users WHERE id = $1", 1_i64, 2_i64);
}
