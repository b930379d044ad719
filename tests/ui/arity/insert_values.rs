fn main() {
    let _ = migrate::query!("INSERT INTO users (email, display_name) VALUES ($1)", "a@example.com");
}
