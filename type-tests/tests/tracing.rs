//! The feature `tracing`: a span per query with the SQL, the file and line
//! of the macro call, the rows and the duration; the runtime's events
//! through `tracing`, and still through `log` while no tracing subscriber
//! is set. One test: `log`'s logger and tracing's first dispatcher are
//! global to the process.

use std::sync::{Arc, Mutex};

use migrate_test_support::TestDatabase;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A span's name (as the field `name`) and fields, in the order recorded.
type SpanFields = Vec<(String, String)>;

/// What a subscriber saw: each span's fields, each event's message.
#[derive(Clone, Default)]
struct Seen {
    spans: Arc<Mutex<Vec<SpanFields>>>,
    events: Arc<Mutex<Vec<String>>>,
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl Subscriber for Seen {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut spans = self.spans.lock().unwrap();
        let mut fields = vec![("name".to_owned(), span.metadata().name().to_owned())];
        span.record(&mut Fields(&mut fields));
        spans.push(fields);
        Id::from_u64(spans.len() as u64)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        let fields = &mut spans[span.into_u64() as usize - 1];
        values.record(&mut Fields(fields));
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        for (name, value) in fields {
            if name == "message" {
                self.events.lock().unwrap().push(value);
            }
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// A `log` logger that keeps each record's message.
struct Logged(Mutex<Vec<String>>);

impl log::Log for Logged {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        self.0.lock().unwrap().push(record.args().to_string());
    }

    fn flush(&self) {}
}

static LOGGED: Logged = Logged(Mutex::new(Vec::new()));

fn field<'a>(span: &'a [(String, String)], name: &str) -> Option<&'a str> {
    span.iter()
        .rev()
        .find(|(field, _)| field == name)
        .map(|(_, value)| value.as_str())
}

#[test]
fn queries_are_spans_and_the_runtime_speaks_through_tracing_or_log() {
    log::set_logger(&LOGGED).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    // No tracing subscriber yet: the runtime's events reach `log`.
    let db = TestDatabase::new("tracing_log");
    let mut client = db.client();
    migrate_type_tests::MIGRATIONS.run(&mut client).unwrap();
    let logged = LOGGED.0.lock().unwrap().clone();
    assert!(
        logged
            .iter()
            .any(|message| message.starts_with("applied migration 1 ")),
        "{logged:?}"
    );

    let seen = Seen::default();
    let second = TestDatabase::new("tracing_events");
    tracing::subscriber::with_default(seen.clone(), || {
        let mut client = second.client();
        migrate_type_tests::MIGRATIONS.run(&mut client).unwrap();
        let line = line!() + 1;
        let ids: Vec<i64> = migrate::query_scalar!("SELECT id FROM notes WHERE id > $1", 0_i64)
            .fetch_all(&mut client)
            .unwrap();
        assert!(ids.is_empty());
        let inserted = migrate::query!(
            "INSERT INTO notes (id, body) VALUES ($1, 'a'), ($2, 'b')",
            1_i64,
            2_i64
        )
        .execute(&mut client)
        .unwrap();
        assert_eq!(inserted, 2);
        let streamed = migrate::query_scalar!("SELECT id FROM notes ORDER BY id")
            .fetch(&mut client)
            .count();
        assert_eq!(streamed, 2);

        let spans = seen.spans.lock().unwrap().clone();
        let queries: Vec<_> = spans
            .iter()
            .filter(|span| field(span, "name") == Some("query"))
            .collect();
        assert_eq!(queries.len(), 3, "{spans:?}");
        let select = queries[0];
        assert_eq!(
            field(select, "sql"),
            Some("SELECT id FROM notes WHERE id > $1")
        );
        assert_eq!(field(select, "file"), Some(file!()));
        assert_eq!(field(select, "line"), Some(line.to_string().as_str()));
        assert_eq!(field(select, "rows"), Some("0"));
        let elapsed: f64 = field(select, "elapsed_ms").unwrap().parse().unwrap();
        assert!(elapsed > 0.0);
        assert_eq!(field(queries[1], "rows"), Some("2"), "rows affected");
        assert_eq!(field(queries[2], "rows"), Some("2"), "rows streamed");
    });
    let events = seen.events.lock().unwrap().clone();
    assert!(
        events
            .iter()
            .any(|message| message.starts_with("applied migration 1 ")),
        "{events:?}"
    );
}
