fn main() {
    let _ = migrate::query!("UPDATE users SET last_login = now() WHERE id = $1", 1_i64);
}
