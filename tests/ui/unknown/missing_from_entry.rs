fn main() {
    let _ = migrate::query!("SELECT t.title FROM tasks AS task");
}
