// header_pair is (name text, value bytea).
#[derive(Debug, migrate::Composite)]
#[migrate(type_name = "header_pair")]
struct HeaderPair {
    key: String,
    value: Vec<u8>,
}

fn main() {
    let _ = HeaderPair { key: String::new(), value: Vec::new() };
}
