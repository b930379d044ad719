// scratch: fold a schema file, describe queries (not committed)
fn main() {
    let mut args = std::env::args().skip(1);
    let schema_sql = std::fs::read_to_string(args.next().unwrap()).unwrap();
    let migration = migrate_core::Migration {
        version: "1".into(),
        name: "s".into(),
        path: "1_s.sql".into(),
        up: schema_sql,
        up_offset: 0,
        lines_before_up: 0,
        down: None,
        transactional: true,
        statements: vec![],
        checksum: String::new(),
    };
    let folded = migrate_build::fold::fold(&[migration]);
    for d in &folded.diagnostics {
        println!("fold: {}", d.message);
    }
    for sql in args {
        println!("{sql}");
        match migrate_build::analyze::describe(&folded.schema, &sql) {
            Ok(d) => {
                println!(
                    "  params {:?}",
                    d.params.iter().map(|p| p.to_string()).collect::<Vec<_>>()
                );
                for c in &d.columns {
                    println!(
                        "  {} {} null={} fields={:?}",
                        c.name,
                        c.ty,
                        c.nullable,
                        c.fields.as_ref().map(|f| f
                            .iter()
                            .map(|f| format!("{}{}", f.ty, if f.nullable { "?" } else { "" }))
                            .collect::<Vec<_>>())
                    );
                }
                for w in &d.warnings {
                    println!("  warn {}", w.message);
                }
            }
            Err(e) => {
                for e in e {
                    println!("  ERR {} / {:?}", e.message, e.help)
                }
            }
        }
    }
}
