fn main() {
    let _ = migrate::query!("SELECT id, lenght(email) AS email_length FROM users");
}
