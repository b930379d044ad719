// With the `uuid` feature of migrate, uuid columns come back as `uuid::Uuid`.
fn main() {
    let query = migrate::query!("SELECT uid FROM notes");
    let _ = query;
}
