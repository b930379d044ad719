//! `migrate schema`: the schema the migrations fold into, printed without a
//! database.

use crate::Failure;
use crate::migrations::MigrationsArgs;
use crate::output::print;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    migrations: MigrationsArgs,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Sql)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Readable DDL that creates the schema.
    Sql,
    /// The schema model as JSON.
    Json,
    /// The columns as `information_schema.columns` lists them, views
    /// included: table_schema, table_name, column_name, data_type, udt_name,
    /// is_nullable, column_default.
    Tsv,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let folded = args.migrations.fold()?;
    let text = match args.format {
        Format::Sql => migrate_core::ddl::schema_sql(&folded.schema),
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&folded.schema).map_err(|error| {
                Failure::new(format_args!("cannot write the schema as JSON: {error}"))
            })?;
            json.push('\n');
            json
        }
        Format::Tsv => migrate_build::render::columns_tsv(&folded.schema),
    };
    print(&text)
}
