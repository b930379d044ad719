//! The async executors (feature `tokio`): `&C` for every [`AsyncClient`] `C`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio_postgres::GenericClient;

use super::*;

/// A future returned by the async executors.
pub type BoxFuture<'e, T> = Pin<Box<dyn Future<Output = T> + Send + 'e>>;

/// An async connection or transaction that runs a query's statement and
/// hands back rows: what a [`Query`](crate::Query) needs of it, so that
/// the executors below are written once.
#[doc(hidden)]
pub trait AsyncClient: private::Sealed + Sync {
    fn rows<'a>(
        &'a self,
        sql: &'a Sql<'_>,
    ) -> impl Future<Output = Result<Vec<Row>, Error>> + Send + 'a;
    fn one<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Row, Error>> + Send + 'a;
    fn optional<'a>(
        &'a self,
        sql: &'a Sql<'_>,
    ) -> impl Future<Output = Result<Option<Row>, Error>> + Send + 'a;
    fn affected<'a>(
        &'a self,
        sql: &'a Sql<'_>,
    ) -> impl Future<Output = Result<u64, Error>> + Send + 'a;
    fn stream<'a>(
        &'a self,
        sql: &'a Sql<'_>,
    ) -> impl Future<Output = Result<tokio_postgres::RowStream, Error>> + Send + 'a;
}

/// A statement sent with its parameter types when they are all built in
/// (one round trip), else by the driver's `query` (prepare, then run).
macro_rules! typed_or_prepared {
    ($client:expr, $sql:expr, $typed:ident, $untyped:ident) => {
        async {
            let sql = $sql;
            match sql.typed() {
                Some(params) => $client.$typed(sql.text, &params).await,
                None => $client.$untyped(sql.text, &sql.params()).await,
            }
        }
    };
}

async fn rows<C: GenericClient + Sync>(client: &C, sql: &Sql<'_>) -> Result<Vec<Row>, Error> {
    traced_async(
        sql,
        count,
        typed_or_prepared!(client, sql, query_typed, query),
    )
    .await
}

async fn one<C: GenericClient + Sync>(client: &C, sql: &Sql<'_>) -> Result<Row, Error> {
    traced_async(
        sql,
        count_one,
        typed_or_prepared!(client, sql, query_typed_one, query_one),
    )
    .await
}

async fn optional<C: GenericClient + Sync>(
    client: &C,
    sql: &Sql<'_>,
) -> Result<Option<Row>, Error> {
    traced_async(
        sql,
        count_optional,
        typed_or_prepared!(client, sql, query_typed_opt, query_opt),
    )
    .await
}

async fn affected<C: GenericClient + Sync>(client: &C, sql: &Sql<'_>) -> Result<u64, Error> {
    traced_async(
        sql,
        count_affected,
        typed_or_prepared!(client, sql, execute_typed, execute),
    )
    .await
}

async fn stream<C: GenericClient + Sync>(
    client: &C,
    sql: &Sql<'_>,
) -> Result<tokio_postgres::RowStream, Error> {
    match sql.typed() {
        Some(params) => client.query_typed_raw(sql.text, params).await,
        None => client.query_raw(sql.text, sql.params()).await,
    }
}

/// Implements [`AsyncClient`] for `$client`, which gives a `GenericClient`
/// as `$as_generic(self)`.
macro_rules! async_client {
    ($(impl[$($generics:tt)*] $client:ty $(where [$($bounds:tt)*])? => |$this:ident| $as_generic:expr;)*) => {$(
        impl<$($generics)*> private::Sealed for $client $(where $($bounds)*)? {}

        impl<$($generics)*> AsyncClient for $client $(where $($bounds)*)? {
            fn rows<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Vec<Row>, Error>> + Send + 'a {
                let $this = self;
                rows($as_generic, sql)
            }
            fn one<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Row, Error>> + Send + 'a {
                let $this = self;
                one($as_generic, sql)
            }
            fn optional<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Option<Row>, Error>> + Send + 'a {
                let $this = self;
                optional($as_generic, sql)
            }
            fn affected<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<u64, Error>> + Send + 'a {
                let $this = self;
                affected($as_generic, sql)
            }
            fn stream<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<tokio_postgres::RowStream, Error>> + Send + 'a {
                let $this = self;
                stream($as_generic, sql)
            }
        }
    )*};
}

async_client! {
    impl[] tokio_postgres::Client => |this| this;
    impl['t] tokio_postgres::Transaction<'t> => |this| this;
}

// A pooled connection runs on the client it holds.
#[cfg(feature = "deadpool")]
async_client! {
    impl[] deadpool_postgres::Object => |this| { let client: &tokio_postgres::Client = this; client };
    impl['t] deadpool_postgres::Transaction<'t> => |this| { let transaction: &tokio_postgres::Transaction<'t> = this; transaction };
}

#[cfg(feature = "bb8")]
async_client! {
    impl['p, T] bb8_postgres::bb8::PooledConnection<'p, bb8_postgres::PostgresConnectionManager<T>>
    where [
        T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> + Clone + Send + Sync + 'static,
        <T as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::Stream: Send + Sync,
        <T as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::TlsConnect: Send,
        <<T as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::TlsConnect as tokio_postgres::tls::TlsConnect<tokio_postgres::Socket>>::Future: Send,
    ] => |this| { let client: &tokio_postgres::Client = this; client };
}

impl Cached<tokio_postgres::Client> {
    /// The query's statement, prepared on this connection once.
    async fn statement(&self, sql: &Sql<'_>) -> Result<tokio_postgres::Statement, Error> {
        if let Some(statement) = self.get(sql.text) {
            return Ok(statement);
        }
        let statement = self
            .client
            .prepare_typed(sql.text, &sql.prepare_types())
            .await?;
        self.keep(sql.text, statement.clone());
        Ok(statement)
    }

    fn drop_statement(&self, sql: &Sql<'_>) {
        self.forget(sql.text);
    }
}

/// A deadpool-postgres connection (or transaction) whose queries are
/// prepared once, in deadpool's own statement cache of the connection
/// (`prepare_cached`): one round trip and no parse from the second call
/// on, as with [`Cached`], on a connection a pool hands out for each
/// request. Not behind a transaction-mode pooler.
///
/// ```no_run
/// # async fn f(pool: deadpool_postgres::Pool) -> Result<(), Box<dyn std::error::Error>> {
/// let conn = migrate::PrepareCached(pool.get().await?);
/// // migrate::query!("SELECT id FROM users WHERE id = $1", 7_i64).fetch_one(&conn).await?;
/// conn.0.batch_execute("SELECT 1").await?;
/// # Ok(()) }
/// ```
#[cfg(feature = "deadpool")]
pub struct PrepareCached<C>(pub C);

#[cfg(feature = "deadpool")]
macro_rules! prepare_cached {
    ($(impl[$($generics:tt)*] $conn:ty => $client:ty;)*) => {$(
        impl<$($generics)*> PrepareCached<$conn> {
            async fn statement(&self, sql: &Sql<'_>) -> Result<tokio_postgres::Statement, Error> {
                self.0.prepare_typed_cached(sql.text, &sql.prepare_types()).await
            }

            fn drop_statement(&self, sql: &Sql<'_>) {
                self.0.statement_cache.remove(sql.text, &sql.prepare_types());
            }

            fn client(&self) -> &$client {
                &self.0
            }
        }
    )*};
}

#[cfg(feature = "deadpool")]
prepare_cached! {
    impl[] deadpool_postgres::Object => tokio_postgres::Client;
    impl['t] deadpool_postgres::Transaction<'t> => tokio_postgres::Transaction<'t>;
}

/// Runs `$run` on the query's prepared statement; when the schema changed
/// its result type, prepares it again and runs it once more (unless the
/// first failure aborted a transaction: then the first error stands).
macro_rules! cached {
    ($cached:expr, $sql:expr, |$client:ident, $statement:ident, $params:ident| $run:expr) => {{
        let cached = $cached;
        let sql = $sql;
        let $params = sql.params();
        let $client = cached.client();
        let first = {
            let $statement = cached.statement(sql).await?;
            $run.await
        };
        match first {
            Err(error) if is_stale_plan(&error) => {
                cached.drop_statement(sql);
                let $statement = match cached.statement(sql).await {
                    Ok(statement) => statement,
                    Err(_) => return Err(error),
                };
                match $run.await {
                    Err(again) if again.code() == Some(&SqlState::IN_FAILED_SQL_TRANSACTION) => {
                        Err(error)
                    }
                    other => other,
                }
            }
            other => other,
        }
    }};
}

/// Implements [`AsyncClient`] for a connection that prepares each query
/// once (`statement`, `drop_statement`, `client`).
macro_rules! cached_client {
    ($(impl[$($generics:tt)*] $client:ty;)*) => {$(
        impl<$($generics)*> private::Sealed for $client {}

        #[allow(
            clippy::manual_async_fn,
            reason = "the trait's futures are `Send`, which an `async fn` would not say"
        )]
        impl<$($generics)*> AsyncClient for $client {
            fn rows<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Vec<Row>, Error>> + Send + 'a {
                traced_async(sql, count, async move { cached!(self, sql, |c, s, p| c.query(&s, &p)) })
            }
            fn one<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Row, Error>> + Send + 'a {
                traced_async(sql, count_one, async move { cached!(self, sql, |c, s, p| c.query_one(&s, &p)) })
            }
            fn optional<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Option<Row>, Error>> + Send + 'a {
                traced_async(sql, count_optional, async move { cached!(self, sql, |c, s, p| c.query_opt(&s, &p)) })
            }
            fn affected<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<u64, Error>> + Send + 'a {
                traced_async(sql, count_affected, async move { cached!(self, sql, |c, s, p| c.execute(&s, &p)) })
            }
            fn stream<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<tokio_postgres::RowStream, Error>> + Send + 'a {
                async move { cached!(self, sql, |c, s, p| c.query_raw(&s, p.iter().copied())) }
            }
        }
    )*};
}

cached_client! {
    impl[] Cached<tokio_postgres::Client>;
}

#[cfg(feature = "deadpool")]
cached_client! {
    impl[] PrepareCached<deadpool_postgres::Object>;
    impl['t] PrepareCached<deadpool_postgres::Transaction<'t>>;
}

/// The rows of a query on an async executor, one at a time as the server
/// sends them (`Query::fetch`): a `Stream` of `Result<R, Error>`, also read
/// with [`RowStream::next`] without a stream library; a failed query gives
/// its error as the only item.
#[must_use = "a stream does nothing until it is polled"]
pub struct RowStream<'e, R> {
    source: Source<'e>,
    map: MapRow<R>,
}

/// What a [`RowStream`] reads from, not generic over the row type.
struct Source<'e> {
    state: State<'e>,
    trace: Trace,
    n_rows: u64,
}

enum State<'e> {
    Starting(BoxFuture<'e, Result<tokio_postgres::RowStream, Error>>),
    Streaming(Pin<Box<tokio_postgres::RowStream>>),
    Done,
}

impl Source<'_> {
    fn poll_row(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Row, Error>>> {
        loop {
            match &mut self.state {
                State::Starting(start) => match start.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(rows)) => self.state = State::Streaming(Box::pin(rows)),
                    Poll::Ready(Err(error)) => {
                        self.state = State::Done;
                        return Poll::Ready(Some(Err(error)));
                    }
                },
                State::Streaming(rows) => {
                    return match rows.as_mut().poll_next(cx) {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(Some(Ok(row))) => {
                            self.n_rows += 1;
                            Poll::Ready(Some(Ok(row)))
                        }
                        Poll::Ready(Some(Err(error))) => {
                            self.state = State::Done;
                            Poll::Ready(Some(Err(error)))
                        }
                        Poll::Ready(None) => {
                            self.state = State::Done;
                            self.trace.end(Some(self.n_rows));
                            Poll::Ready(None)
                        }
                    };
                }
                State::Done => return Poll::Ready(None),
            }
        }
    }
}

impl<R> Stream for RowStream<'_, R> {
    type Item = Result<R, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<R, Error>>> {
        let map = self.map;
        match self.source.poll_row(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(row))) => Poll::Ready(Some(map(&row))),
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error))),
            Poll::Ready(None) => Poll::Ready(None),
        }
    }
}

impl<R> RowStream<'_, R> {
    /// The next row, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<R, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

fn source<'e, C: AsyncClient>(client: &'e C, sql: Sql<'e>) -> Source<'e> {
    let trace = Trace::start(&sql);
    Source {
        state: State::Starting(Box::pin(async move { client.stream(&sql).await })),
        trace,
        n_rows: 0,
    }
}

impl<C: AsyncClient> private::Sealed for &C {}

impl<'e, C: AsyncClient> Executor<'e> for &'e C {
    type Output<T: Send + 'e> = BoxFuture<'e, Result<T, Error>>;
    type Rows<R: Send + 'e> = RowStream<'e, R>;

    fn fetch_all<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Output<Vec<R>> {
        Box::pin(async move { map_rows(self.rows(&sql).await, map) })
    }

    fn fetch_one<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Output<R> {
        Box::pin(async move { map_one(self.one(&sql).await, map) })
    }

    fn fetch_optional<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Output<Option<R>> {
        Box::pin(async move { map_optional(self.optional(&sql).await, map) })
    }

    fn fetch_all_whole<C2: for<'r> FromRow<'r> + Columns + 'e, R: Send + 'e>(
        self,
        sql: Sql<'e>,
        whole: Whole<C2, R>,
    ) -> Self::Output<Vec<R>> {
        Box::pin(async move { records(self.rows(&sql).await, whole) })
    }

    fn fetch_one_whole<C2: for<'r> FromRow<'r> + Columns + 'e, R: Send + 'e>(
        self,
        sql: Sql<'e>,
        whole: Whole<C2, R>,
    ) -> Self::Output<R> {
        let Whole(_) = whole;
        Box::pin(async move { map_one(self.one(&sql).await, read_whole::<C2, R>) })
    }

    fn fetch_optional_whole<C2: for<'r> FromRow<'r> + Columns + 'e, R: Send + 'e>(
        self,
        sql: Sql<'e>,
        whole: Whole<C2, R>,
    ) -> Self::Output<Option<R>> {
        let Whole(_) = whole;
        Box::pin(async move { map_optional(self.optional(&sql).await, read_whole::<C2, R>) })
    }

    fn fetch<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Rows<R> {
        RowStream {
            source: source(self, sql),
            map,
        }
    }

    fn execute(self, sql: Sql<'e>) -> Self::Output<u64> {
        Box::pin(async move { self.affected(&sql).await })
    }
}
