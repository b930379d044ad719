//! Running a [`Query`](crate::Query): the executors, and how a query goes
//! over the wire.
//!
//! A query runs on any [`Executor`]:
//!
//! - sync: `&mut postgres::Client`, `&mut postgres::Transaction`, and with
//!   the feature `r2d2`, `&mut r2d2::PooledConnection` of `r2d2_postgres`:
//!   the methods return `Result<T, postgres::Error>`, `fetch` an iterator;
//! - async (feature `tokio`): `&tokio_postgres::Client`,
//!   `&tokio_postgres::Transaction`, and with the features `deadpool` and
//!   `bb8`, `&deadpool_postgres::Object`, `&deadpool_postgres::Transaction`
//!   and `&bb8::PooledConnection` of `bb8_postgres`: the methods return a
//!   future of it, `fetch` a `Stream`;
//! - [`Cached`] around a client: the same, with statements prepared once
//!   per connection (see below);
//! - [`Unprepared`] around any of them (`Unprepared(&conn)`, or
//!   `Unprepared(&mut client)` for a sync one): the same, never with a
//!   prepared statement, for transaction-mode poolers.
//!
//! The future of an async query is a `QueryFuture` (feature `tokio`).
//!
//! # Which path, when
//!
//! Where migrate has a safe place to keep a statement per connection, a
//! query is prepared once on it and from then on runs in one round trip with
//! no parse on the server: a [`Cached`] client (which owns its connection)
//! and deadpool's connections and transactions (in deadpool's own statement
//! cache of the connection, `prepare_typed_cached`). A schema change that
//! makes a kept statement's result type wrong (`cached plan must not change
//! result type`) drops it and runs the query again, prepared anew, once:
//! only outside a transaction, since the error aborts one (there the error
//! stands). Not behind a transaction-mode pooler (PgBouncer without
//! `max_prepared_statements`), where a named statement belongs to one
//! server session and the next transaction may meet another: PostgreSQL
//! then says `prepared statement "s3" does not exist`, and the way out is
//! [`Unprepared`].
//!
//! Everywhere else (a borrowed `tokio_postgres::Client` or
//! `postgres::Client`, their transactions, bb8's and r2d2's connections,
//! and anything in [`Unprepared`]), a query goes with its parameter types in
//! one message (Parse, Bind, Describe, Execute, Sync: `query_typed` in the
//! driver's words): one round trip too, with nothing left on the server, so
//! it works behind any pooler, but the server parses and plans it on every
//! call. migrate keeps nothing for a connection it does not own: a map keyed
//! by a client's address could meet a new connection at the same address
//! and run a statement that was never prepared there.
//! `Cached::new(client)` is the way to the prepared path for an owned one.
//!
//! A parameter of a type of the schema's own has an OID only the server
//! knows. On the prepared path the server names it when the query is
//! prepared. On `query_typed`, an enum, a domain over a built-in type and
//! an array of enums are sent with no type (OID 0, as `$1` with no type in
//! SQL), which the server infers from the query as it did when the macro
//! checked it: a domain as its base type's value, an enum as its label, a
//! composite of built-in attribute types in its binary form (which names
//! them by OID), an array of enums in the text form (the binary one names
//! its element type by OID). One round trip still. An array of composites
//! or domains, or a composite with an attribute of the schema's own type, is
//! prepared, run and closed by the driver there (two round trips), as
//! hand-written `client.query(sql, ..)` is: their binary forms name a type
//! of the schema's own by OID, and the server checks it.
//!
//! # Tracing
//!
//! With the feature `tracing`, each query runs in a `DEBUG` span `query`
//! with the fields `sql`, `file` and `line` (of the macro call), and, when
//! it ends, `rows` (returned or affected) and `elapsed_ms`.

use std::collections::HashMap;
use std::panic::Location;
use std::sync::{Mutex, OnceLock, PoisonError};

use postgres::Row;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::private::BytesMut;
use postgres::types::{Field, Format, IsNull, Kind, ToSql, Type};
use rustc_hash::FxBuildHasher;

use crate::query::{Arg, Columns, Error, FromRow, MapRow, Whole};

/// A query as it goes to an executor: the SQL, its parameters' wire types
/// and the arguments.
#[doc(hidden)]
pub struct Sql<'a> {
    pub(crate) text: &'static str,
    types: &'static str,
    pub(crate) args: Vec<Arg<'a>>,
    pub(crate) location: &'static Location<'static>,
}

impl<'a> Sql<'a> {
    pub(crate) fn new(
        text: &'static str,
        types: &'static str,
        args: Vec<Arg<'a>>,
        location: &'static Location<'static>,
    ) -> Self {
        Self {
            text,
            types,
            args,
            location,
        }
    }

    /// The arguments with the types they are sent as, or `None` when one of
    /// them has a type only the server can name. An argument of a type of
    /// the schema's own (sent with OID 0) is written into `written` here,
    /// once, and sent from there: a value that refuses that type (a `ToSql`
    /// of the project's own that checks more than the name) goes the
    /// driver's way, found before anything is sent.
    fn typed<'s>(
        &'s self,
        written: &'s mut Vec<Written>,
    ) -> Option<Vec<(&'s (dyn ToSql + Sync), Type)>> {
        let mut out: Vec<(&'s (dyn ToSql + Sync), Type)> = Vec::with_capacity(self.args.len());
        let mut names = self.types.split(' ').filter(|name| !name.is_empty());
        for arg in &self.args {
            let ty = wire_type(names.next()?)?;
            if ty.oid() == 0 {
                written.push(Written::new(arg, &ty)?);
            }
            out.push((arg as &(dyn ToSql + Sync), ty));
        }
        if names.next().is_some() {
            return None;
        }
        // The written values stand in for their arguments.
        let written: &'s [Written] = written;
        let mut written = written.iter();
        for (param, ty) in &mut out {
            if ty.oid() == 0
                && let Some(value) = written.next()
            {
                *param = value;
            }
        }
        Some(out)
    }

    /// The types to prepare the statement with (OID 0 for one the server
    /// infers): empty (the server infers them all) when one is not known.
    /// Read from the macro's words alone: nothing is sent with them.
    fn prepare_types(&self) -> Vec<Type> {
        let mut out = Vec::with_capacity(self.args.len());
        for word in self.types.split(' ').filter(|word| !word.is_empty()) {
            match wire_type(word) {
                Some(ty) => out.push(ty),
                None => return Vec::new(),
            }
        }
        if out.len() != self.args.len() {
            return Vec::new();
        }
        out
    }

    /// [`Sql::prepare_types`], worked out once per query (by the address of
    /// its types' text) and kept for the program's life, as the query's
    /// text is: deadpool's statement cache is keyed by them, so every call
    /// names them. The program's queries bound what is kept.
    #[cfg(all(feature = "tokio", feature = "deadpool"))]
    fn shared_prepare_types(&self) -> &'static [Type] {
        use std::sync::RwLock;
        type Shared = HashMap<(SqlKey, usize), &'static [Type], FxBuildHasher>;
        static SHARED: OnceLock<RwLock<Shared>> = OnceLock::new();
        let shared = SHARED.get_or_init(RwLock::default);
        let key = (SqlKey(self.types), self.args.len());
        let known = shared
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .copied();
        if let Some(types) = known {
            return types;
        }
        let mut shared = shared.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(types) = shared.get(&key).copied() {
            return types;
        }
        let types: &'static [Type] = Vec::leak(self.prepare_types());
        shared.insert(key, types);
        types
    }

    /// The arguments as the driver takes them: on the stack for up to
    /// [`INLINE_PARAMS`].
    fn params(&self) -> Params<'_> {
        if self.args.len() > INLINE_PARAMS {
            return Params::Heap(
                self.args
                    .iter()
                    .map(|arg| arg as &(dyn ToSql + Sync))
                    .collect(),
            );
        }
        let mut inline: [&(dyn ToSql + Sync); INLINE_PARAMS] = [&false; INLINE_PARAMS];
        for (slot, arg) in inline.iter_mut().zip(&self.args) {
            *slot = arg;
        }
        Params::Inline(inline, self.args.len())
    }
}

/// How many arguments [`Params`] holds without an allocation.
const INLINE_PARAMS: usize = 8;

/// A query's arguments as a slice of `ToSql`, what the driver takes.
enum Params<'s> {
    /// The first `.1` are the arguments, the rest filler.
    Inline([&'s (dyn ToSql + Sync); INLINE_PARAMS], usize),
    Heap(Vec<&'s (dyn ToSql + Sync)>),
}

impl<'s> std::ops::Deref for Params<'s> {
    type Target = [&'s (dyn ToSql + Sync)];

    fn deref(&self) -> &Self::Target {
        match self {
            Params::Inline(params, len) => &params[..*len],
            Params::Heap(params) => params,
        }
    }
}

/// An argument of a type of the schema's own, written before the query
/// is sent (see [`Sql::typed`]) and sent as written.
#[derive(Debug)]
struct Written {
    bytes: BytesMut,
    is_null: bool,
    format: Format,
}

impl Written {
    fn new(arg: &Arg<'_>, ty: &Type) -> Option<Self> {
        let mut bytes = BytesMut::new();
        let is_null = match arg.to_sql_checked(ty, &mut bytes) {
            Ok(IsNull::Yes) => true,
            Ok(IsNull::No) => false,
            Err(_) => return None,
        };
        Some(Self {
            bytes,
            is_null,
            format: arg.encode_format(ty),
        })
    }
}

impl ToSql for Written {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        if self.is_null {
            return Ok(IsNull::Yes);
        }
        out.extend_from_slice(&self.bytes);
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn to_sql_checked(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        self.to_sql(ty, out)
    }

    fn encode_format(&self, _: &Type) -> Format {
        self.format
    }
}

/// The type a parameter is sent as, from the macro's word for it: a
/// built-in type by its `typname`, or one of the schema's own as a type with
/// no OID (0, "unspecified": the server infers it from the query, as it
/// does for `$1` with no type), which the argument writes as its value
/// reads: `domain:<typname>:<base typname>`, `composite:<typname>:<attribute
/// typnames>` (its binary form names them), `enum:<typname>`,
/// `enum[]:<typname>`.
fn wire_type(word: &str) -> Option<Type> {
    let unspecified = |name: &str, kind| Type::new(name.to_owned(), 0, kind, String::new());
    if let Some(name) = word.strip_prefix("enum:") {
        return Some(unspecified(name, Kind::Enum(Vec::new())));
    }
    if let Some(name) = word.strip_prefix("enum[]:") {
        let element = unspecified(name, Kind::Enum(Vec::new()));
        return Some(unspecified(&format!("_{name}"), Kind::Array(element)));
    }
    if let Some((name, base)) = word
        .strip_prefix("domain:")
        .and_then(|rest| rest.split_once(':'))
    {
        return Some(unspecified(name, Kind::Domain(builtin_type(base)?)));
    }
    if let Some((name, attributes)) = word
        .strip_prefix("composite:")
        .and_then(|rest| rest.split_once(':'))
    {
        let mut fields = Vec::new();
        for attribute in attributes.split(',').filter(|name| !name.is_empty()) {
            fields.push(Field::new(String::new(), builtin_type(attribute)?));
        }
        return Some(unspecified(name, Kind::Composite(fields)));
    }
    builtin_type(word)
}

/// A built-in type by its `typname` (`int8`, `_text`): every type the
/// driver knows, by name, built once.
pub(crate) fn builtin_type(name: &str) -> Option<Type> {
    static BY_NAME: OnceLock<HashMap<String, Type, FxBuildHasher>> = OnceLock::new();
    let by_name = BY_NAME.get_or_init(|| {
        // Built-in OIDs are below FirstNormalObjectId (16384).
        (0..16_384)
            .filter_map(Type::from_oid)
            .map(|ty| (ty.name().to_owned(), ty))
            .collect()
    });
    by_name.get(name).cloned()
}

/// Whether `error` is the server's refusal of a prepared statement whose
/// result type the schema changed.
fn is_stale_plan(error: &Error) -> bool {
    error.code() == Some(&SqlState::FEATURE_NOT_SUPPORTED)
        && error.as_db_error().is_some_and(|db| {
            db.message()
                .starts_with("cached plan must not change result type")
        })
}

/// `error`, after saying (feature `tracing`) what to do when it is the
/// server's "prepared statement "s3" does not exist" for a statement kept
/// on the connection: what a transaction-mode pooler without
/// `max_prepared_statements` does to them.
#[cfg(feature = "tracing")]
fn lost_statement(error: Error) -> Error {
    if error.code() == Some(&SqlState::INVALID_SQL_STATEMENT_NAME) {
        tracing::warn!(
            error = %error,
            "a prepared statement kept on this connection is gone on the server: behind a \
             transaction-mode pooler, run the queries through migrate::Unprepared"
        );
    }
    error
}

#[cfg(not(feature = "tracing"))]
#[inline(always)]
fn lost_statement(error: Error) -> Error {
    error
}

// The functions generic over the row type `R` are instantiated once per
// query, so they are kept few and small: plain loops and `match` instead of
// iterator adapters and `?` (each of which is one more function per query),
// and the driver called from functions that do not depend on `R`. A record
// read whole costs less still: its rows are read by functions generic over
// its `Columns` only, which every query with the same column types shares.

/// Every row through `map`.
#[allow(
    clippy::question_mark,
    reason = "`?` would be one more function per row type"
)]
fn map_rows<R>(rows: Result<Vec<Row>, Error>, map: MapRow<R>) -> Result<Vec<R>, Error> {
    let rows = match rows {
        Ok(rows) => rows,
        Err(error) => return Err(error),
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        match map(row) {
            Ok(value) => out.push(value),
            Err(error) => return Err(error),
        }
    }
    Ok(out)
}

/// The one row through `map`.
#[allow(
    clippy::question_mark,
    reason = "`?` would be one more function per row type"
)]
fn map_one<R>(row: Result<Row, Error>, map: MapRow<R>) -> Result<R, Error> {
    match row {
        Ok(row) => map(&row),
        Err(error) => Err(error),
    }
}

/// The row, if any, through `map`.
#[allow(
    clippy::question_mark,
    reason = "`?` would be one more function per row type"
)]
fn map_optional<R>(row: Result<Option<Row>, Error>, map: MapRow<R>) -> Result<Option<R>, Error> {
    match row {
        Ok(Some(row)) => match map(&row) {
            Ok(value) => Ok(Some(value)),
            Err(error) => Err(error),
        },
        Ok(None) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Every row as `C`: shared by every query whose columns have these types.
#[allow(
    clippy::question_mark,
    reason = "`?` would be one more function per tuple of column types"
)]
fn read_all<C: for<'r> FromRow<'r>>(rows: Result<Vec<Row>, Error>) -> Result<Vec<C>, Error> {
    let rows = match rows {
        Ok(rows) => rows,
        Err(error) => return Err(error),
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        match C::from_row(row) {
            Ok(columns) => out.push(columns),
            Err(error) => return Err(error),
        }
    }
    Ok(out)
}

/// The `Vec<C>` read by [`read_all`] as the `Vec<R>` it is, given the
/// [`Whole<C, R>`] that proves the two types have one layout; without a
/// function per `R` beyond `Vec::from_raw_parts`.
macro_rules! into_records {
    ($whole:expr, $columns:expr) => {{
        let Whole(_) = $whole;
        let mut columns = std::mem::ManuallyDrop::new($columns);
        // SAFETY: the `Whole<C, R>` vouches that `R` has the layout of `C`
        // (size and alignment included), so the buffer of a `Vec<C>` is one
        // of a `Vec<R>` with the same length and capacity, and its values
        // are valid `R`s holding the same data, which the new `Vec` now
        // owns (the old one is never dropped).
        unsafe {
            Vec::from_raw_parts(
                columns.as_mut_ptr() as *mut R,
                columns.len(),
                columns.capacity(),
            )
        }
    }};
}

/// The rows read as `C`, moved into `R`s as `whole` vouches they can be.
fn records<C, R>(rows: Result<Vec<Row>, Error>, whole: Whole<C, R>) -> Result<Vec<R>, Error>
where
    C: for<'r> FromRow<'r> + Columns,
{
    match read_all::<C>(rows) {
        Ok(columns) => Ok(into_records!(whole, columns)),
        Err(error) => Err(error),
    }
}

/// One row read whole as `C` and moved into `R`. Only called for a query
/// that holds a [`Whole<C, R>`].
#[allow(
    clippy::question_mark,
    reason = "`?` would be one more function per row type"
)]
pub(crate) fn read_whole<C, R>(row: &Row) -> Result<R, Error>
where
    C: for<'r> FromRow<'r> + Columns,
{
    /// One value seen as either type.
    union Cast<C, R> {
        columns: std::mem::ManuallyDrop<C>,
        record: std::mem::ManuallyDrop<R>,
    }
    match C::from_row(row) {
        Ok(columns) => {
            let cast = Cast::<C, R> {
                columns: std::mem::ManuallyDrop::new(columns),
            };
            // SAFETY: the `Whole<C, R>` the query holds vouches that `R` has
            // the layout of `C`, so the bits of the columns are a valid `R`
            // holding the same values, which the record now owns (the
            // columns are never dropped).
            Ok(std::mem::ManuallyDrop::into_inner(unsafe { cast.record }))
        }
        Err(error) => Err(error),
    }
}

/// A connection or transaction a [`Query`](crate::Query) runs on: see the
/// [module](self).
///
/// Sync executors give `Result<T, Error>`, async ones a future of it.
pub trait Executor<'e>: Sized + private::Sealed {
    /// `Result<T, Error>`, or a future of it.
    type Output<T: Send + 'e>;
    /// What `fetch` gives: an iterator of `Result<R, Error>` ([`RowIter`]),
    /// or a `Stream` of them ([`RowStream`]).
    type Rows<R: Send + 'e>;

    // Each method maps the rows itself, so that a query instantiates one
    // generic function per row type and executor, not a chain of closures.
    #[doc(hidden)]
    fn fetch_all<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Output<Vec<R>>;
    #[doc(hidden)]
    fn fetch_one<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Output<R>;
    #[doc(hidden)]
    fn fetch_optional<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Output<Option<R>>;
    #[doc(hidden)]
    fn fetch_all_whole<C: for<'r> FromRow<'r> + Columns + 'e, R: Send + 'e>(
        self,
        sql: Sql<'e>,
        whole: Whole<C, R>,
    ) -> Self::Output<Vec<R>>;
    #[doc(hidden)]
    fn fetch_one_whole<C: for<'r> FromRow<'r> + Columns + 'e, R: Send + 'e>(
        self,
        sql: Sql<'e>,
        whole: Whole<C, R>,
    ) -> Self::Output<R>;
    #[doc(hidden)]
    fn fetch_optional_whole<C: for<'r> FromRow<'r> + Columns + 'e, R: Send + 'e>(
        self,
        sql: Sql<'e>,
        whole: Whole<C, R>,
    ) -> Self::Output<Option<R>>;
    #[doc(hidden)]
    fn fetch<R: Send + 'e>(self, sql: Sql<'e>, map: MapRow<R>) -> Self::Rows<R>;
    #[doc(hidden)]
    fn execute(self, sql: Sql<'e>) -> Self::Output<u64>;
}

mod private {
    pub trait Sealed {}
}

/// A connection that prepares each query once and keeps the statement,
/// keyed by the query's SQL: see the [module](self). It owns the client, so
/// a statement is never used on another connection, and goes with it.
///
/// ```no_run
/// let client = postgres::Client::connect("postgres://postgres@127.0.0.1/app", postgres::NoTls)?;
/// let mut client = migrate::Cached::new(client);
/// // migrate::query!("SELECT id FROM users WHERE id = $1", 7_i64).fetch_one(&mut client)?;
/// client.client_mut().batch_execute("SELECT 1")?;
/// # Ok::<(), postgres::Error>(())
/// ```
pub struct Cached<C: Prepares> {
    client: C,
    statements: Mutex<HashMap<SqlKey, C::Statement, FxBuildHasher>>,
}

/// A query's SQL as a key of [`Cached`]'s map: by its address and length,
/// which a `'static` text keeps for the whole program, so that a lookup
/// neither hashes nor compares the text. The same text at two addresses
/// (two macro calls) is two keys, each with its statement.
#[derive(Clone, Copy)]
struct SqlKey(&'static str);

impl PartialEq for SqlKey {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for SqlKey {}

impl std::hash::Hash for SqlKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.0.as_ptr() as usize);
    }
}

/// A client whose statements [`Cached`] keeps.
#[doc(hidden)]
pub trait Prepares {
    type Statement: Clone;
}

impl Prepares for postgres::Client {
    type Statement = postgres::Statement;
}

#[cfg(feature = "tokio")]
impl Prepares for tokio_postgres::Client {
    type Statement = tokio_postgres::Statement;
}

impl<C: Prepares> Cached<C> {
    /// Wraps `client`, with no statement prepared yet.
    pub fn new(client: C) -> Self {
        Self {
            client,
            statements: Mutex::new(HashMap::default()),
        }
    }

    /// The client, for what the macros do not check.
    pub fn client(&self) -> &C {
        &self.client
    }

    /// The client, for what the macros do not check.
    pub fn client_mut(&mut self) -> &mut C {
        &mut self.client
    }

    /// The client, and the statements prepared on it are closed with it.
    pub fn into_inner(self) -> C {
        self.client
    }

    /// How many statements are prepared.
    pub fn prepared(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SqlKey, C::Statement, FxBuildHasher>> {
        self.statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, sql: &'static str) -> Option<C::Statement> {
        self.lock().get(&SqlKey(sql)).cloned()
    }

    fn keep(&self, sql: &'static str, statement: C::Statement) {
        self.lock().insert(SqlKey(sql), statement);
    }

    fn forget(&self, sql: &'static str) {
        self.lock().remove(&SqlKey(sql));
    }
}

/// A connection (or transaction) whose queries are never prepared: each is
/// sent with its parameter types in one message (`query_typed`), one round
/// trip with nothing kept on the server, however the connection would run
/// it otherwise. The setting for a transaction-mode pooler (PgBouncer
/// without `max_prepared_statements`), where a statement prepared in one
/// transaction may be gone, or be another's, in the next; see the
/// [module](self).
///
/// An executor by value around a borrowed connection (`Unprepared(&conn)`,
/// `Unprepared(&mut client)` for a sync one), or by reference around an
/// owned one (`&Unprepared(conn)`):
///
/// ```no_run
/// // Through PgBouncer in transaction mode.
/// let mut client = postgres::Client::connect("postgres://postgres@127.0.0.1:6432/app", postgres::NoTls)?;
/// // migrate::query!("SELECT id FROM users WHERE id = $1", 7_i64)
/// //     .fetch_one(migrate::Unprepared(&mut client))?;
/// let _ = migrate::Unprepared(&mut client);
/// # Ok::<(), postgres::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Unprepared<C>(pub C);

impl<C> private::Sealed for Unprepared<C> {}

/// Timing and row counts of a query in a `tracing` span.
mod trace {
    use super::Sql;

    #[cfg(feature = "tracing")]
    pub struct Trace {
        span: tracing::Span,
        started: std::time::Instant,
    }

    #[cfg(feature = "tracing")]
    impl Trace {
        pub fn start(sql: &Sql<'_>) -> Self {
            let span = tracing::debug_span!(
                "query",
                sql = sql.text,
                file = sql.location.file(),
                line = sql.location.line(),
                rows = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
            );
            Self {
                span,
                started: std::time::Instant::now(),
            }
        }

        pub fn end(&self, rows: Option<u64>) {
            let elapsed = self.started.elapsed().as_secs_f64() * 1000.0;
            self.span.record("elapsed_ms", elapsed);
            if let Some(rows) = rows {
                self.span.record("rows", rows);
            }
        }
    }

    #[cfg(not(feature = "tracing"))]
    pub struct Trace;

    #[cfg(not(feature = "tracing"))]
    impl Trace {
        #[inline(always)]
        pub fn start(_: &Sql<'_>) -> Self {
            Self
        }

        #[inline(always)]
        pub fn end(&self, _: Option<u64>) {}
    }
}

use trace::Trace;

/// Runs `run` in the query's span (feature `tracing`), recording the rows
/// `count` finds in its result: the frame of every executor method.
#[cfg(feature = "tracing")]
fn traced<T>(
    sql: &Sql<'_>,
    count: fn(&Result<T, Error>) -> Option<u64>,
    run: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    let trace = Trace::start(sql);
    let result = run();
    trace.end(count(&result));
    result
}

/// Without the feature `tracing`, only `run`.
#[cfg(not(feature = "tracing"))]
#[inline(always)]
fn traced<T>(
    _: &Sql<'_>,
    _: fn(&Result<T, Error>) -> Option<u64>,
    run: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    run()
}

/// [`traced`] for a future.
#[cfg(all(feature = "tokio", feature = "tracing"))]
async fn traced_async<T>(
    sql: &Sql<'_>,
    count: fn(&Result<T, Error>) -> Option<u64>,
    run: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let trace = Trace::start(sql);
    let result = run.await;
    trace.end(count(&result));
    result
}

/// Without the feature `tracing`, the future itself: no state machine
/// around it to move on every query.
#[cfg(all(feature = "tokio", not(feature = "tracing")))]
#[inline(always)]
fn traced_async<F: std::future::Future>(
    _: &Sql<'_>,
    _: fn(&F::Output) -> Option<u64>,
    run: F,
) -> F {
    run
}

fn count<T>(result: &Result<Vec<T>, Error>) -> Option<u64> {
    result.as_ref().ok().map(|rows| rows.len() as u64)
}

fn count_optional<T>(result: &Result<Option<T>, Error>) -> Option<u64> {
    result.as_ref().ok().map(|row| u64::from(row.is_some()))
}

fn count_one<T>(result: &Result<T, Error>) -> Option<u64> {
    result.as_ref().ok().map(|_| 1)
}

fn count_affected(result: &Result<u64, Error>) -> Option<u64> {
    result.as_ref().ok().copied()
}

mod sync;
pub use sync::RowIter;

#[cfg(feature = "tokio")]
mod nonblocking;
#[cfg(feature = "tokio")]
mod query_future;
#[cfg(feature = "tokio")]
pub use nonblocking::RowStream;
#[cfg(feature = "tokio")]
pub use query_future::QueryFuture;

#[cfg(test)]
mod tests {
    use super::*;

    fn sql<'a>(types: &'static str, args: Vec<Arg<'a>>) -> Sql<'a> {
        Sql::new("SELECT", types, args, Location::caller())
    }

    #[test]
    fn built_in_types_are_found_by_typname() {
        assert_eq!(builtin_type("int8"), Some(Type::INT8));
        assert_eq!(builtin_type("_text"), Some(Type::TEXT_ARRAY));
        assert_eq!(builtin_type("timestamptz"), Some(Type::TIMESTAMPTZ));
        assert_eq!(builtin_type("jsonb"), Some(Type::JSONB));
        assert_eq!(builtin_type("mood"), None);
        assert_eq!(builtin_type("?"), None);
    }

    #[test]
    fn arguments_go_typed_only_when_every_type_is_built_in() {
        let (id, name) = (7_i64, "x".to_owned());
        let types = |sql: &Sql<'_>| {
            sql.typed(&mut Vec::new())
                .map(|typed| typed.into_iter().map(|(_, ty)| ty).collect::<Vec<_>>())
        };
        assert_eq!(types(&sql("", vec![])), Some(vec![]));
        assert_eq!(
            types(&sql("int8 text", vec![Arg::new(&id), Arg::new(&name)])),
            Some(vec![Type::INT8, Type::TEXT])
        );
        assert_eq!(
            types(&sql("int8 ?", vec![Arg::new(&id), Arg::new(&name)])),
            None
        );
        // A count that does not match is never sent typed.
        assert_eq!(
            types(&sql("int8", vec![Arg::new(&id), Arg::new(&name)])),
            None
        );
        assert_eq!(types(&sql("int8 text", vec![Arg::new(&id)])), None);
        assert!(sql("int8 ?", vec![]).prepare_types().is_empty());
    }

    #[test]
    fn the_schemas_own_types_go_with_no_oid_when_the_value_takes_them() {
        let (id, name) = (7_i64, "x".to_owned());
        let oids = |sql: &Sql<'_>| {
            sql.typed(&mut Vec::new()).map(|typed| {
                typed
                    .into_iter()
                    .map(|(_, ty)| (ty.name().to_owned(), ty.oid()))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            oids(&sql(
                "enum:mood domain:short_text:text int8",
                vec![Arg::lenient(&name), Arg::new(&name), Arg::new(&id)]
            )),
            Some(vec![
                ("mood".to_owned(), 0),
                ("short_text".to_owned(), 0),
                ("int8".to_owned(), 20)
            ])
        );
        // An i64 does not write a label: the driver prepares the query.
        assert_eq!(oids(&sql("enum:mood", vec![Arg::new(&id)])), None);
        // Nor a domain over text.
        assert_eq!(
            oids(&sql("domain:short_text:text", vec![Arg::new(&id)])),
            None
        );
        let types = sql("composite:pair:text,_int4", vec![Arg::new(&id)]).prepare_types();
        let Kind::Composite(fields) = types[0].kind() else {
            panic!("{types:?}");
        };
        let attributes: Vec<_> = fields.iter().map(|field| field.type_().clone()).collect();
        assert_eq!(attributes, [Type::TEXT, Type::INT4_ARRAY]);
    }

    /// A value that counts how often it is written.
    #[derive(Debug)]
    struct Counted(std::sync::atomic::AtomicUsize);

    impl ToSql for Counted {
        fn to_sql(
            &self,
            ty: &Type,
            out: &mut BytesMut,
        ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            "sad".to_sql(ty, out)
        }

        fn accepts(_: &Type) -> bool {
            true
        }

        postgres::types::to_sql_checked!();
    }

    #[test]
    fn an_argument_with_no_oid_is_written_once() {
        let label = Counted(std::sync::atomic::AtomicUsize::new(0));
        let sql = sql("enum:mood int8", vec![Arg::new(&label), Arg::new(&7_i64)]);
        let mut written = Vec::new();
        let params = sql.typed(&mut written).unwrap();
        // What the driver does with each parameter as it sends the query.
        let mut sent = Vec::new();
        for (param, ty) in &params {
            let mut out = BytesMut::new();
            param.to_sql_checked(ty, &mut out).unwrap();
            sent.push(out.to_vec());
        }
        assert_eq!(sent[0], b"sad");
        assert_eq!(sent[1], 7_i64.to_be_bytes());
        assert_eq!(label.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
