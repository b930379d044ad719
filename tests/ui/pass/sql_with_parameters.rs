// sql! only checks: parameters are bound by the caller's own client.
fn main() {
    const FIND: &str = migrate::sql!("SELECT email FROM users WHERE id = $1");
    assert!(FIND.starts_with("SELECT"));
}
