//! `migrate schema`: the schema the migrations fold into, printed without a
//! database.

use std::fmt::Write as _;

use migrate_core::ddl::quote_ident;
use migrate_core::{Prelude, PreludeKind, PreludeOrigin};

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
    // What existed before migration 1: the tool's bookkeeping table is left
    // out, the assumed objects are named as assumed.
    let schema = &folded.schema;
    let mut own = schema.without_prelude();
    let text = match args.format {
        Format::Sql => {
            let mut text = migrate_core::ddl::schema_sql(&own);
            text.push_str(&assumed_sql(&schema.prelude));
            text
        }
        Format::Json => {
            own.prelude.objects = schema.prelude.assumed().cloned().collect();
            let mut json = serde_json::to_string_pretty(&own).map_err(|error| {
                Failure::new(format_args!("cannot write the schema as JSON: {error}"))
            })?;
            json.push('\n');
            json
        }
        Format::Tsv => migrate_build::render::columns_tsv(&own),
    };
    print(&text)
}

/// The assumed objects, as comments: the migrations use them and never
/// create them.
fn assumed_sql(prelude: &Prelude) -> String {
    let mut by_file: Vec<(&str, Vec<String>)> = Vec::new();
    for object in prelude.assumed() {
        let PreludeOrigin::Assumed { file } = &object.origin else {
            continue;
        };
        let what = match object.kind {
            PreludeKind::Namespace if object.name.name == "public" => continue,
            PreludeKind::Namespace => format!("schema {}", quote_ident(&object.name.name)),
            PreludeKind::Extension => format!("extension {}", quote_ident(&object.name.name)),
            PreludeKind::Relation => format!("relation {}", object.name),
            PreludeKind::Type => format!("type {}", object.name),
            PreludeKind::Sequence => format!("sequence {}", object.name),
            PreludeKind::Index => format!("index {}", object.name),
            PreludeKind::Function => format!("function {}", object.name),
        };
        match by_file.iter_mut().find(|(seen, _)| *seen == file.as_str()) {
            Some((_, objects)) => objects.push(what),
            None => by_file.push((file, vec![what])),
        }
    }
    let mut text = String::new();
    for (file, objects) in by_file {
        let _ = writeln!(
            text,
            "\n-- Assumed to exist before migration 1 ({file}); the migrations never create them:"
        );
        for object in objects {
            let _ = writeln!(text, "--   {object}");
        }
    }
    text
}
