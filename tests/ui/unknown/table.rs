fn main() {
    let _ = migrate::query!("SELECT id FROM user_accounts WHERE id = $1", 1_i64);
}
