fn main() {
    let _ = migrate::query!("INSERT INTO users (email, nickname) VALUES ($1, $2)", "a@example.com", "al");
}
