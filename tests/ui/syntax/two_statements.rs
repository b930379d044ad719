fn main() {
    let _ = migrate::query!("DELETE FROM tasks; DELETE FROM users");
}
