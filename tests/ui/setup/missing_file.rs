fn main() {
    let _ = migrate::query_file!("queries/does_not_exist.sql");
}
