fn main() {
    let _ = migrate::query!("SELECT txid_current_snapshot() AS snapshot FROM tasks");
}
