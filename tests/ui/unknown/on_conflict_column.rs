fn main() {
    let _ = migrate::query!(
        "INSERT INTO users (email) VALUES ($1) ON CONFLICT (mail) DO NOTHING",
        "a@example.com"
    );
}
