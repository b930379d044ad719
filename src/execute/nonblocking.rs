//! The async executors (feature `tokio`): `&C` for every [`AsyncClient`] `C`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::query_future::{QueryFuture, query_future};
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
        async move {
            let sql = $sql;
            let mut written = Vec::new();
            match sql.typed(&mut written) {
                Some(params) => $client.$typed(sql.text, &params).await,
                None => $client.$untyped(sql.text, &sql.params()).await,
            }
        }
    };
}

/// The driver's client or transaction, sending a query with its parameter
/// types: through their own methods, since tokio-postgres's `GenericClient`
/// boxes the future of each call.
///
/// It has [`AsyncClient`]'s five methods but is kept apart from it on
/// purpose: every connection is an `AsyncClient`, the pooled ones included,
/// which prepare once and answer from their statement cache, while only
/// the driver's own types are `Typed`. Bounding [`AsyncUnprepared::Client`]
/// by `Typed` is what makes an [`Unprepared`] unable, by its type, to reach
/// a path that keeps statements on the server.
#[doc(hidden)]
pub trait Typed: Sync {
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

/// Implements [`Typed`] for each of the driver's types.
macro_rules! typed {
    ($(impl[$($generics:tt)*] $client:ty;)*) => {$(
        impl<$($generics)*> Typed for $client {
            fn rows<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Vec<Row>, Error>> + Send + 'a {
                traced_async(sql, count, typed_or_prepared!(self, sql, query_typed, query))
            }
            fn one<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Row, Error>> + Send + 'a {
                traced_async(sql, count_one, typed_or_prepared!(self, sql, query_typed_one, query_one))
            }
            fn optional<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Option<Row>, Error>> + Send + 'a {
                traced_async(sql, count_optional, typed_or_prepared!(self, sql, query_typed_opt, query_opt))
            }
            fn affected<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<u64, Error>> + Send + 'a {
                traced_async(sql, count_affected, typed_or_prepared!(self, sql, execute_typed, execute))
            }
            fn stream<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<tokio_postgres::RowStream, Error>> + Send + 'a {
                async move {
                    let mut written = Vec::new();
                    match sql.typed(&mut written) {
                        Some(params) => self.query_typed_raw(sql.text, params).await,
                        None => self.query_raw(sql.text, sql.params().iter().copied()).await,
                    }
                }
            }
        }
    )*};
}

typed! {
    impl[] tokio_postgres::Client;
    impl['t] tokio_postgres::Transaction<'t>;
}

/// An async connection or transaction a query can be sent to with its
/// parameter types, keeping nothing on the server: every one, as the
/// driver's client or transaction it holds. What [`Unprepared`] takes.
#[doc(hidden)]
pub trait AsyncUnprepared: Sync {
    type Client: Typed;
    fn unprepared(&self) -> &Self::Client;
}

impl<T: AsyncUnprepared + ?Sized> AsyncUnprepared for &T {
    type Client = T::Client;
    fn unprepared(&self) -> &T::Client {
        (**self).unprepared()
    }
}

/// Implements [`AsyncUnprepared`] for `$client`, whose driver client is
/// `$as_client(self)`.
macro_rules! async_unprepared {
    ($(impl[$($generics:tt)*] $client:ty => $inner:ty $(where [$($bounds:tt)*])? => |$this:ident| $as_client:expr;)*) => {$(
        impl<$($generics)*> AsyncUnprepared for $client $(where $($bounds)*)? {
            type Client = $inner;
            fn unprepared(&self) -> &$inner {
                let $this = self;
                $as_client
            }
        }
    )*};
}

async_unprepared! {
    impl[] tokio_postgres::Client => tokio_postgres::Client => |this| this;
    impl['t] tokio_postgres::Transaction<'t> => tokio_postgres::Transaction<'t> => |this| this;
    impl[] Cached<tokio_postgres::Client> => tokio_postgres::Client => |this| &this.client;
}

// A pooled connection runs on the client it holds.
#[cfg(feature = "deadpool")]
async_unprepared! {
    impl[] deadpool_postgres::Object => tokio_postgres::Client => |this| this;
    impl['t] deadpool_postgres::Transaction<'t> => tokio_postgres::Transaction<'t> => |this| this;
}

#[cfg(feature = "bb8")]
async_unprepared! {
    impl['p, T] bb8_postgres::bb8::PooledConnection<'p, bb8_postgres::PostgresConnectionManager<T>> => tokio_postgres::Client
    where [
        T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> + Clone + Send + Sync + 'static,
        <T as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::Stream: Send + Sync,
        <T as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::TlsConnect: Send,
        <<T as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::TlsConnect as tokio_postgres::tls::TlsConnect<tokio_postgres::Socket>>::Future: Send,
    ] => |this| this;
}

/// Implements [`AsyncClient`] for `$client`, an [`AsyncUnprepared`] whose
/// queries go with their parameter types.
macro_rules! async_client {
    ($(impl[$($generics:tt)*] $client:ty $(where [$($bounds:tt)*])?;)*) => {$(
        impl<$($generics)*> AsyncClient for $client $(where $($bounds)*)? {
            fn rows<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Vec<Row>, Error>> + Send + 'a {
                Typed::rows(self.unprepared(), sql)
            }
            fn one<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Row, Error>> + Send + 'a {
                Typed::one(self.unprepared(), sql)
            }
            fn optional<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Option<Row>, Error>> + Send + 'a {
                Typed::optional(self.unprepared(), sql)
            }
            fn affected<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<u64, Error>> + Send + 'a {
                Typed::affected(self.unprepared(), sql)
            }
            fn stream<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<tokio_postgres::RowStream, Error>> + Send + 'a {
                Typed::stream(self.unprepared(), sql)
            }
        }
    )*};
}

impl<C: AsyncUnprepared> AsyncUnprepared for Unprepared<C> {
    type Client = C::Client;
    fn unprepared(&self) -> &C::Client {
        self.0.unprepared()
    }
}

impl private::Sealed for tokio_postgres::Client {}
impl private::Sealed for tokio_postgres::Transaction<'_> {}

async_client! {
    impl[] tokio_postgres::Client;
    impl['t] tokio_postgres::Transaction<'t>;
    impl[C: AsyncUnprepared] Unprepared<C>;
}

#[cfg(feature = "bb8")]
impl<T> private::Sealed
    for bb8_postgres::bb8::PooledConnection<'_, bb8_postgres::PostgresConnectionManager<T>>
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> + Clone + Send + Sync + 'static,
    <T as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::Stream: Send + Sync,
    <T as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::TlsConnect: Send,
    <<T as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::TlsConnect as tokio_postgres::tls::TlsConnect<tokio_postgres::Socket>>::Future: Send,
{
}

#[cfg(feature = "bb8")]
async_client! {
    impl['p, T] bb8_postgres::bb8::PooledConnection<'p, bb8_postgres::PostgresConnectionManager<T>>
    where [
        T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> + Clone + Send + Sync + 'static,
        <T as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::Stream: Send + Sync,
        <T as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::TlsConnect: Send,
        <<T as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::TlsConnect as tokio_postgres::tls::TlsConnect<tokio_postgres::Socket>>::Future: Send,
    ];
}

/// A connection that keeps one prepared statement per query: [`Cached`],
/// and deadpool's connections and transactions, in deadpool's statement
/// cache of the connection.
trait KeepsStatements: Sync {
    /// Whether a query whose statement went stale runs again: not in a
    /// transaction, which the error aborted.
    const RETRY: bool;
    /// The query's statement, prepared on this connection once.
    fn statement<'a>(
        &'a self,
        sql: &'a Sql<'_>,
    ) -> impl Future<Output = Result<tokio_postgres::Statement, Error>> + Send + 'a;
    /// Drops the query's statement, which the schema made stale.
    fn forget_statement(&self, sql: &Sql<'_>);
}

impl KeepsStatements for Cached<tokio_postgres::Client> {
    const RETRY: bool = true;

    #[allow(
        clippy::manual_async_fn,
        reason = "the trait's future is `Send`, which an `async fn` would not say"
    )]
    fn statement<'a>(
        &'a self,
        sql: &'a Sql<'_>,
    ) -> impl Future<Output = Result<tokio_postgres::Statement, Error>> + Send + 'a {
        async move {
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
    }

    fn forget_statement(&self, sql: &Sql<'_>) {
        self.forget(sql.text);
    }
}

fn retries<K: KeepsStatements>(_: &K) -> bool {
    K::RETRY
}

/// Implements [`KeepsStatements`] for a deadpool connection or transaction.
#[cfg(feature = "deadpool")]
macro_rules! deadpool_keeps_statements {
    ($(impl[$($generics:tt)*] $conn:ty, retry: $retry:expr;)*) => {$(
        impl<$($generics)*> KeepsStatements for $conn {
            const RETRY: bool = $retry;

            fn statement<'a>(
                &'a self,
                sql: &'a Sql<'_>,
            ) -> impl Future<Output = Result<tokio_postgres::Statement, Error>> + Send + 'a {
                self.prepare_typed_cached(sql.text, sql.shared_prepare_types())
            }

            fn forget_statement(&self, sql: &Sql<'_>) {
                self.statement_cache
                    .remove(sql.text, sql.shared_prepare_types());
            }
        }
    )*};
}

#[cfg(feature = "deadpool")]
deadpool_keeps_statements! {
    impl[] deadpool_postgres::Object, retry: true;
    impl['t] deadpool_postgres::Transaction<'t>, retry: false;
}

/// Runs `$run` on the query's prepared statement; when the schema changed
/// its result type, forgets the statement, and outside a transaction
/// prepares it again and runs it once more (a transaction begun by hand is
/// aborted by the first failure: then the first error stands).
macro_rules! prepared {
    ($conn:expr, $sql:expr, |$statement:ident, $params:ident| $run:expr) => {{
        let conn = $conn;
        let sql = $sql;
        let $params = sql.params();
        let first = {
            let $statement = conn.statement(sql).await?;
            $run.await
        };
        match first {
            Err(error) if is_stale_plan(&error) => {
                conn.forget_statement(sql);
                if !retries(conn) {
                    return Err(error);
                }
                let $statement = match conn.statement(sql).await {
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
            Err(error) => Err(lost_statement(error)),
            ok => ok,
        }
    }};
}

/// Implements [`AsyncClient`] for a connection that keeps its statements,
/// whose driver client or transaction is `$inner` (`$as_inner(self)`).
macro_rules! prepared_client {
    ($(impl[$($generics:tt)*] $client:ty => $inner:ty => |$this:ident| $as_inner:expr;)*) => {$(
        impl<$($generics)*> private::Sealed for $client {}

        #[allow(
            clippy::manual_async_fn,
            reason = "the trait's futures are `Send`, which an `async fn` would not say"
        )]
        impl<$($generics)*> AsyncClient for $client {
            fn rows<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Vec<Row>, Error>> + Send + 'a {
                let $this = self;
                let client: &$inner = $as_inner;
                traced_async(sql, count, async move { prepared!(self, sql, |s, p| client.query(&s, &p)) })
            }
            fn one<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Row, Error>> + Send + 'a {
                let $this = self;
                let client: &$inner = $as_inner;
                traced_async(sql, count_one, async move { prepared!(self, sql, |s, p| client.query_one(&s, &p)) })
            }
            fn optional<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<Option<Row>, Error>> + Send + 'a {
                let $this = self;
                let client: &$inner = $as_inner;
                traced_async(sql, count_optional, async move { prepared!(self, sql, |s, p| client.query_opt(&s, &p)) })
            }
            fn affected<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<u64, Error>> + Send + 'a {
                let $this = self;
                let client: &$inner = $as_inner;
                traced_async(sql, count_affected, async move { prepared!(self, sql, |s, p| client.execute(&s, &p)) })
            }
            fn stream<'a>(&'a self, sql: &'a Sql<'_>) -> impl Future<Output = Result<tokio_postgres::RowStream, Error>> + Send + 'a {
                let $this = self;
                let client: &$inner = $as_inner;
                async move { prepared!(self, sql, |s, p| client.query_raw(&s, p.iter().copied())) }
            }
        }
    )*};
}

prepared_client! {
    impl[] Cached<tokio_postgres::Client> => tokio_postgres::Client => |this| &this.client;
}

#[cfg(feature = "deadpool")]
prepared_client! {
    impl[] deadpool_postgres::Object => tokio_postgres::Client => |this| this;
    impl['t] deadpool_postgres::Transaction<'t> => tokio_postgres::Transaction<'t> => |this| this;
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

impl<'e> Source<'e> {
    fn new(trace: Trace, start: BoxFuture<'e, Result<tokio_postgres::RowStream, Error>>) -> Self {
        Source {
            state: State::Starting(start),
            trace,
            n_rows: 0,
        }
    }
}

/// Implements [`Executor`] for `$executor`, which runs a query as
/// `self.rows(&sql)` and the like.
macro_rules! async_executor {
    ($(impl[$($generics:tt)*] $executor:ty;)*) => {$(
        impl<$($generics)*> Executor<'e> for $executor {
            type Output<T: Send + 'e> = QueryFuture<'e, Result<T, Error>>;
            type Rows<R: Send + 'e> = RowStream<'e, R>;

            fn fetch_all<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Output<Vec<R>> {
                query_future(async move { map_rows(self.rows(&sql).await, map) })
            }

            fn fetch_one<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Output<R> {
                query_future(async move { map_one(self.one(&sql).await, map) })
            }

            fn fetch_optional<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Output<Option<R>> {
                query_future(async move { map_optional(self.optional(&sql).await, map) })
            }

            fn fetch_all_whole<C2: for<'r> FromRow<'r> + Columns + 'e, R: Send + 'e>(
                self,
                sql: Sql<'e>,
                whole: Whole<C2, R>,
            ) -> Self::Output<Vec<R>> {
                query_future(async move { records(self.rows(&sql).await, whole) })
            }

            fn fetch_one_whole<C2: for<'r> FromRow<'r> + Columns + 'e, R: Send + 'e>(
                self,
                sql: Sql<'e>,
                whole: Whole<C2, R>,
            ) -> Self::Output<R> {
                let Whole(_) = whole;
                query_future(async move { map_one(self.one(&sql).await, read_whole::<C2, R>) })
            }

            fn fetch_optional_whole<C2: for<'r> FromRow<'r> + Columns + 'e, R: Send + 'e>(
                self,
                sql: Sql<'e>,
                whole: Whole<C2, R>,
            ) -> Self::Output<Option<R>> {
                let Whole(_) = whole;
                query_future(async move { map_optional(self.optional(&sql).await, read_whole::<C2, R>) })
            }

            fn fetch<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Rows<R> {
                let trace = Trace::start(&sql);
                RowStream {
                    source: Source::new(trace, Box::pin(async move { self.stream(&sql).await })),
                    map,
                }
            }

            fn execute(self, sql: Sql<'e>) -> Self::Output<u64> {
                query_future(async move { self.affected(&sql).await })
            }
        }
    )*};
}

impl<C: AsyncClient> private::Sealed for &C {}

async_executor! {
    impl['e, C: AsyncClient] &'e C;
    impl['e, C: AsyncUnprepared] Unprepared<&'e C>;
}
