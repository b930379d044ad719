fn main() {
    let _ = migrate::query!("DELETE FROM tasks WHERE id = $1 RETURNING titel", 1);
}
