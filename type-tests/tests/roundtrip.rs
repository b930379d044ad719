//! Every type migrate maps, through the macros and back against PostgreSQL:
//! a value passed as a parameter and read back as a column, NULL and arrays
//! too. A value that came back different, or a type the macros refuse,
//! fails the test (the second at compile time).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Bound;

use migrate::types::{Interval, MacAddr, MacAddr8, Money, Range, TimeTz};
use migrate_type_tests::database;

#[test]
fn interval_keeps_months_days_and_microseconds_apart() {
    let (_db, mut client) = database("interval");
    let value = Interval::new(14, 3, 4_000_005);
    let row = migrate::query!(
        "SELECT $1::interval AS value, $1::interval::text AS text, NULL::interval AS absent",
        value
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.value, Some(value));
    assert_eq!(
        row.text.as_deref(),
        Some("1 year 2 mons 3 days 00:00:04.000005")
    );
    assert_eq!(row.absent, None);
    // Not squashed: one month is not thirty days.
    let equal: Option<bool> = migrate::query_scalar!(
        "SELECT $1::interval::text = $2::interval::text",
        Interval::new(1, 0, 0),
        Interval::new(0, 30, 0)
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(equal, Some(false));
    // As a column, NULL, and arrays.
    let spans = vec![Interval::new(0, 1, 0), Interval::new(-1, 0, -7)];
    let id: i32 = migrate::query_scalar!(
        "INSERT INTO samples (span, spans) VALUES ($1, $2) RETURNING id",
        None::<Interval>,
        &spans
    )
    .fetch_one(&mut client)
    .unwrap();
    let row = migrate::query!("SELECT span, spans FROM samples WHERE id = $1", id)
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(row.span, None);
    assert_eq!(row.spans, Some(spans.into_iter().map(Some).collect()));
    let sum: Interval =
        migrate::query_scalar!("SELECT now() - (now() - '2 days 1 hour'::interval)")
            .fetch_one(&mut client)
            .unwrap();
    assert_eq!(sum, Interval::new(0, 2, 3_600_000_000));
}

#[test]
fn void_is_unit() {
    let (_db, mut client) = database("void");
    let row = migrate::query!("SELECT pg_notify('channel', 'payload') AS notified")
        .fetch_one(&mut client)
        .unwrap();
    let () = row.notified;
    let locked: () = migrate::query_scalar!("SELECT pg_advisory_xact_lock($1)", 42_i64)
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(locked, ());
}

#[test]
fn timetz_money_and_mac_addresses() {
    let (_db, mut client) = database("misc");
    let at = TimeTz {
        microseconds: (13 * 3600 + 5 * 60) * 1_000_000 + 7,
        utc_offset_seconds: 2 * 3600,
    };
    let price = Money(12_345);
    let mac = MacAddr([0x08, 0x00, 0x2b, 0x01, 0x02, 0x03]);
    let mac8 = MacAddr8([0x08, 0x00, 0x2b, 0x01, 0x02, 0x03, 0x04, 0x05]);
    let id: i32 = migrate::query_scalar!(
        "INSERT INTO samples (at_zone, price, mac, mac8) VALUES ($1, $2, $3, $4) RETURNING id",
        at,
        price,
        mac,
        mac8
    )
    .fetch_one(&mut client)
    .unwrap();
    let row = migrate::query!(
        "SELECT at_zone, at_zone::text AS at_text, price, price::numeric::text AS price_text,
                mac, mac::text AS mac_text, mac8, mac8::text AS mac8_text
         FROM samples WHERE id = $1",
        id
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.at_zone, Some(at));
    assert_eq!(row.at_text.as_deref(), Some("13:05:00.000007+02"));
    assert_eq!(row.price, Some(price));
    assert_eq!(row.price_text.as_deref(), Some("123.45"));
    assert_eq!(row.mac, Some(mac));
    assert_eq!(row.mac_text.as_deref(), Some("08:00:2b:01:02:03"));
    assert_eq!(row.mac8, Some(mac8));
    assert_eq!(row.mac8_text.as_deref(), Some("08:00:2b:01:02:03:04:05"));
    // NULL and arrays.
    let row = migrate::query!(
        "SELECT $1::money AS absent, ARRAY[$2::macaddr] AS macs, ARRAY[$3::timetz] AS times",
        None::<Money>,
        mac,
        at
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.absent, None);
    // A parameter may be NULL, so an array of it may hold NULL.
    assert_eq!(row.times, vec![Some(at)]);
    assert_eq!(row.macs, vec![Some(mac)]);
    let with_null: Vec<Option<MacAddr>> =
        migrate::query_scalar!("SELECT ARRAY[$1::macaddr, NULL]", mac)
            .fetch_one(&mut client)
            .unwrap();
    assert_eq!(with_null, vec![Some(mac), None]);
}

#[test]
fn pg_lsn_xml_and_the_oid_family() {
    let (_db, mut client) = database("lsn");
    let lsn = postgres::types::PgLsn::from(0x16_B374_D848_u64);
    let row = migrate::query!(
        "SELECT $1::pg_lsn AS lsn, $1::pg_lsn::text AS lsn_text, $2::xml AS doc,
                'samples'::regclass AS relation, 'samples'::regclass::oid AS oid,
                ARRAY['int4'::regtype, 'text'::regtype] AS types",
        lsn,
        "<a>b</a>"
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.lsn, Some(lsn));
    assert_eq!(row.lsn_text.as_deref(), Some("16/B374D848"));
    assert_eq!(row.doc.as_deref(), Some("<a>b</a>"));
    assert_eq!(row.relation, row.oid);
    // Elements built of values that are never NULL are not `Option`s.
    assert_eq!(row.types, vec![23, 25]);
    let relation: Option<String> =
        migrate::query_scalar!("SELECT $1::regclass::text", row.relation)
            .fetch_one(&mut client)
            .unwrap();
    assert_eq!(relation.as_deref(), Some("samples"));
    let id: i32 = migrate::query_scalar!(
        "INSERT INTO samples (doc, relation) VALUES ($1, $2) RETURNING id",
        "<x/>",
        None::<u32>
    )
    .fetch_one(&mut client)
    .unwrap();
    let row = migrate::query!("SELECT doc, relation FROM samples WHERE id = $1", id)
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(row.doc.as_deref(), Some("<x/>"));
    assert_eq!(row.relation, None);
}

#[test]
fn ranges_of_built_in_and_migrated_subtypes() {
    let (_db, mut client) = database("range");
    let ints = Range::closed_open(1, 10);
    let day = chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    let row = migrate::query!(
        "SELECT $1::int4range AS ints, int4range(3, 3) AS empty, int8range(NULL, 5, '[]') AS open,
                daterange($2, $2, '[]') AS days, '[0.5,1.5)'::float_range AS floats",
        ints,
        day
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.ints, Some(ints));
    assert_eq!(row.empty, Some(Range::Empty));
    // PostgreSQL normalises discrete ranges to `[)`.
    assert_eq!(
        row.open,
        Some(Range::Bounded(Bound::Unbounded, Bound::Excluded(6)))
    );
    assert_eq!(
        row.days,
        Some(Range::closed_open(day, day.succ_opt().unwrap()))
    );
    assert_eq!(
        row.floats,
        Range::Bounded(Bound::Included(0.5), Bound::Excluded(1.5))
    );
    let id: i32 = migrate::query_scalar!(
        "INSERT INTO samples (ints) VALUES ($1) RETURNING id",
        Range::Bounded(Bound::Excluded(0), Bound::Included(4))
    )
    .fetch_one(&mut client)
    .unwrap();
    let ints = migrate::query_scalar!("SELECT ints FROM samples WHERE id = $1", id)
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(ints, Some(Range::closed_open(1, 5)));
    let many: Vec<Option<Range<i32>>> = migrate::query_scalar!(
        "SELECT ARRAY[$1::int4range, 'empty']",
        Range::closed_open(2, 3)
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(
        many,
        vec![Some(Range::closed_open(2, 3)), Some(Range::Empty)]
    );
}

#[test]
fn inet_arrays_and_enum_arrays() {
    let (_db, mut client) = database("inet");
    let addresses = vec![
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ];
    let id: i32 = migrate::query_scalar!(
        "INSERT INTO samples (addresses, moods) VALUES ($1, $2) RETURNING id",
        &addresses,
        vec!["happy", "sad"]
    )
    .fetch_one(&mut client)
    .unwrap();
    let row = migrate::query!("SELECT addresses, moods FROM samples WHERE id = $1", id)
        .fetch_one(&mut client)
        .unwrap();
    // Array columns may hold NULL elements: PostgreSQL promises nothing else.
    assert_eq!(
        row.addresses,
        Some(addresses.iter().copied().map(Some).collect())
    );
    assert_eq!(
        row.moods,
        Some(vec![Some("happy".to_owned()), Some("sad".to_owned())])
    );
    let found: Option<bool> = migrate::query_scalar!(
        "SELECT $1::inet = ANY($2)",
        addresses[1],
        addresses.as_slice()
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(found, Some(true));
}

#[test]
fn geometric_types_and_multiranges() {
    use migrate::types::{Circle, Line, LineSegment, Multirange, Path, Point, Polygon, Rect};
    let (_db, mut client) = database("geometry");
    let point = Point { x: 1.5, y: -2.0 };
    let line = Line {
        a: 1.0,
        b: -1.0,
        c: 0.5,
    };
    let segment = LineSegment {
        start: Point { x: 0.0, y: 0.0 },
        end: point,
    };
    let rectangle = Rect {
        high: Point { x: 2.0, y: 3.0 },
        low: Point { x: 0.0, y: 1.0 },
    };
    let path = Path {
        closed: false,
        points: vec![Point { x: 0.0, y: 0.0 }, point],
    };
    let polygon = Polygon {
        points: vec![
            Point { x: 0.0, y: 0.0 },
            Point { x: 1.0, y: 0.0 },
            Point { x: 0.0, y: 1.0 },
        ],
    };
    let circle = Circle {
        center: point,
        radius: 4.0,
    };
    let row = migrate::query!(
        "SELECT $1::point AS point, $1::point::text AS point_text, $2::line AS line,
                $3::lseg AS segment, $4::box AS rectangle, $4::box::text AS box_text,
                $5::path AS path, $5::path::text AS path_text, $6::polygon AS polygon,
                $7::circle AS circle, $7::circle::text AS circle_text,
                ARRAY[$1::point] AS points, NULL::circle AS absent",
        point,
        line,
        segment,
        rectangle,
        &path,
        &polygon,
        circle
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.point, Some(point));
    assert_eq!(row.point_text.as_deref(), Some("(1.5,-2)"));
    assert_eq!(row.line, Some(line));
    assert_eq!(row.segment, Some(segment));
    assert_eq!(row.rectangle, Some(rectangle));
    assert_eq!(row.box_text.as_deref(), Some("(2,3),(0,1)"));
    assert_eq!(row.path, Some(path));
    assert_eq!(row.path_text.as_deref(), Some("[(0,0),(1.5,-2)]"));
    assert_eq!(row.polygon, Some(polygon));
    assert_eq!(row.circle, Some(circle));
    assert_eq!(row.circle_text.as_deref(), Some("<(1.5,-2),4>"));
    assert_eq!(row.points, vec![Some(point)]);
    assert_eq!(row.absent, None);

    let ranges = Multirange(vec![Range::closed_open(1, 3), Range::closed_open(5, 8)]);
    let row = migrate::query!(
        "SELECT $1::int4multirange AS ranges, $1::int4multirange::text AS text,
                '{}'::int4multirange AS empty, int4multirange(int4range(7, 9), int4range(1, 2)) AS built",
        &ranges
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.ranges, Some(ranges));
    assert_eq!(row.text.as_deref(), Some("{[1,3),[5,8)}"));
    assert_eq!(row.empty, Multirange(Vec::new()));
    assert_eq!(
        row.built,
        Some(Multirange(vec![
            Range::closed_open(1, 2),
            Range::closed_open(7, 9)
        ]))
    );
}

#[test]
fn bit_strings_with_the_bit_vec_feature() {
    let (_db, mut client) = database("bits");
    let mut bits = bit_vec::BitVec::from_bytes(&[0b1010_0000]);
    bits.truncate(3);
    let row = migrate::query!(
        "SELECT $1::varbit AS bits, $1::varbit::text AS text, '1100'::bit(4) AS fixed,
                ARRAY[$1::varbit] AS many",
        &bits
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.bits, Some(bits.clone()));
    assert_eq!(row.text.as_deref(), Some("101"));
    let mut fixed = bit_vec::BitVec::from_bytes(&[0b1100_0000]);
    fixed.truncate(4);
    assert_eq!(row.fixed, fixed);
    assert_eq!(row.many, vec![Some(bits)]);
}

#[test]
fn cidr_with_the_cidr_feature() {
    let (_db, mut client) = database("cidr");
    let network: cidr::IpCidr = "10.1.0.0/16".parse().unwrap();
    let row = migrate::query!(
        "SELECT $1::cidr AS network, $1::cidr::text AS text, ARRAY[$1::cidr] AS many",
        network
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.network, Some(network));
    assert_eq!(row.text.as_deref(), Some("10.1.0.0/16"));
    assert_eq!(row.many, vec![Some(network)]);
}

#[test]
fn array_elements_that_may_be_null_come_back_as_options() {
    let (_db, mut client) = database("elements");
    // A column's elements may be NULL whatever its own NOT NULL says.
    let tags = vec![Some("a".to_owned()), None];
    let id: i32 = migrate::query_scalar!(
        "INSERT INTO documents (tags, title) VALUES ($1, 'first') RETURNING id",
        &tags
    )
    .fetch_one(&mut client)
    .unwrap();
    migrate::query!("INSERT INTO documents (title) VALUES ('second')")
        .execute(&mut client)
        .unwrap();
    let stored: Vec<Option<String>> =
        migrate::query_scalar!("SELECT tags FROM documents WHERE id = $1", id)
            .fetch_one(&mut client)
            .unwrap();
    assert_eq!(stored, tags);
    // What the query builds of values that are never NULL holds no Option;
    // array_agg of a nullable value does, unless FILTER leaves NULLs out.
    let row = migrate::query!(
        "SELECT array_agg(title ORDER BY id) AS titles,
                array_agg(NULLIF(title, 'first') ORDER BY id) AS some_titles,
                array_agg(NULLIF(title, 'first') ORDER BY id)
                    FILTER (WHERE NULLIF(title, 'first') IS NOT NULL) AS known
         FROM documents"
    )
    .fetch_one(&mut client)
    .unwrap();
    let titles: Option<Vec<String>> = row.titles;
    assert_eq!(titles, Some(vec!["first".to_owned(), "second".to_owned()]));
    assert_eq!(row.some_titles, Some(vec![None, Some("second".to_owned())]));
    assert_eq!(row.known, Some(vec!["second".to_owned()]));
}

#[test]
fn text_search_types_jsonpath_xid8_and_tid() {
    use migrate::types::{
        JsonPath, Lexeme, Position, Tid, TsQuery, TsQueryItem, TsVector, Weight, Xid8,
    };
    let (_db, mut client) = database("textsearch");
    let body = TsVector(vec![
        Lexeme {
            word: "cat".to_owned(),
            positions: Vec::new(),
        },
        Lexeme {
            word: "fat".to_owned(),
            positions: vec![
                Position {
                    position: 2,
                    weight: Weight::D,
                },
                Position {
                    position: 4,
                    weight: Weight::C,
                },
            ],
        },
    ]);
    let search = TsQuery(vec![
        TsQueryItem::And,
        TsQueryItem::Not,
        TsQueryItem::Operand {
            word: "rat".to_owned(),
            weights: 0,
            prefix: false,
        },
        TsQueryItem::Operand {
            word: "fat".to_owned(),
            weights: 0,
            prefix: true,
        },
    ]);
    let path = JsonPath("$.\"a\"[*]?(@ > 1)".to_owned());
    let row = migrate::query!(
        "SELECT $1::tsvector AS body, $1::tsvector::text AS body_text,
                $2::tsquery AS search, $2::tsquery::text AS search_text,
                $1::tsvector @@ $2::tsquery AS matches,
                $3::jsonpath AS path, jsonb_path_query_array('{\"a\": [1, 2, 3]}', $3) AS found,
                ARRAY[$1::tsvector] AS bodies, NULL::tsquery AS absent",
        &body,
        &search,
        &path
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.body, Some(body.clone()));
    assert_eq!(row.body_text.as_deref(), Some("'cat' 'fat':2,4C"));
    assert_eq!(row.search, Some(search.clone()));
    assert_eq!(row.search_text.as_deref(), Some("'fat':* & !'rat'"));
    assert_eq!(row.matches, Some(true));
    assert_eq!(row.path, Some(path.clone()));
    assert_eq!(row.found, Some(serde_json::json!([2, 3])));
    assert_eq!(row.bodies, vec![Some(body.clone())]);
    assert_eq!(row.absent, None);
    // What PostgreSQL parses from text reads back as it stores it.
    let parsed = migrate::query_scalar!("SELECT 'a:1A fat:2,4C cat'::tsvector AS \"v!\"")
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(parsed.0.len(), 3);
    assert_eq!(
        parsed.0[0].positions,
        vec![Position {
            position: 1,
            weight: Weight::A
        }]
    );
    let phrase = migrate::query_scalar!("SELECT 'a <2> b:A'::tsquery AS \"q!\"")
        .fetch_one(&mut client)
        .unwrap();
    assert_eq!(
        phrase.0,
        vec![
            TsQueryItem::Phrase { distance: 2 },
            TsQueryItem::Operand {
                word: "b".to_owned(),
                weights: 8,
                prefix: false
            },
            TsQueryItem::Operand {
                word: "a".to_owned(),
                weights: 0,
                prefix: false
            },
        ]
    );
    // As columns, NULL and arrays.
    let id: i32 = migrate::query_scalar!(
        "INSERT INTO documents (body, search, path, bodies, title) VALUES ($1, $2, $3, $4, 't') RETURNING id",
        &body,
        None::<TsQuery>,
        &path,
        vec![Some(body.clone()), None]
    )
    .fetch_one(&mut client)
    .unwrap();
    let row = migrate::query!(
        "SELECT body, search, path, bodies, ctid, pg_current_xact_id() AS xact FROM documents WHERE id = $1",
        id
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.body, Some(body.clone()));
    assert_eq!(row.search, None);
    assert_eq!(row.path, Some(path));
    assert_eq!(row.bodies, Some(vec![Some(body), None]));
    let ctid: Tid = row.ctid;
    let xact: Xid8 = row.xact.unwrap();
    let row = migrate::query!(
        "SELECT $1::tid AS ctid, $1::tid::text AS ctid_text, $2::xid8 AS xact,
                $2::xid8::text AS xact_text, ARRAY[$1::tid] AS tids, NULL::xid8 AS absent",
        ctid,
        xact
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.ctid, Some(ctid));
    assert_eq!(
        row.ctid_text,
        Some(format!("({},{})", ctid.block, ctid.offset))
    );
    assert_eq!(row.xact, Some(xact));
    assert_eq!(row.xact_text, Some(xact.0.to_string()));
    assert_eq!(row.tids, vec![Some(ctid)]);
    assert_eq!(row.absent, None);
    let found: String = migrate::query_scalar!(
        "SELECT title FROM documents WHERE ctid = $1",
        Tid {
            block: ctid.block,
            offset: ctid.offset
        }
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(found, "t");
}

/// A row of `array_agg((d.id, d.title, d.tags, d.body))`.
type DocumentRecord = (
    i32,
    String,
    Vec<Option<String>>,
    Option<migrate::types::TsVector>,
);

#[test]
fn anonymous_records_come_back_as_tuples() {
    let (_db, mut client) = database("records");
    migrate::query!("INSERT INTO documents (title, tags) VALUES ('one', '{x}'), ('two', '{}')")
        .execute(&mut client)
        .unwrap();
    let row = migrate::query!(
        "SELECT ROW(d.id, d.title) AS pair, (d.title, NULLIF(d.id, 1), $1::int8) AS triple
         FROM documents d ORDER BY d.id LIMIT 1",
        7_i64
    )
    .fetch_one(&mut client)
    .unwrap();
    let pair: (i32, String) = row.pair;
    assert_eq!(pair, (1, "one".to_owned()));
    let triple: (String, Option<i32>, Option<i64>) = row.triple;
    assert_eq!(triple, ("one".to_owned(), None, Some(7)));
    // record[]: array_agg of rows, each a tuple; NULL fields and arrays in them.
    let records = migrate::query_scalar!(
        "SELECT array_agg((d.id, d.title, d.tags, d.body) ORDER BY d.id) FROM documents d"
    )
    .fetch_one(&mut client)
    .unwrap();
    let records: Vec<DocumentRecord> = records.unwrap();
    assert_eq!(
        records,
        vec![
            (1, "one".to_owned(), vec![Some("x".to_owned())], None),
            (2, "two".to_owned(), Vec::new(), None),
        ]
    );
    // NULL records, and records whose fields all agree in an ARRAY.
    let row = migrate::query!(
        "SELECT (SELECT ROW(1) WHERE false) AS nothing,
                ARRAY[ROW(1, 'a'::text), ROW(2, NULL::text)] AS built"
    )
    .fetch_one(&mut client)
    .unwrap();
    assert!(row.nothing.is_none());
    let built: Vec<(i32, Option<String>)> = row.built;
    assert_eq!(built, vec![(1, Some("a".to_owned())), (2, None)]);
}

#[test]
fn catalog_vectors_node_trees_and_cursors() {
    let (_db, mut client) = database("catalog");
    let row = migrate::query!(
        "SELECT '1 3'::int2vector AS keys, '23 25'::oidvector AS oids,
                $1::refcursor AS cursor, NULL::refcursor AS absent,
                (SELECT count(*) FROM pg_index WHERE indkey = '1'::int2vector) AS indexes",
        "name"
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.keys, vec![1_i16, 3]);
    assert_eq!(row.oids, vec![23_u32, 25]);
    assert_eq!(row.cursor.as_deref(), Some("name"));
    assert_eq!(row.absent, None);
    assert!(row.indexes.is_some());
    let tree: Option<String> =
        migrate::query_scalar!("SELECT adbin FROM pg_attrdef WHERE adrelid = 'samples'::regclass")
            .fetch_optional(&mut client)
            .unwrap();
    assert!(tree.is_some_and(|tree| tree.starts_with("{FUNCEXPR")));
}

#[test]
fn snapshots_and_extended_statistics() {
    use migrate::types::{Dependencies, Dependency, NDistinct, NDistinctItem, Snapshot};
    let (_db, mut client) = database("snapshots");
    let now: Snapshot = migrate::query_scalar!("SELECT pg_current_snapshot() AS \"now!\"")
        .fetch_one(&mut client)
        .unwrap();
    assert!(now.xmin <= now.xmax);
    let written = Snapshot {
        xmin: 10,
        xmax: 20,
        in_progress: vec![10, 14, 15],
    };
    let row = migrate::query!(
        "SELECT $1::pg_snapshot AS snapshot, $1::pg_snapshot::text AS text,
                pg_visible_in_snapshot('14'::xid8, $1) AS sees_14,
                pg_visible_in_snapshot('12'::xid8, $1) AS sees_12,
                $2::txid_snapshot AS old, ARRAY[$1::pg_snapshot, NULL] AS many",
        &written,
        &now
    )
    .fetch_one(&mut client)
    .unwrap();
    assert_eq!(row.snapshot.as_ref(), Some(&written));
    assert_eq!(row.text.as_deref(), Some("10:20:10,14,15"));
    assert_eq!((row.sees_14, row.sees_12), (Some(false), Some(true)));
    assert_eq!(row.old, Some(now));
    assert_eq!(row.many, vec![Some(written), None]);
    // PostgreSQL refuses a snapshot whose ids are out of order.
    let error = migrate::query_scalar!(
        "SELECT $1::pg_snapshot::text",
        Snapshot {
            xmin: 10,
            xmax: 20,
            in_progress: vec![15, 14],
        }
    )
    .fetch_one(&mut client)
    .unwrap_err();
    assert!(
        format!("{error:?}").contains("invalid external pg_snapshot data"),
        "{error:?}"
    );

    client
        .batch_execute(
            "INSERT INTO pairs SELECT n % 10, n % 5 FROM generate_series(1, 1000) n; ANALYZE pairs",
        )
        .unwrap();
    let row = migrate::query!(
        "SELECT stxdndistinct AS ndistinct, stxddependencies AS dependencies,
                stxdndistinct::text AS ndistinct_text, stxdmcv AS mcv
         FROM pg_statistic_ext_data JOIN pg_statistic_ext s ON s.oid = stxoid
         WHERE stxname = 'pairs_ab'"
    )
    .fetch_one(&mut client)
    .unwrap();
    let ndistinct: NDistinct = row.ndistinct.unwrap();
    assert_eq!(
        ndistinct,
        NDistinct(vec![NDistinctItem {
            attributes: vec![1, 2],
            ndistinct: 10.0
        }])
    );
    assert_eq!(row.ndistinct_text.as_deref(), Some("{\"1, 2\": 10}"));
    let dependencies: Dependencies = row.dependencies.unwrap();
    assert_eq!(
        dependencies,
        Dependencies(vec![Dependency {
            attributes: vec![1, 2],
            degree: 1.0
        }])
    );
    assert!(row.mcv.is_some_and(|mcv| !mcv.0.is_empty()));
}
