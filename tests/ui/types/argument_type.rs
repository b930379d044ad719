fn main() {
    let age = "forty";
    let _ = migrate::query!("SELECT id FROM users WHERE age = $1", age);
}
