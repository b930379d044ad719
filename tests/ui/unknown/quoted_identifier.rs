// Quoted identifiers keep their case: "Email" is not the column email.
fn main() {
    let _ = migrate::query!(r#"SELECT "Email" FROM users"#);
}
