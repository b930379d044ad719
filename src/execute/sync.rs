//! The sync executors: `&mut C` for every [`SyncClient`] `C`.

use postgres::GenericClient;

use super::*;

/// A sync connection or transaction that runs a query's statement and
/// hands back rows: what a [`Query`](crate::Query) needs of it, so that
/// the executors above are written once.
#[doc(hidden)]
pub trait SyncClient: private::Sealed {
    fn rows(&mut self, sql: &Sql<'_>) -> Result<Vec<Row>, Error>;
    fn one(&mut self, sql: &Sql<'_>) -> Result<Row, Error>;
    fn optional(&mut self, sql: &Sql<'_>) -> Result<Option<Row>, Error>;
    fn affected(&mut self, sql: &Sql<'_>) -> Result<u64, Error>;
    fn iter(&mut self, sql: &Sql<'_>) -> Result<postgres::RowIter<'_>, Error>;
}

/// A statement sent with its parameter types when they are all built in
/// (one round trip), else by the driver's `query` (prepare, then run).
macro_rules! typed_or_prepared {
    ($client:expr, $sql:expr, $typed:ident, $untyped:ident) => {{
        let sql = $sql;
        let mut written = Vec::new();
        match sql.typed(&mut written) {
            Some(params) => $client.$typed(sql.text, &params),
            None => $client.$untyped(sql.text, &sql.params()),
        }
    }};
}

fn rows<C: GenericClient>(client: &mut C, sql: &Sql<'_>) -> Result<Vec<Row>, Error> {
    traced(sql, count, || {
        typed_or_prepared!(client, sql, query_typed, query)
    })
}

fn one<C: GenericClient>(client: &mut C, sql: &Sql<'_>) -> Result<Row, Error> {
    traced(sql, count_one, || {
        typed_or_prepared!(client, sql, query_typed_one, query_one)
    })
}

fn optional<C: GenericClient>(client: &mut C, sql: &Sql<'_>) -> Result<Option<Row>, Error> {
    traced(sql, count_optional, || {
        typed_or_prepared!(client, sql, query_typed_opt, query_opt)
    })
}

fn affected<C: GenericClient>(client: &mut C, sql: &Sql<'_>) -> Result<u64, Error> {
    traced(sql, count_affected, || {
        typed_or_prepared!(client, sql, execute_typed, execute)
    })
}

fn iter<'c, C: GenericClient>(
    client: &'c mut C,
    sql: &Sql<'_>,
) -> Result<postgres::RowIter<'c>, Error> {
    let mut written = Vec::new();
    match sql.typed(&mut written) {
        Some(params) => client.query_typed_raw(sql.text, params),
        None => client.query_raw(sql.text, sql.args.iter()),
    }
}

/// A sync connection or transaction a query can be sent to with its
/// parameter types, keeping nothing on the server: every one, as the
/// driver's client or transaction it holds. What [`Unprepared`] takes.
#[doc(hidden)]
pub trait SyncUnprepared {
    type Client: GenericClient;
    fn unprepared(&mut self) -> &mut Self::Client;
}

impl<T: SyncUnprepared + ?Sized> SyncUnprepared for &mut T {
    type Client = T::Client;
    fn unprepared(&mut self) -> &mut T::Client {
        (**self).unprepared()
    }
}

impl<C: SyncUnprepared> SyncUnprepared for Unprepared<C> {
    type Client = C::Client;
    fn unprepared(&mut self) -> &mut C::Client {
        self.0.unprepared()
    }
}

impl SyncUnprepared for postgres::Client {
    type Client = Self;
    fn unprepared(&mut self) -> &mut Self {
        self
    }
}

impl<'t> SyncUnprepared for postgres::Transaction<'t> {
    type Client = Self;
    fn unprepared(&mut self) -> &mut Self {
        self
    }
}

impl SyncUnprepared for Cached<postgres::Client> {
    type Client = postgres::Client;
    fn unprepared(&mut self) -> &mut postgres::Client {
        &mut self.client
    }
}

/// Implements [`SyncClient`] for a [`SyncUnprepared`], whose queries go
/// with their parameter types.
macro_rules! typed_client {
    ($(impl[$($generics:tt)*] $client:ty $(where [$($bounds:tt)*])?;)*) => {$(
        impl<$($generics)*> SyncClient for $client $(where $($bounds)*)? {
            fn rows(&mut self, sql: &Sql<'_>) -> Result<Vec<Row>, Error> {
                rows(self.unprepared(), sql)
            }
            fn one(&mut self, sql: &Sql<'_>) -> Result<Row, Error> {
                one(self.unprepared(), sql)
            }
            fn optional(&mut self, sql: &Sql<'_>) -> Result<Option<Row>, Error> {
                optional(self.unprepared(), sql)
            }
            fn affected(&mut self, sql: &Sql<'_>) -> Result<u64, Error> {
                affected(self.unprepared(), sql)
            }
            fn iter(&mut self, sql: &Sql<'_>) -> Result<postgres::RowIter<'_>, Error> {
                iter(self.unprepared(), sql)
            }
        }
    )*};
}

impl private::Sealed for postgres::Client {}
impl private::Sealed for postgres::Transaction<'_> {}

typed_client! {
    impl[] postgres::Client;
    impl['t] postgres::Transaction<'t>;
    impl[C: SyncUnprepared] Unprepared<C>;
}

#[cfg(feature = "r2d2")]
impl<T> private::Sealed
    for r2d2_postgres::r2d2::PooledConnection<r2d2_postgres::PostgresConnectionManager<T>>
where
    T: postgres::tls::MakeTlsConnect<postgres::Socket> + Clone + 'static + Sync + Send,
    T::TlsConnect: Send,
    T::Stream: Send,
    <T::TlsConnect as postgres::tls::TlsConnect<postgres::Socket>>::Future: Send,
{
}

/// A connection of an r2d2 pool: the client it holds.
#[cfg(feature = "r2d2")]
impl<T> SyncUnprepared
    for r2d2_postgres::r2d2::PooledConnection<r2d2_postgres::PostgresConnectionManager<T>>
where
    T: postgres::tls::MakeTlsConnect<postgres::Socket> + Clone + 'static + Sync + Send,
    T::TlsConnect: Send,
    T::Stream: Send,
    <T::TlsConnect as postgres::tls::TlsConnect<postgres::Socket>>::Future: Send,
{
    type Client = postgres::Client;
    fn unprepared(&mut self) -> &mut postgres::Client {
        self
    }
}

#[cfg(feature = "r2d2")]
typed_client! {
    impl[T] r2d2_postgres::r2d2::PooledConnection<r2d2_postgres::PostgresConnectionManager<T>>
    where [
        T: postgres::tls::MakeTlsConnect<postgres::Socket> + Clone + 'static + Sync + Send,
        T::TlsConnect: Send,
        T::Stream: Send,
        <T::TlsConnect as postgres::tls::TlsConnect<postgres::Socket>>::Future: Send,
    ];
}

impl Cached<postgres::Client> {
    /// The query's statement, prepared on this connection once.
    fn statement(&mut self, sql: &Sql<'_>) -> Result<postgres::Statement, Error> {
        if let Some(statement) = self.get(sql.text) {
            return Ok(statement);
        }
        let statement = self.client.prepare_typed(sql.text, &sql.prepare_types())?;
        self.keep(sql.text, statement.clone());
        Ok(statement)
    }
}

/// Runs `$run(client, &statement, params)` on the cached statement; when
/// the schema changed its result type, prepares it again and runs it once
/// more (unless the first failure aborted a transaction, then the first
/// error stands).
macro_rules! cached {
    ($cached:expr, $sql:expr, |$client:ident, $statement:ident, $params:ident| $run:expr) => {{
        let cached = $cached;
        let sql = $sql;
        let $params = sql.params();
        let first = {
            let $statement = cached.statement(sql)?;
            let $client = &mut cached.client;
            $run
        };
        match first {
            Err(error) if is_stale_plan(&error) => {
                cached.forget(sql.text);
                let $statement = match cached.statement(sql) {
                    Ok(statement) => statement,
                    Err(_) => return Err(error),
                };
                let $client = &mut cached.client;
                match $run {
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

impl private::Sealed for Cached<postgres::Client> {}

impl SyncClient for Cached<postgres::Client> {
    fn rows(&mut self, sql: &Sql<'_>) -> Result<Vec<Row>, Error> {
        traced(sql, count, || cached!(self, sql, |c, s, p| c.query(&s, &p)))
    }
    fn one(&mut self, sql: &Sql<'_>) -> Result<Row, Error> {
        traced(sql, count_one, || {
            cached!(self, sql, |c, s, p| c.query_one(&s, &p))
        })
    }
    fn optional(&mut self, sql: &Sql<'_>) -> Result<Option<Row>, Error> {
        traced(sql, count_optional, || {
            cached!(self, sql, |c, s, p| c.query_opt(&s, &p))
        })
    }
    fn affected(&mut self, sql: &Sql<'_>) -> Result<u64, Error> {
        traced(sql, count_affected, || {
            cached!(self, sql, |c, s, p| c.execute(&s, &p))
        })
    }
    fn iter(&mut self, sql: &Sql<'_>) -> Result<postgres::RowIter<'_>, Error> {
        let statement = self.statement(sql)?;
        let client: *mut postgres::Client = &mut self.client;
        // SAFETY: `client` points at `self.client`, borrowed mutably for
        // as long as `self` is. The rows of the first try may borrow it for
        // that whole time, so the borrow checker (before Polonius) takes
        // the second try for a second borrow; but when the first try failed
        // its borrow ended with it (the error holds none), and only the
        // second try's borrow is returned.
        let error = match unsafe { &mut *client }.query_raw(&statement, sql.args.iter()) {
            Ok(rows) => return Ok(rows),
            Err(error) if is_stale_plan(&error) => error,
            Err(error) => return Err(lost_statement(error)),
        };
        // The schema changed the result type: prepare again and run once
        // more (a failed transaction keeps the first error).
        self.forget(sql.text);
        let Ok(statement) = self.statement(sql) else {
            return Err(error);
        };
        match self.client.query_raw(&statement, sql.args.iter()) {
            Err(again) if again.code() == Some(&SqlState::IN_FAILED_SQL_TRANSACTION) => Err(error),
            other => other,
        }
    }
}

/// The rows of a query on a sync executor, one at a time as the server
/// sends them (`Query::fetch`): each a `Result<R, Error>`; a failed query
/// gives its error as the only item.
#[must_use = "an iterator does nothing until it is consumed"]
pub struct RowIter<'e, R> {
    source: Source<'e>,
    map: MapRow<R>,
}

/// What a [`RowIter`] reads from, not generic over the row type.
struct Source<'e> {
    rows: Result<postgres::RowIter<'e>, Option<Error>>,
    trace: Trace,
    n_rows: u64,
}

impl Source<'_> {
    fn next_row(&mut self) -> Option<Result<Row, Error>> {
        let rows = match &mut self.rows {
            Ok(rows) => rows,
            Err(error) => return error.take().map(Err),
        };
        match rows.next() {
            Ok(Some(row)) => {
                self.n_rows += 1;
                Some(Ok(row))
            }
            Ok(None) => {
                self.trace.end(Some(self.n_rows));
                None
            }
            Err(error) => {
                self.rows = Err(None);
                Some(Err(error))
            }
        }
    }
}

impl<R> Iterator for RowIter<'_, R> {
    type Item = Result<R, Error>;

    fn next(&mut self) -> Option<Result<R, Error>> {
        match self.source.next_row() {
            Some(Ok(row)) => Some((self.map)(&row)),
            Some(Err(error)) => Some(Err(error)),
            None => None,
        }
    }
}

impl<'e> Source<'e> {
    fn new(trace: Trace, rows: Result<postgres::RowIter<'e>, Error>) -> Self {
        Source {
            rows: rows.map_err(Some),
            trace,
            n_rows: 0,
        }
    }
}

impl<C: SyncClient> private::Sealed for &mut C {}

/// Implements [`Executor`] for `$executor`, which runs a query as
/// `self.rows(&sql)` and the like (taking `mut self` when it is held by
/// value), and starts the rows of `fetch` with `$iter`, which must borrow
/// the connection for `'e` rather than `self`.
macro_rules! sync_executor {
    ($(impl[$($generics:tt)*] $executor:ty {
        receiver: [$($mut:ident)?],
        fetch: |$this:ident, $sql:ident| $iter:expr,
    })*) => {$(
        impl<$($generics)*> Executor<'e> for $executor {
            type Output<T: Send + 'e> = Result<T, Error>;
            type Rows<R: Send + 'e> = RowIter<'e, R>;

            fn fetch_all<R: Send + 'e>($($mut)? self, sql: Sql<'e>, map: MapRow<R>) -> Self::Output<Vec<R>> {
                map_rows(self.rows(&sql), map)
            }

            fn fetch_one<R: Send + 'e>($($mut)? self, sql: Sql<'e>, map: MapRow<R>) -> Self::Output<R> {
                map_one(self.one(&sql), map)
            }

            fn fetch_optional<R: Send + 'e>(
                $($mut)? self,
                sql: Sql<'e>,
                map: MapRow<R>,
            ) -> Self::Output<Option<R>> {
                map_optional(self.optional(&sql), map)
            }

            fn fetch_all_whole<C2: for<'r> FromRow<'r> + Columns + 'e, R: Send + 'e>(
                $($mut)? self,
                sql: Sql<'e>,
                whole: Whole<C2, R>,
            ) -> Self::Output<Vec<R>> {
                records(self.rows(&sql), whole)
            }

            fn fetch_one_whole<C2: for<'r> FromRow<'r> + Columns + 'e, R: Send + 'e>(
                $($mut)? self,
                sql: Sql<'e>,
                whole: Whole<C2, R>,
            ) -> Self::Output<R> {
                let Whole(_) = whole;
                map_one(self.one(&sql), read_whole::<C2, R>)
            }

            fn fetch_optional_whole<C2: for<'r> FromRow<'r> + Columns + 'e, R: Send + 'e>(
                $($mut)? self,
                sql: Sql<'e>,
                whole: Whole<C2, R>,
            ) -> Self::Output<Option<R>> {
                let Whole(_) = whole;
                map_optional(self.optional(&sql), read_whole::<C2, R>)
            }

            fn fetch<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Rows<R> {
                let trace = Trace::start(&sql);
                let ($this, $sql) = (self, &sql);
                RowIter {
                    source: Source::new(trace, $iter),
                    map,
                }
            }

            fn execute($($mut)? self, sql: Sql<'e>) -> Self::Output<u64> {
                self.affected(&sql)
            }
        }
    )*};
}

sync_executor! {
    impl['e, C: SyncClient] &'e mut C {
        receiver: [],
        fetch: |client, sql| client.iter(sql),
    }
    // A sync connection in [`Unprepared`] by value: what `&mut` of it
    // would run, with the rows of `fetch` borrowing the connection itself.
    impl['e, C: SyncUnprepared] Unprepared<&'e mut C> {
        receiver: [mut],
        fetch: |unprepared, sql| iter(C::unprepared(unprepared.0), sql),
    }
}
