struct User {
    id: i32,
    email: String,
}

fn main() {
    let _ = migrate::query_as!(User, "SELECT id, email FROM users");
}
