// Folds migrations/ into the schema the round-trip queries are checked against.
fn main() {
    migrate_build::compile();
}
