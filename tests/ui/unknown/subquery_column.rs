fn main() {
    let _ = migrate::query!(
        "SELECT email FROM users WHERE id IN (SELECT owner FROM tasks)"
    );
}
