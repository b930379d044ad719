fn main() {
    let _ = migrate::query_as!("SELECT id FROM users");
}
