//! placeholder
use migrate_build::analyze::Described;
use migrate_core::Schema;

pub fn sqlx_nullable(_schema: &Schema, _sql: &str, described: &Described) -> Vec<Option<bool>> {
    described.columns.iter().map(|_| None).collect()
}
