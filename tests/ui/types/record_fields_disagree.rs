// The branches of COALESCE are records whose fields disagree: which fields a
// row has is only known when it runs, so there is no tuple to read it as.
fn main() {
    let _ = migrate::query!("SELECT COALESCE(ROW(id, title), ROW(title, id)) AS either FROM tasks");
}
