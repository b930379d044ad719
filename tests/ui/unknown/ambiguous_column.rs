fn main() {
    let _ = migrate::query!("SELECT id FROM users JOIN tasks ON tasks.owner_id = users.id");
}
