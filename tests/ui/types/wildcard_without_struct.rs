// `"name: _"` takes the type of query_as!'s struct field; query! has none,
// and an txid_snapshot has no Rust type of migrate's.
fn main() {
    let _ = migrate::query!(r#"SELECT txid_current_snapshot() AS "snapshot: _""#);
}
