// Folds migrations/ into the schema migrate's macros check against.
fn main() {
    migrate_build::compile();
}
