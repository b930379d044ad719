fn main() {
    let sql = "SELECT id FROM users";
    let _ = migrate::query!(sql);
}
