//! Where the runner calls the drift check after migrating.

use migrate_core::Name;

use crate::drift::{self, Difference};
use crate::{Error, Runner};

/// Differences between the live schema and the snapshot.
pub(crate) fn check_blocking(
    runner: &Runner<'_>,
    client: &mut postgres::Client,
) -> Result<Vec<Difference>, Error> {
    let expected = runner.migrations().schema()?;
    let (schema, table) = runner.history_table_names();
    drift::check(client, &expected, &Name::new(schema, table))
}

/// [`check_blocking`] for the async client.
#[cfg(feature = "tokio")]
pub(crate) async fn check_async(
    runner: &Runner<'_>,
    client: &tokio_postgres::Client,
) -> Result<Vec<Difference>, Error> {
    let expected = runner.migrations().schema()?;
    let (schema, table) = runner.history_table_names();
    drift::check_async(client, &expected, &Name::new(schema, table)).await
}
