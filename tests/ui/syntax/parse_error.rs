fn main() {
    let _ = migrate::query!("SELECT id FROM users WHERE");
}
