//! The geometric types, as PostgreSQL sends them: float8 coordinates.

use std::error::Error;

use postgres::types::private::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

type Result<T> = std::result::Result<T, Box<dyn Error + Sync + Send>>;

/// Reads big-endian `f64`s and `i32`s off the front of a value.
struct Reader<'a> {
    raw: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn new(raw: &'a [u8], what: &'static str) -> Self {
        Self { raw, what }
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N]> {
        let Some((head, rest)) = self.raw.split_first_chunk::<N>() else {
            return Err(format!("invalid {} value: it ends early", self.what).into());
        };
        self.raw = rest;
        Ok(*head)
    }

    fn f64(&mut self) -> Result<f64> {
        self.take::<8>().map(f64::from_be_bytes)
    }

    fn point(&mut self) -> Result<Point> {
        Ok(Point {
            x: self.f64()?,
            y: self.f64()?,
        })
    }

    fn points(&mut self) -> Result<Vec<Point>> {
        let count = i32::from_be_bytes(self.take::<4>()?);
        let count = usize::try_from(count).map_err(|_| format!("invalid {} value", self.what))?;
        if self.raw.len() != count.saturating_mul(16) {
            return Err(format!("invalid {} value: {count} points do not fit", self.what).into());
        }
        (0..count).map(|_| self.point()).collect()
    }

    fn end<T>(self, value: T) -> Result<T> {
        if self.raw.is_empty() {
            Ok(value)
        } else {
            Err(format!("invalid {} value: bytes left over", self.what).into())
        }
    }
}

fn put_point(out: &mut BytesMut, point: &Point) {
    out.extend_from_slice(&point.x.to_be_bytes());
    out.extend_from_slice(&point.y.to_be_bytes());
}

fn put_points(out: &mut BytesMut, points: &[Point]) -> Result<()> {
    let count = i32::try_from(points.len()).map_err(|_| "too many points")?;
    out.extend_from_slice(&count.to_be_bytes());
    for point in points {
        put_point(out, point);
    }
    Ok(())
}

macro_rules! geometric {
    ($name:ident, $ty:ident, $what:literal, |$reader:ident| $read:expr, |$value:ident, $out:ident| $write:expr) => {
        impl<'a> FromSql<'a> for $name {
            fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self> {
                let mut $reader = Reader::new(raw, $what);
                let value = $read;
                $reader.end(value)
            }

            fn accepts(ty: &Type) -> bool {
                *ty == Type::$ty
            }
        }

        impl ToSql for $name {
            fn to_sql(&self, _: &Type, $out: &mut BytesMut) -> Result<IsNull> {
                let $value = self;
                $write;
                Ok(IsNull::No)
            }

            fn accepts(ty: &Type) -> bool {
                *ty == Type::$ty
            }

            to_sql_checked!();
        }
    };
}

/// `point`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

geometric!(
    Point,
    POINT,
    "point",
    |reader| reader.point()?,
    |value, out| put_point(out, value)
);

/// `line`: the line `a·x + b·y + c = 0`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Line {
    pub a: f64,
    pub b: f64,
    pub c: f64,
}

geometric!(
    Line,
    LINE,
    "line",
    |reader| Line {
        a: reader.f64()?,
        b: reader.f64()?,
        c: reader.f64()?
    },
    |value, out| {
        out.extend_from_slice(&value.a.to_be_bytes());
        out.extend_from_slice(&value.b.to_be_bytes());
        out.extend_from_slice(&value.c.to_be_bytes());
    }
);

/// `lseg`: a line segment between two points.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LineSegment {
    pub start: Point,
    pub end: Point,
}

geometric!(
    LineSegment,
    LSEG,
    "lseg",
    |reader| LineSegment {
        start: reader.point()?,
        end: reader.point()?
    },
    |value, out| {
        put_point(out, &value.start);
        put_point(out, &value.end);
    }
);

/// `box` (named as geo-types names it, `Box` being Rust's): two opposite
/// corners; PostgreSQL keeps the upper right one first.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub high: Point,
    pub low: Point,
}

geometric!(
    Rect,
    BOX,
    "box",
    |reader| Rect {
        high: reader.point()?,
        low: reader.point()?
    },
    |value, out| {
        put_point(out, &value.high);
        put_point(out, &value.low);
    }
);

/// `path`: points joined in order, open or closed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Path {
    pub closed: bool,
    pub points: Vec<Point>,
}

geometric!(
    Path,
    PATH,
    "path",
    |reader| Path {
        closed: reader.take::<1>()?[0] != 0,
        points: reader.points()?
    },
    |value, out| {
        out.extend_from_slice(&[u8::from(value.closed)]);
        put_points(out, &value.points)?;
    }
);

/// `polygon`: its corners.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Polygon {
    pub points: Vec<Point>,
}

geometric!(
    Polygon,
    POLYGON,
    "polygon",
    |reader| Polygon {
        points: reader.points()?
    },
    |value, out| put_points(out, &value.points)?
);

/// `circle`: a center and a radius.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Circle {
    pub center: Point,
    pub radius: f64,
}

geometric!(
    Circle,
    CIRCLE,
    "circle",
    |reader| Circle {
        center: reader.point()?,
        radius: reader.f64()?
    },
    |value, out| {
        put_point(out, &value.center);
        out.extend_from_slice(&value.radius.to_be_bytes());
    }
);
