struct User {
    id: i64,
    display_name: String,
}

fn main() {
    let _ = migrate::query_as!(User, "SELECT id, display_name FROM users");
}
