fn main() {
    let _ = migrate::query!("SELECT id, emial FROM users");
}
