static MIGRATIONS: migrate::Migrations = migrate::embed!();

fn main() {
    let _ = &MIGRATIONS;
}
