// The tool's bookkeeping table (sqlx's here, the layout being sqlx's) and
// migrate's history table exist before migration 1: queries may read them.
fn main() {
    const APPLIED: &str =
        migrate::sql!("SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version");
    const HISTORY: &str = migrate::sql!("SELECT version, applied_by FROM _migrate_history");
    assert!(APPLIED.starts_with("SELECT") && HISTORY.starts_with("SELECT"));
}
