// Every error of a query is reported, not the first only.
fn main() {
    let _ = migrate::query!(
        "SELECT id, titel
         FROM tasks
         WHERE statu = 'DONE'"
    );
}
