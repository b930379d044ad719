fn main() {
    // aclitem has no binary form: no Rust type can read it.
    let _ = migrate::query!("SELECT relname, relacl FROM pg_class");
    let _ = migrate::query!("SELECT $1::aclitem IS NULL AS absent", "postgres=r/postgres");
    // PostgreSQL refuses every pg_ndistinct a client sends.
    let _ = migrate::query!("SELECT $1::pg_ndistinct IS NULL AS absent", 0_i32);
}
