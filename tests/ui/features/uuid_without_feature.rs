// uuid columns need the `uuid` feature of migrate, which this test does not enable.
fn main() {
    let _ = migrate::query!("SELECT uid FROM notes");
}
