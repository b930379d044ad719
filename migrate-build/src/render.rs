//! Printing a [`Schema`] the way PostgreSQL's catalogs show it, so the fold
//! can be diffed against a real database.

use migrate_core::{RelationKind, Schema, UserTypeKind};

/// `information_schema.columns` of the schema as a TSV: the header and rows
/// of the corpus `columns.tsv` files (`table_schema`, `table_name`,
/// `column_name`, `data_type`, `udt_name`, `is_nullable`, `column_default`),
/// rows ordered by schema and table name (byte order, as PostgreSQL's "C"
/// collation sorts them) and then by column position. Views are included;
/// materialized views are not (information_schema leaves them out).
/// A field holding a double quote, tab or line break is written in double
/// quotes with inner quotes doubled, as CSV writers do.
///
/// ```
/// let folded = migrate_build::fold::fold_sql("CREATE TABLE t (id serial PRIMARY KEY, name text);");
/// assert_eq!(
///     migrate_build::render::columns_tsv(&folded.schema),
///     "table_schema\ttable_name\tcolumn_name\tdata_type\tudt_name\tis_nullable\tcolumn_default\n\
///      public\tt\tid\tinteger\tint4\tNO\tnextval('t_id_seq'::regclass)\n\
///      public\tt\tname\ttext\ttext\tYES\t\n"
/// );
/// ```
pub fn columns_tsv(schema: &Schema) -> String {
    let mut out = String::from(
        "table_schema\ttable_name\tcolumn_name\tdata_type\tudt_name\tis_nullable\tcolumn_default\n",
    );
    // BTreeMap order of `Name` is (schema, name) by bytes: the "C" collation.
    for (name, relation) in &schema.relations {
        if relation.kind == RelationKind::MaterializedView {
            continue;
        }
        for column in &relation.columns {
            let domain_not_null = !column.ty.array
                && matches!(
                    schema
                        .types
                        .get(&migrate_core::Name::new(&column.ty.schema, &column.ty.name))
                        .map(|t| &t.kind),
                    Some(UserTypeKind::Domain { not_null: true, .. })
                );
            let nullable = if column.not_null || domain_not_null {
                "NO"
            } else {
                "YES"
            };
            let fields = [
                name.schema.as_str(),
                name.name.as_str(),
                column.name.as_str(),
                &schema.information_schema_data_type(&column.ty),
                &schema.information_schema_udt_name(&column.ty),
                nullable,
                column.default.as_deref().unwrap_or(""),
            ];
            let line: Vec<String> = fields.iter().map(|field| tsv_field(field)).collect();
            out.push_str(&line.join("\t"));
            out.push('\n');
        }
    }
    out
}

fn tsv_field(field: &str) -> String {
    if field.contains(['"', '\t', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}
