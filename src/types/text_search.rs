//! `tsvector` and `tsquery` in PostgreSQL's binary form (`tsvectorsend`,
//! `tsquerysend`): what PostgreSQL stores, lexemes and positions, operands
//! and operators, not their text.

use postgres::types::private::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::Result;

/// The weight of a lexeme's position, `A` the highest; `D` is PostgreSQL's
/// default and is not printed in a `tsvector`'s text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weight {
    #[default]
    D,
    C,
    B,
    A,
}

impl Weight {
    /// The two bits PostgreSQL keeps it in (`D` is 0, `A` is 3).
    fn bits(self) -> u16 {
        match self {
            Weight::D => 0,
            Weight::C => 1,
            Weight::B => 2,
            Weight::A => 3,
        }
    }

    fn from_bits(bits: u16) -> Self {
        match bits & 3 {
            3 => Weight::A,
            2 => Weight::B,
            1 => Weight::C,
            _ => Weight::D,
        }
    }
}

/// A position of a lexeme in its document (1 to 16,383) and its weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub position: u16,
    pub weight: Weight,
}

/// One lexeme of a [`TsVector`] and where it stands (no positions for a
/// vector built without them, `'a b'::tsvector`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Lexeme {
    pub word: String,
    pub positions: Vec<Position>,
}

/// `tsvector`: a document's distinct lexemes, as PostgreSQL stores them.
/// PostgreSQL sorts the lexemes and their positions itself when it reads a
/// value, so one written in another order comes back sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TsVector(pub Vec<Lexeme>);

/// Reads the binary forms, keeping track of where it is.
struct Reader<'a> {
    raw: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.raw.len() < n {
            return Err(format!("invalid {} value: it ends too early", self.what).into());
        }
        let (taken, rest) = self.raw.split_at(n);
        self.raw = rest;
        Ok(taken)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16> {
        let bytes = self.take(2)?;
        Ok(u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    fn count(&mut self) -> Result<usize> {
        let bytes = self.take(4)?;
        let n = i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        usize::try_from(n)
            .map_err(|_| format!("invalid {} value: a negative count", self.what).into())
    }

    /// A string ended by a zero byte.
    fn string(&mut self) -> Result<String> {
        let Some(end) = self.raw.iter().position(|&byte| byte == 0) else {
            return Err(format!("invalid {} value: an unterminated string", self.what).into());
        };
        let text = std::str::from_utf8(&self.raw[..end])?.to_owned();
        self.raw = &self.raw[end + 1..];
        Ok(text)
    }

    fn end(&self) -> Result<()> {
        if self.raw.is_empty() {
            Ok(())
        } else {
            Err(format!("invalid {} value: bytes after its end", self.what).into())
        }
    }
}

/// A string PostgreSQL receives ended by a zero byte, which it cannot hold.
fn put_string(text: &str, what: &str, out: &mut BytesMut) -> Result<()> {
    if text.contains('\0') {
        return Err(format!("a {what} cannot hold a zero byte").into());
    }
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&[0]);
    Ok(())
}

fn put_count(n: usize, what: &str, out: &mut BytesMut) -> Result<()> {
    let n = i32::try_from(n).map_err(|_| format!("too many items for a {what}"))?;
    out.extend_from_slice(&n.to_be_bytes());
    Ok(())
}

impl<'a> FromSql<'a> for TsVector {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
        let mut reader = Reader {
            raw,
            what: "tsvector",
        };
        let n_lexemes = reader.count()?;
        let mut lexemes = Vec::with_capacity(n_lexemes.min(raw.len()));
        for _ in 0..n_lexemes {
            let word = reader.string()?;
            let n_positions = usize::from(reader.u16()?);
            let mut positions = Vec::with_capacity(n_positions);
            for _ in 0..n_positions {
                let packed = reader.u16()?;
                positions.push(Position {
                    position: packed & 0x3fff,
                    weight: Weight::from_bits(packed >> 14),
                });
            }
            lexemes.push(Lexeme { word, positions });
        }
        reader.end()?;
        Ok(Self(lexemes))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TS_VECTOR
    }
}

impl ToSql for TsVector {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull> {
        put_count(self.0.len(), "tsvector", out)?;
        for lexeme in &self.0 {
            put_string(&lexeme.word, "tsvector lexeme", out)?;
            let n_positions = u16::try_from(lexeme.positions.len())
                .map_err(|_| "too many positions for a tsvector lexeme")?;
            out.extend_from_slice(&n_positions.to_be_bytes());
            for position in &lexeme.positions {
                if position.position > 0x3fff {
                    return Err(format!(
                        "tsvector position {} is past PostgreSQL's 16383",
                        position.position
                    )
                    .into());
                }
                let packed = position.weight.bits() << 14 | position.position;
                out.extend_from_slice(&packed.to_be_bytes());
            }
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TS_VECTOR
    }

    to_sql_checked!();
}

/// One item of a [`TsQuery`], in PostgreSQL's prefix order: an operator is
/// followed by its operands (`!` by one, the others by two, the right one
/// first).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TsQueryItem {
    /// A lexeme to find. `weights` is the set of weights it matches as
    /// PostgreSQL keeps it (bit 3 for `A` down to bit 0 for `D`; 0 for
    /// any), `prefix` its `:*`.
    Operand {
        word: String,
        weights: u8,
        prefix: bool,
    },
    /// `!`
    Not,
    /// `&`
    And,
    /// `|`
    Or,
    /// `<->` (distance 1) or `<N>`.
    Phrase { distance: u16 },
}

/// `tsquery`: a text search query as PostgreSQL stores it, its items in
/// prefix order (`'a & b'` is `[And, b, a]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TsQuery(pub Vec<TsQueryItem>);

const QUERY_VALUE: u8 = 1;
const QUERY_OPERATOR: u8 = 2;
const OPERATOR_NOT: u8 = 1;
const OPERATOR_AND: u8 = 2;
const OPERATOR_OR: u8 = 3;
const OPERATOR_PHRASE: u8 = 4;

impl<'a> FromSql<'a> for TsQuery {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
        let mut reader = Reader {
            raw,
            what: "tsquery",
        };
        let n_items = reader.count()?;
        let mut items = Vec::with_capacity(n_items.min(raw.len()));
        for _ in 0..n_items {
            let item = match reader.u8()? {
                QUERY_VALUE => {
                    let weights = reader.u8()?;
                    let prefix = reader.u8()? != 0;
                    let word = reader.string()?;
                    TsQueryItem::Operand {
                        word,
                        weights,
                        prefix,
                    }
                }
                QUERY_OPERATOR => match reader.u8()? {
                    OPERATOR_NOT => TsQueryItem::Not,
                    OPERATOR_AND => TsQueryItem::And,
                    OPERATOR_OR => TsQueryItem::Or,
                    OPERATOR_PHRASE => TsQueryItem::Phrase {
                        distance: reader.u16()?,
                    },
                    other => {
                        return Err(format!("invalid tsquery value: operator {other}").into());
                    }
                },
                other => return Err(format!("invalid tsquery value: item kind {other}").into()),
            };
            items.push(item);
        }
        reader.end()?;
        Ok(Self(items))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TSQUERY
    }
}

impl ToSql for TsQuery {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull> {
        put_count(self.0.len(), "tsquery", out)?;
        for item in &self.0 {
            match item {
                TsQueryItem::Operand {
                    word,
                    weights,
                    prefix,
                } => {
                    out.extend_from_slice(&[QUERY_VALUE, *weights, u8::from(*prefix)]);
                    put_string(word, "tsquery operand", out)?;
                }
                TsQueryItem::Not => out.extend_from_slice(&[QUERY_OPERATOR, OPERATOR_NOT]),
                TsQueryItem::And => out.extend_from_slice(&[QUERY_OPERATOR, OPERATOR_AND]),
                TsQueryItem::Or => out.extend_from_slice(&[QUERY_OPERATOR, OPERATOR_OR]),
                TsQueryItem::Phrase { distance } => {
                    out.extend_from_slice(&[QUERY_OPERATOR, OPERATOR_PHRASE]);
                    out.extend_from_slice(&distance.to_be_bytes());
                }
            }
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TSQUERY
    }

    to_sql_checked!();
}
