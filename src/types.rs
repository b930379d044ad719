//! Rust types for the PostgreSQL types that neither the `postgres` driver
//! nor a well-kept companion crate maps: each keeps what PostgreSQL stores,
//! in PostgreSQL's own units, and reads and writes PostgreSQL's binary form.
//!
//! - [`Interval`]: `interval` as months, days and microseconds, kept apart as
//!   PostgreSQL keeps them (a month is not a number of days, nor a day a
//!   number of seconds across a change of daylight saving time);
//! - [`TimeTz`]: `time with time zone`;
//! - [`Money`]: `money`, in the currency's smallest unit;
//! - [`MacAddr`], [`MacAddr8`]: `macaddr`, `macaddr8`;
//! - [`Range`]: any range type (`int4range`, `tstzrange`, a range type of
//!   the migrations) over the Rust type of its subtype, and [`Multirange`];
//! - the geometric types: [`Point`], [`Line`], [`LineSegment`], [`Rect`],
//!   [`Path`], [`Polygon`], [`Circle`] (the driver's `geo-types` support
//!   covers three of the seven);
//! - text search: [`TsVector`] (lexemes, positions and weights) and
//!   [`TsQuery`] (operands and operators in PostgreSQL's prefix order);
//! - [`JsonPath`]: `jsonpath`, as its text;
//! - [`Xid8`]: a 64-bit transaction id, [`Tid`]: a row's physical place
//!   (`ctid`), [`Snapshot`]: `pg_snapshot` and `txid_snapshot`;
//! - read only: the planner's statistics [`NDistinct`], [`Dependencies`]
//!   (decoded) and [`McvList`], and BRIN's summaries [`BrinBloomSummary`],
//!   [`BrinMinmaxMultiSummary`] (the bytes PostgreSQL sends).
//!
//! ```
//! use migrate::types::Interval;
//!
//! let one_month = Interval::new(1, 0, 0);
//! assert_ne!(one_month, Interval::new(0, 30, 0));
//! ```

use std::error::Error;
use std::ops::Bound;

use postgres::types::private::BytesMut;
use postgres::types::{FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};
use postgres_protocol::types as wire;

mod geometry;
mod snapshot;
mod statistics;
mod text_search;

pub use geometry::{Circle, Line, LineSegment, Path, Point, Polygon, Rect};
pub use snapshot::Snapshot;
pub use statistics::{
    BrinBloomSummary, BrinMinmaxMultiSummary, Dependencies, Dependency, McvList, NDistinct,
    NDistinctItem,
};
pub use text_search::{Lexeme, Position, TsQuery, TsQueryItem, TsVector, Weight};

type Result<T> = std::result::Result<T, Box<dyn Error + Sync + Send>>;

/// Exactly `N` bytes of `raw`, or an error naming the type.
fn exact<const N: usize>(raw: &[u8], what: &str) -> Result<[u8; N]> {
    raw.try_into().map_err(|_| {
        format!(
            "invalid {what} value: {} bytes where {N} were expected",
            raw.len()
        )
        .into()
    })
}

/// `interval`: months, days and microseconds, as PostgreSQL stores them.
///
/// PostgreSQL adds the three parts to a timestamp one after the other:
/// `'1 month'` is not `'30 days'`, and `'1 day'` is not `'24 hours'` across
/// a change of daylight saving time, so none of them is folded into another.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub microseconds: i64,
}

impl Interval {
    /// An interval of `months`, `days` and `microseconds`.
    pub const fn new(months: i32, days: i32, microseconds: i64) -> Self {
        Self {
            months,
            days,
            microseconds,
        }
    }

    /// An interval of whole seconds and their fraction, as PostgreSQL reads
    /// `'90 seconds'`: no days, no months. `None` past `i64` microseconds.
    pub fn from_duration(duration: std::time::Duration) -> Option<Self> {
        let microseconds = i64::try_from(duration.as_micros()).ok()?;
        Some(Self::new(0, 0, microseconds))
    }
}

impl<'a> FromSql<'a> for Interval {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
        let raw: [u8; 16] = exact(raw, "interval")?;
        let [
            m0,
            m1,
            m2,
            m3,
            m4,
            m5,
            m6,
            m7,
            d0,
            d1,
            d2,
            d3,
            n0,
            n1,
            n2,
            n3,
        ] = raw;
        Ok(Self {
            microseconds: i64::from_be_bytes([m0, m1, m2, m3, m4, m5, m6, m7]),
            days: i32::from_be_bytes([d0, d1, d2, d3]),
            months: i32::from_be_bytes([n0, n1, n2, n3]),
        })
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
}

impl ToSql for Interval {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull> {
        out.extend_from_slice(&self.microseconds.to_be_bytes());
        out.extend_from_slice(&self.days.to_be_bytes());
        out.extend_from_slice(&self.months.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }

    to_sql_checked!();
}

/// `time with time zone`: a time of day and the offset from UTC it was
/// written with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TimeTz {
    /// Microseconds since midnight, in the time zone of `utc_offset_seconds`.
    pub microseconds: i64,
    /// Seconds east of UTC, as ISO 8601 writes it: `+02:00` is `7200`.
    pub utc_offset_seconds: i32,
}

impl<'a> FromSql<'a> for TimeTz {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
        let raw: [u8; 12] = exact(raw, "timetz")?;
        let [t0, t1, t2, t3, t4, t5, t6, t7, z0, z1, z2, z3] = raw;
        // PostgreSQL stores the zone as seconds west of UTC.
        let west = i32::from_be_bytes([z0, z1, z2, z3]);
        Ok(Self {
            microseconds: i64::from_be_bytes([t0, t1, t2, t3, t4, t5, t6, t7]),
            utc_offset_seconds: west.checked_neg().ok_or("invalid timetz zone")?,
        })
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMETZ
    }
}

impl ToSql for TimeTz {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull> {
        let west = self
            .utc_offset_seconds
            .checked_neg()
            .ok_or("invalid timetz offset")?;
        out.extend_from_slice(&self.microseconds.to_be_bytes());
        out.extend_from_slice(&west.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMETZ
    }

    to_sql_checked!();
}

/// `money`: an amount in the smallest unit of the database's currency
/// (cents where `lc_monetary` has two fractional digits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub i64);

impl<'a> FromSql<'a> for Money {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
        Ok(Self(i64::from_be_bytes(exact(raw, "money")?)))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::MONEY
    }
}

impl ToSql for Money {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull> {
        out.extend_from_slice(&self.0.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::MONEY
    }

    to_sql_checked!();
}

macro_rules! mac_address {
    ($(#[$doc:meta])* $name:ident, $n:literal, $ty:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub [u8; $n]);

        impl<'a> FromSql<'a> for $name {
            fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
                Ok(Self(exact(raw, $what)?))
            }

            fn accepts(ty: &Type) -> bool {
                *ty == Type::$ty
            }
        }

        impl ToSql for $name {
            fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull> {
                out.extend_from_slice(&self.0);
                Ok(IsNull::No)
            }

            fn accepts(ty: &Type) -> bool {
                *ty == Type::$ty
            }

            to_sql_checked!();
        }
    };
}

mac_address!(
    /// `macaddr`: a 6-byte MAC address.
    MacAddr, 6, MACADDR, "macaddr"
);
mac_address!(
    /// `macaddr8`: an 8-byte (EUI-64) MAC address.
    MacAddr8, 8, MACADDR8, "macaddr8"
);

/// `jsonpath`: an SQL/JSON path, as the text PostgreSQL prints for it
/// (`$."a"[*]?(@ > 1)`). PostgreSQL parses it when it receives it, so a
/// path that does not parse is an error of the query that passes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JsonPath(pub String);

/// The version byte of `jsonpath`'s binary form.
const JSONPATH_VERSION: u8 = 1;

impl<'a> FromSql<'a> for JsonPath {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
        match raw.split_first() {
            Some((&JSONPATH_VERSION, text)) => Ok(Self(std::str::from_utf8(text)?.to_owned())),
            Some((version, _)) => {
                Err(format!("unsupported jsonpath version number {version}").into())
            }
            None => Err("invalid jsonpath value: no version byte".into()),
        }
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONPATH
    }
}

impl ToSql for JsonPath {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull> {
        out.extend_from_slice(&[JSONPATH_VERSION]);
        out.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONPATH
    }

    to_sql_checked!();
}

/// `xid8`: a transaction id with its epoch (`pg_current_xact_id()`), which
/// never wraps around.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Xid8(pub u64);

impl<'a> FromSql<'a> for Xid8 {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
        Ok(Self(u64::from_be_bytes(exact(raw, "xid8")?)))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::XID8
    }
}

impl ToSql for Xid8 {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull> {
        out.extend_from_slice(&self.0.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::XID8
    }

    to_sql_checked!();
}

/// `tid`: where a row version stands in its table (`ctid`), a block number
/// and an item's offset in it (from 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tid {
    pub block: u32,
    pub offset: u16,
}

impl<'a> FromSql<'a> for Tid {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
        let bytes: [u8; 6] = exact(raw, "tid")?;
        Ok(Self {
            block: u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            offset: u16::from_be_bytes([bytes[4], bytes[5]]),
        })
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TID
    }
}

impl ToSql for Tid {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull> {
        out.extend_from_slice(&self.block.to_be_bytes());
        out.extend_from_slice(&self.offset.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TID
    }

    to_sql_checked!();
}

/// A value of a range type: empty, or between two bounds, each inclusive,
/// exclusive or absent (`[1,10)`, `(,now()]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Range<T> {
    /// `'empty'`.
    Empty,
    /// From `lower` to `upper`.
    Bounded(Bound<T>, Bound<T>),
}

impl<T> Range<T> {
    /// `[lower, upper)`, the form PostgreSQL gives discrete ranges.
    pub fn closed_open(lower: T, upper: T) -> Self {
        Self::Bounded(Bound::Included(lower), Bound::Excluded(upper))
    }
}

fn bound_from_sql<'a, T: FromSql<'a>>(
    subtype: &Type,
    bound: wire::RangeBound<Option<&'a [u8]>>,
) -> Result<Bound<T>> {
    let value = |raw: Option<&'a [u8]>| match raw {
        Some(raw) => T::from_sql(subtype, raw),
        None => Err("a range bound is NULL".into()),
    };
    Ok(match bound {
        wire::RangeBound::Inclusive(raw) => Bound::Included(value(raw)?),
        wire::RangeBound::Exclusive(raw) => Bound::Excluded(value(raw)?),
        wire::RangeBound::Unbounded => Bound::Unbounded,
    })
}

fn bound_to_sql<T: ToSql>(
    bound: &Bound<T>,
    subtype: &Type,
    out: &mut BytesMut,
) -> Result<wire::RangeBound<postgres_protocol::IsNull>> {
    let is_null = |is_null| match is_null {
        IsNull::Yes => postgres_protocol::IsNull::Yes,
        IsNull::No => postgres_protocol::IsNull::No,
    };
    Ok(match bound {
        Bound::Included(value) => wire::RangeBound::Inclusive(is_null(value.to_sql(subtype, out)?)),
        Bound::Excluded(value) => wire::RangeBound::Exclusive(is_null(value.to_sql(subtype, out)?)),
        Bound::Unbounded => wire::RangeBound::Unbounded,
    })
}

fn subtype(ty: &Type) -> Option<&Type> {
    match ty.kind() {
        Kind::Range(subtype) => Some(subtype),
        // Written `Domain(range)` when a domain is over a range.
        Kind::Domain(base) => subtype(base),
        _ => None,
    }
}

fn range_from_sql<'a, T: FromSql<'a>>(subtype: &Type, raw: &'a [u8]) -> Result<Range<T>> {
    Ok(match wire::range_from_sql(raw)? {
        wire::Range::Empty => Range::Empty,
        wire::Range::Nonempty(lower, upper) => Range::Bounded(
            bound_from_sql(subtype, lower)?,
            bound_from_sql(subtype, upper)?,
        ),
    })
}

fn range_to_sql<T: ToSql>(range: &Range<T>, subtype: &Type, out: &mut BytesMut) -> Result<()> {
    match range {
        Range::Empty => wire::empty_range_to_sql(out),
        Range::Bounded(lower, upper) => wire::range_to_sql(
            |out| bound_to_sql(lower, subtype, out),
            |out| bound_to_sql(upper, subtype, out),
            out,
        )?,
    }
    Ok(())
}

impl<'a, T: FromSql<'a>> FromSql<'a> for Range<T> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self> {
        let subtype = subtype(ty).ok_or("not a range type")?;
        range_from_sql(subtype, raw)
    }

    fn accepts(ty: &Type) -> bool {
        subtype(ty).is_some_and(T::accepts)
    }
}

impl<T: ToSql> ToSql for Range<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull> {
        let subtype = subtype(ty).ok_or("not a range type")?;
        range_to_sql(self, subtype, out)?;
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        subtype(ty).is_some_and(T::accepts)
    }

    to_sql_checked!();
}

/// A value of a multirange type (`int4multirange`, `tstzmultirange`, ...):
/// its ranges, in PostgreSQL's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Multirange<T>(pub Vec<Range<T>>);

fn multirange_subtype(ty: &Type) -> Option<&Type> {
    match ty.kind() {
        Kind::Multirange(subtype) => Some(subtype),
        Kind::Domain(base) => multirange_subtype(base),
        _ => None,
    }
}

impl<'a, T: FromSql<'a>> FromSql<'a> for Multirange<T> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self> {
        let subtype = multirange_subtype(ty).ok_or("not a multirange type")?;
        let mut raw = raw;
        let take = |raw: &mut &'a [u8], n: usize| -> Result<&'a [u8]> {
            if raw.len() < n {
                return Err("invalid multirange value: it ends early".into());
            }
            let (head, rest) = raw.split_at(n);
            *raw = rest;
            Ok(head)
        };
        let count = i32::from_be_bytes(exact(take(&mut raw, 4)?, "multirange")?);
        let mut ranges = Vec::new();
        for _ in 0..count {
            let len = i32::from_be_bytes(exact(take(&mut raw, 4)?, "multirange")?);
            let len = usize::try_from(len).map_err(|_| "invalid multirange value")?;
            ranges.push(range_from_sql(subtype, take(&mut raw, len)?)?);
        }
        if !raw.is_empty() {
            return Err("invalid multirange value: bytes left over".into());
        }
        Ok(Self(ranges))
    }

    fn accepts(ty: &Type) -> bool {
        multirange_subtype(ty).is_some_and(T::accepts)
    }
}

impl<T: ToSql> ToSql for Multirange<T> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull> {
        let subtype = multirange_subtype(ty).ok_or("not a multirange type")?;
        let count = i32::try_from(self.0.len()).map_err(|_| "too many ranges")?;
        out.extend_from_slice(&count.to_be_bytes());
        for range in &self.0 {
            let start = out.len();
            out.extend_from_slice(&[0; 4]);
            range_to_sql(range, subtype, out)?;
            let len = i32::try_from(out.len() - start - 4).map_err(|_| "a range is too large")?;
            out[start..start + 4].copy_from_slice(&len.to_be_bytes());
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        multirange_subtype(ty).is_some_and(T::accepts)
    }

    to_sql_checked!();
}
