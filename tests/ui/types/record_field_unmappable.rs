fn main() {
    let _ = migrate::query!("SELECT ROW(id, txid_current_snapshot()) AS pair FROM tasks");
}
