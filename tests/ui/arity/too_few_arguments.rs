fn main() {
    let _ = migrate::query!("SELECT id FROM users WHERE email = $1 AND age > $2", "a@example.com");
}
