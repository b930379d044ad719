fn main() {
    let _ = migrate::query!("SELECT count(*) + 1 FROM users");
}
