// `"name: _"` takes the type of query_as!'s struct field; query! has none,
// and an aclitem has no Rust type of migrate's.
fn main() {
    let _ = migrate::query!(r#"SELECT relacl[1] AS "acl: _" FROM pg_class"#);
}
