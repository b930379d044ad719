fn main() {
    let _: &'static str = migrate::sql!("SELEC id FROM users");
}
