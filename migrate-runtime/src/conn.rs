//! One connection interface over the blocking and the async clients, so that
//! `run` and `run_async` share every line of their logic.
//!
//! The logic is an `async fn` generic over [`Conn`]. The blocking
//! implementation never returns `Pending`, so [`block_on`] drives it with a
//! single poll and no executor.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use postgres::SimpleQueryMessage;

/// The rows of each statement of a simple query, as text.
pub(crate) type Rows = Vec<Vec<Option<String>>>;

/// What the runner needs from a connection.
pub(crate) trait Conn {
    /// Sends `sql` as one simple query (one round trip).
    fn simple_query(
        &mut self,
        sql: &str,
    ) -> impl Future<Output = Result<Vec<SimpleQueryMessage>, postgres::Error>>;

    /// Waits without holding up other work.
    fn sleep(&mut self, duration: Duration) -> impl Future<Output = ()>;

    /// Sends `sql` from a `Drop`: fire and forget, errors ignored (a dead
    /// connection has released its session locks on the server already).
    fn send_in_drop(&mut self, sql: &str);
}

/// Splits the messages of a simple query into one row set per statement.
pub(crate) fn statements(messages: &[SimpleQueryMessage]) -> Vec<Rows> {
    let mut statements = Vec::new();
    let mut current: Rows = Vec::new();
    for message in messages {
        match message {
            SimpleQueryMessage::Row(row) => {
                current.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                );
            }
            SimpleQueryMessage::CommandComplete(_) => statements.push(std::mem::take(&mut current)),
            _ => {}
        }
    }
    statements
}

/// The blocking client.
pub(crate) struct Blocking<'a>(pub &'a mut postgres::Client);

impl Conn for Blocking<'_> {
    async fn simple_query(
        &mut self,
        sql: &str,
    ) -> Result<Vec<SimpleQueryMessage>, postgres::Error> {
        self.0.simple_query(sql)
    }

    async fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }

    fn send_in_drop(&mut self, sql: &str) {
        let _ = self.0.batch_execute(sql);
    }
}

/// Runs a future whose every await completes at once (the blocking client's).
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            // Unreachable with the blocking client; yield rather than spin hot.
            Poll::Pending => std::thread::yield_now(),
        }
    }
}

/// The async client.
#[cfg(feature = "tokio")]
pub(crate) struct Async<'a>(pub &'a tokio_postgres::Client);

#[cfg(feature = "tokio")]
impl Conn for Async<'_> {
    async fn simple_query(
        &mut self,
        sql: &str,
    ) -> Result<Vec<SimpleQueryMessage>, postgres::Error> {
        self.0.simple_query(sql).await
    }

    async fn sleep(&mut self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    fn send_in_drop(&mut self, sql: &str) {
        // tokio-postgres queues the request to its connection task on the
        // first poll; the answer is discarded when nobody waits for it.
        let future = self.0.batch_execute(sql);
        let mut future = pin!(future);
        let _ = future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
    }
}
