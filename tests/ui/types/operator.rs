fn main() {
    let _ = migrate::query!("SELECT id FROM tasks WHERE details = true");
}
