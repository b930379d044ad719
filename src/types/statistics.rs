//! The planner's statistics and BRIN's summaries, as PostgreSQL sends them.
//!
//! PostgreSQL sends a value of `pg_ndistinct`, `pg_dependencies`,
//! `pg_mcv_list`, `pg_brin_bloom_summary` or `pg_brin_minmax_multi_summary`
//! as the bytes it stores (`byteasend`), in its own internal layout and the
//! server's byte order, and receives none from a client, in binary or as
//! text: these types are read, never passed.
//!
//! - [`NDistinct`] and [`Dependencies`] are decoded: their layout is a
//!   magic number, a count and plain items, and the magic number tells the
//!   byte order;
//! - [`McvList`] and the BRIN summaries hold the bytes: their items are
//!   values of the columns' own types in their stored form, which only the
//!   server can read. Their text (`pg_mcv_list_items(stxdmcv)`) is the way
//!   to look inside them.

use postgres::types::{FromSql, Type};

use super::Result;

/// The magic numbers of `pg_ndistinct` and `pg_dependencies`
/// (`STATS_NDISTINCT_MAGIC`, `STATS_DEPS_MAGIC`).
const NDISTINCT_MAGIC: u32 = 0xA352_BFA4;
const DEPENDENCIES_MAGIC: u32 = 0xB454_9A2C;

/// A reader of a value in the server's byte order, which it finds from the
/// magic number that starts the value.
struct Reader<'a> {
    raw: &'a [u8],
    little_endian: bool,
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn new(raw: &'a [u8], magic: u32, what: &'static str) -> Result<Self> {
        let mut reader = Self {
            raw,
            little_endian: true,
            what,
        };
        let first: [u8; 4] = reader.take()?;
        reader.little_endian = if u32::from_le_bytes(first) == magic {
            true
        } else if u32::from_be_bytes(first) == magic {
            false
        } else {
            return Err(format!("invalid {what} value: its magic number is not {magic:#X}").into());
        };
        Ok(reader)
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N]> {
        if self.raw.len() < N {
            return Err(format!("invalid {} value: it ends early", self.what).into());
        }
        let (head, rest) = self.raw.split_at(N);
        self.raw = rest;
        Ok(head.try_into().expect("N bytes"))
    }

    fn u32(&mut self) -> Result<u32> {
        let bytes = self.take()?;
        Ok(if self.little_endian {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    }

    fn i16(&mut self) -> Result<i16> {
        let bytes = self.take()?;
        Ok(if self.little_endian {
            i16::from_le_bytes(bytes)
        } else {
            i16::from_be_bytes(bytes)
        })
    }

    fn f64(&mut self) -> Result<f64> {
        let bytes = self.take()?;
        Ok(if self.little_endian {
            f64::from_le_bytes(bytes)
        } else {
            f64::from_be_bytes(bytes)
        })
    }

    /// A count, then no more items than the bytes left could hold.
    fn count(&mut self, smallest_item: usize) -> Result<usize> {
        let count = usize::try_from(self.u32()?).map_err(|_| "a count past usize")?;
        if count.saturating_mul(smallest_item) > self.raw.len() {
            return Err(format!("invalid {} value: {count} items", self.what).into());
        }
        Ok(count)
    }

    fn attributes(&mut self, count: usize) -> Result<Vec<i16>> {
        if count.saturating_mul(2) > self.raw.len() {
            return Err(format!("invalid {} value: {count} attributes", self.what).into());
        }
        (0..count).map(|_| self.i16()).collect()
    }

    fn finish<T>(self, value: T) -> Result<T> {
        if !self.raw.is_empty() {
            return Err(format!("invalid {} value: bytes left over", self.what).into());
        }
        Ok(value)
    }
}

/// `pg_ndistinct`: the number of distinct values of each combination of
/// the columns of an extended statistics object (`CREATE STATISTICS ...
/// (ndistinct)`), as `pg_statistic_ext_data.stxdndistinct` holds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NDistinct(pub Vec<NDistinctItem>);

/// One combination of columns of [`NDistinct`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NDistinctItem {
    /// The columns' numbers in their table (`attnum`); an expression of
    /// the statistics object is numbered -1, -2, ...
    pub attributes: Vec<i16>,
    /// The estimated number of distinct values.
    pub ndistinct: f64,
}

impl<'a> FromSql<'a> for NDistinct {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
        let mut reader = Reader::new(raw, NDISTINCT_MAGIC, "pg_ndistinct")?;
        let _kind = reader.u32()?;
        let count = reader.count(12)?;
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            let ndistinct = reader.f64()?;
            let n_attributes = usize::try_from(reader.u32()?).map_err(|_| "a count past usize")?;
            items.push(NDistinctItem {
                attributes: reader.attributes(n_attributes)?,
                ndistinct,
            });
        }
        reader.finish(Self(items))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::PG_NDISTINCT
    }
}

/// `pg_dependencies`: the functional dependencies between the columns of
/// an extended statistics object (`CREATE STATISTICS ... (dependencies)`),
/// as `pg_statistic_ext_data.stxddependencies` holds them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dependencies(pub Vec<Dependency>);

/// One dependency of [`Dependencies`]: the columns before the last
/// determine the last (`1, 2 => 3`) to the degree given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dependency {
    /// The columns' numbers in their table (`attnum`), the dependent column
    /// last; an expression of the statistics object is numbered -1, -2, ...
    pub attributes: Vec<i16>,
    /// From 0 (none) to 1 (the last column is a function of the others).
    pub degree: f64,
}

impl<'a> FromSql<'a> for Dependencies {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
        let mut reader = Reader::new(raw, DEPENDENCIES_MAGIC, "pg_dependencies")?;
        let _kind = reader.u32()?;
        let count = reader.count(10)?;
        let mut dependencies = Vec::with_capacity(count);
        for _ in 0..count {
            let degree = reader.f64()?;
            let n_attributes =
                usize::try_from(reader.i16()?).map_err(|_| "a negative count of attributes")?;
            dependencies.push(Dependency {
                attributes: reader.attributes(n_attributes)?,
                degree,
            });
        }
        reader.finish(Self(dependencies))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::PG_DEPENDENCIES
    }
}

macro_rules! serialized {
    ($(#[$doc:meta])* $name:ident, $ty:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name(pub Vec<u8>);

        impl<'a> FromSql<'a> for $name {
            fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
                Ok(Self(raw.to_vec()))
            }

            fn accepts(ty: &Type) -> bool {
                *ty == Type::$ty
            }
        }
    };
}

serialized!(
    /// `pg_mcv_list`: the most common values an extended statistics object
    /// holds, as the bytes PostgreSQL stores (`pg_mcv_list_items()` lists
    /// them).
    McvList,
    PG_MCV_LIST
);
serialized!(
    /// `pg_brin_bloom_summary`: a BRIN bloom index's summary of a block
    /// range, as the bytes PostgreSQL stores.
    BrinBloomSummary,
    PG_BRIN_BLOOM_SUMMARY
);
serialized!(
    /// `pg_brin_minmax_multi_summary`: a BRIN minmax-multi index's summary
    /// of a block range, as the bytes PostgreSQL stores.
    BrinMinmaxMultiSummary,
    PG_BRIN_MINMAX_MULTI_SUMMARY
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ndistinct_and_dependencies_in_either_byte_order() {
        // What PostgreSQL 15 sent on x86-64 for (a, b) with 10 distinct
        // pairs, and a => b.
        let ndistinct = [
            0xa4, 0xbf, 0x52, 0xa3, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x24, 0x40, 2, 0, 0,
            0, 1, 0, 2, 0,
        ];
        let expected = NDistinct(vec![NDistinctItem {
            attributes: vec![1, 2],
            ndistinct: 10.0,
        }]);
        assert_eq!(
            NDistinct::from_sql(&Type::PG_NDISTINCT, &ndistinct).unwrap(),
            expected
        );
        let dependencies = [
            0x2c, 0x9a, 0x54, 0xb4, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 2, 0, 1,
            0, 2, 0,
        ];
        let expected = Dependencies(vec![Dependency {
            attributes: vec![1, 2],
            degree: 1.0,
        }]);
        assert_eq!(
            Dependencies::from_sql(&Type::PG_DEPENDENCIES, &dependencies).unwrap(),
            expected
        );
        // The same from a big-endian server.
        let big_endian = [
            0xb4, 0x54, 0x9a, 0x2c, 0, 0, 0, 1, 0, 0, 0, 1, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0, 2, 0,
            1, 0, 2,
        ];
        assert_eq!(
            Dependencies::from_sql(&Type::PG_DEPENDENCIES, &big_endian).unwrap(),
            expected
        );
        // Cut short, or something else.
        assert!(NDistinct::from_sql(&Type::PG_NDISTINCT, &ndistinct[..20]).is_err());
        assert!(Dependencies::from_sql(&Type::PG_DEPENDENCIES, &ndistinct).is_err());
    }
}
