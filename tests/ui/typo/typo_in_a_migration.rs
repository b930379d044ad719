// A migration with typos fails the build with PostgreSQL's own syntax
// errors, each where it stands, before any query is checked against it.
fn main() {
    let _ = migrate::query!("SELECT id, name FROM tags");
}
