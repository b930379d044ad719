fn main() {
    let _ = migrate::query!("SELECT ROW(relname, relacl) AS pair FROM pg_class");
}
