// Folds migrations/ into the schema the query! calls are checked against, and
// prepares what `migrate::embed!()` carries into the binary.
fn main() {
    migrate_build::compile();
}
