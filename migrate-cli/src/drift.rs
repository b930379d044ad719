//! `migrate drift`: the live database against the migrations' fold.

use migrate_runtime::drift::check;
use serde_json::json;

use crate::Failure;
use crate::db::DatabaseArgs;
use crate::diff::fix_sql;
use crate::migrations::MigrationsArgs;
use crate::output::print;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    migrations: MigrationsArgs,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let folded = args.migrations.fold()?;
    let mut client = args.database.connect()?;
    let differences = check(&mut client, &folded.schema, &args.database.history_name()?)?;
    let text = if args.json {
        let items: Vec<_> = differences
            .iter()
            .map(crate::output::difference_json)
            .collect();
        crate::output::json_document(
            json!({ "drift": !differences.is_empty(), "differences": items }),
        )
    } else if differences.is_empty() {
        "no drift: the database matches the migrations\n".to_owned()
    } else {
        let mut text = format!(
            "-- the database differs from the migrations in {} place{}; this SQL removes the drift:\n\n",
            differences.len(),
            if differences.len() == 1 { "" } else { "s" }
        );
        text.push_str(&fix_sql(&differences));
        text
    };
    print(&text)?;
    if differences.is_empty() {
        Ok(())
    } else {
        Err(Failure::findings())
    }
}
