fn main() {
    let _ = migrate::query_file!("bad_query.sql", 1_i64);
}
