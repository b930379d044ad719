//! `pg_snapshot` and `txid_snapshot`: which transactions a snapshot sees.

use postgres::types::private::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::{Result, exact};

/// `pg_snapshot` (`pg_current_snapshot()`) or the older `txid_snapshot`
/// (`txid_current_snapshot()`), which PostgreSQL writes `xmin:xmax:xip,...`.
///
/// A transaction before `xmin` is visible unless it aborted, one from `xmax`
/// on is not, and one between them is visible unless it is in
/// `in_progress`. Each is a 64-bit transaction id with its epoch, as
/// [`Xid8`](super::Xid8) holds one.
///
/// PostgreSQL receives a snapshot only if `xmin <= xmax` and `in_progress`
/// is ascending, each id in `xmin..xmax`; it drops repeated ids.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Snapshot {
    /// The earliest transaction still running.
    pub xmin: u64,
    /// The first transaction id not yet assigned.
    pub xmax: u64,
    /// The transactions between the two that were running, ascending.
    pub in_progress: Vec<u64>,
}

fn accepts(ty: &Type) -> bool {
    *ty == Type::PG_SNAPSHOT || *ty == Type::TXID_SNAPSHOT
}

impl<'a> FromSql<'a> for Snapshot {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
        // The count of in-progress ids, xmin, xmax, then the ids.
        if raw.len() < 20 {
            return Err(format!("invalid snapshot value: {} bytes", raw.len()).into());
        }
        let (header, ids) = raw.split_at(20);
        let count = i32::from_be_bytes(exact(&header[..4], "snapshot")?);
        let count =
            usize::try_from(count).map_err(|_| "invalid snapshot value: a negative count")?;
        if ids.len() != count * 8 {
            return Err(format!(
                "invalid snapshot value: {} bytes of ids where {count} ids take {}",
                ids.len(),
                count * 8
            )
            .into());
        }
        let in_progress = ids
            .chunks_exact(8)
            .map(|id| exact(id, "snapshot").map(u64::from_be_bytes))
            .collect::<Result<Vec<u64>>>()?;
        Ok(Self {
            xmin: u64::from_be_bytes(exact(&header[4..12], "snapshot")?),
            xmax: u64::from_be_bytes(exact(&header[12..20], "snapshot")?),
            in_progress,
        })
    }

    fn accepts(ty: &Type) -> bool {
        accepts(ty)
    }
}

impl ToSql for Snapshot {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull> {
        let count = i32::try_from(self.in_progress.len())
            .map_err(|_| "a snapshot of too many in-progress transactions")?;
        out.extend_from_slice(&count.to_be_bytes());
        out.extend_from_slice(&self.xmin.to_be_bytes());
        out.extend_from_slice(&self.xmax.to_be_bytes());
        for id in &self.in_progress {
            out.extend_from_slice(&id.to_be_bytes());
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        accepts(ty)
    }

    to_sql_checked!();
}
