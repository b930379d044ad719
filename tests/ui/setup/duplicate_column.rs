fn main() {
    let _ = migrate::query!("SELECT users.id, tasks.id FROM users JOIN tasks ON tasks.owner_id = users.id");
}
