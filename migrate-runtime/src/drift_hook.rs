//! Where the runner calls the drift check after migrating.

use crate::{Error, Runner};

/// Differences between the live schema and the snapshot, or `None` when this
/// build cannot check drift.
pub(crate) fn check_blocking(
    runner: &Runner<'_>,
    client: &mut postgres::Client,
) -> Result<Option<Vec<String>>, Error> {
    let _ = (runner, client);
    log::debug!("drift check skipped: not available in this build");
    Ok(None)
}

/// [`check_blocking`] for the async client.
#[cfg(feature = "tokio")]
pub(crate) async fn check_async(
    runner: &Runner<'_>,
    client: &tokio_postgres::Client,
) -> Result<Option<Vec<String>>, Error> {
    let _ = (runner, client);
    log::debug!("drift check skipped: not available in this build");
    Ok(None)
}
