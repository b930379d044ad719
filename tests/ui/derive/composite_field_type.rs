// header_pair is (name text, value bytea).
#[derive(Debug, migrate::Composite)]
#[migrate(type_name = "header_pair")]
struct HeaderPair {
    name: String,
    value: i32,
}

fn main() {
    let _ = HeaderPair { name: String::new(), value: 0 };
}
