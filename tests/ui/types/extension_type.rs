fn main() {
    let _ = migrate::query!("SELECT id, embedding FROM extension_samples");
}
