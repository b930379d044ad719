//! Where the runner checks drift after migrating: the catalog queries go
//! in the round trip that releases the lock, and their answers come here.

use migrate_core::{Name, Schema};
use postgres::SimpleQueryMessage;

use crate::drift::{self, Difference};
use crate::introspect::{self, IntrospectOptions};
use crate::{Error, Runner};

/// Differences between `expected` (the snapshot) and the live schema read
/// by [`introspect::batch_sql`], whose answers are `messages`.
pub(crate) fn differences(
    runner: &Runner<'_>,
    expected: &Schema,
    messages: Vec<SimpleQueryMessage>,
) -> Result<Vec<Difference>, Error> {
    let (schema, table) = runner.history_table_names();
    let history_table = Name::new(schema, table);
    let options = IntrospectOptions::default().exclude(history_table.clone());
    let mut actual = introspect::from_messages(messages, &options)?;
    drift::forget_history_schema(expected, &mut actual, &history_table);
    Ok(drift::compare(expected, &actual))
}
