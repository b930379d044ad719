//! The hot path side by side, in one run on one server and schema: a
//! primary-key lookup, a 100-row fetch and an `INSERT ... RETURNING`, at
//! concurrency 1 and 16, each for `MIGRATE_BENCH_SECONDS` (default 2) per
//! cell, with:
//!
//! - `migrate &Client (query_typed)`: the checked macros on a borrowed
//!   `tokio_postgres::Client` (parameter types sent with the query, one
//!   round trip, parsed and planned by the server each time);
//! - `migrate Cached`: the same on `migrate::Cached` (prepared once per
//!   connection);
//! - `tokio-pg prepared`: hand-written tokio-postgres, each statement
//!   prepared once per connection (the best a user writes by hand);
//! - `tokio-pg query(&str)`: hand-written `client.query(sql, ..)`;
//! - `sqlx PgPool`, `sqlx PgPool no test`, `sqlx PgConnection`: sqlx 0.8
//!   `query!` over a default pool, one with `test_before_acquire(false)`,
//!   and on bare connections;
//! - `migrate default via deadpool`, `migrate Unprepared via deadpool`,
//!   `tokio-pg deadpool`: through a deadpool-postgres pool, a connection
//!   taken for each query, as services run: migrate's default there
//!   (deadpool's statement cache), its opt-out for transaction-mode poolers
//!   (`migrate::Unprepared(&conn)`, `query_typed`), and `prepare_cached` by
//!   hand.
//!
//! The hand-written clients read every column they select, as the macros
//! and sqlx do.
//!
//! Each task of a cell has a connection of its own (or takes one from a
//! pool of as many), all driven from one task so that every client pays the
//! same scheduling. Then once more through a proxy on loopback that delays
//! every chunk by 1 ms each way (`MIGRATE_BENCH_LATENCY_MS`, 0 to skip).
//! `MIGRATE_BENCH_CLIENTS`, `MIGRATE_BENCH_QUERIES` (`pk lookup`, ...) and
//! `MIGRATE_BENCH_CONCURRENCY` (comma-separated) keep only the cells named;
//! `MIGRATE_BENCH_ITERATIONS` runs each task of a cell for that many
//! queries instead of a time (to count instructions per query under
//! valgrind: the difference of two counts over the difference of queries).
//!
//! Prints one tab-separated line per cell: `latency_ms`, `query`,
//! `concurrency`, `client`, `queries_per_s`, `p50_us`, `p99_us`, `queries`.
//! `DATABASE_URL` must name the database `scripts/bench-queries.sh` creates.

use std::cell::RefCell;
use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use sqlx::Connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_postgres::NoTls;

const LOOKUP: &str = "SELECT id, name, email, score FROM users WHERE id = $1";
const HUNDRED: &str =
    "SELECT id, name, email, score FROM users WHERE id BETWEEN $1 AND $1 + 99 ORDER BY id";
const INSERT: &str = "INSERT INTO events (user_id, kind) VALUES ($1, $2) RETURNING id";
/// Rows of `users` the script inserts.
const USERS: i64 = 10_000;

#[derive(Clone, Copy, Debug)]
enum Scenario {
    Lookup,
    Hundred,
    Insert,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Lookup => "pk lookup",
            Scenario::Hundred => "100 rows",
            Scenario::Insert => "insert returning",
        }
    }

    /// The key of the `i`-th query.
    fn key(self, i: i64) -> i64 {
        match self {
            Scenario::Lookup => i % USERS + 1,
            Scenario::Hundred => i % (USERS - 100) + 1,
            Scenario::Insert => i,
        }
    }
}

struct Cell {
    queries: usize,
    seconds: f64,
    p50: Duration,
    p99: Duration,
}

/// How long each task of a cell runs: for a time, or for a number of
/// queries (`MIGRATE_BENCH_ITERATIONS`, to count instructions per query
/// under valgrind, where the clock means little).
#[derive(Clone, Copy)]
enum Limit {
    Seconds(f64),
    Queries(usize),
}

/// Runs `op(conn, i)` in a loop on each connection at once, for `limit`.
async fn drive<'c, C, F, Fut>(conns: &'c [C], limit: Limit, op: F) -> Cell
where
    F: Fn(&'c C, i64) -> Fut,
    Fut: Future<Output = usize> + 'c,
{
    let stride = conns.len() as i64;
    // Warm: every connection runs the query once before the clock starts.
    for (task, conn) in conns.iter().enumerate() {
        op(conn, task as i64).await;
    }
    let started = Instant::now();
    let deadline = match limit {
        Limit::Seconds(seconds) => Some(started + Duration::from_secs_f64(seconds)),
        Limit::Queries(_) => None,
    };
    let tasks = conns.iter().enumerate().map(|(task, conn)| {
        let op = &op;
        async move {
            let mut latencies = Vec::new();
            let mut i = task as i64;
            loop {
                let start = Instant::now();
                op(conn, i).await;
                let end = Instant::now();
                latencies.push(end - start);
                i += stride;
                let done = match (deadline, limit) {
                    (Some(deadline), _) => end >= deadline,
                    (None, Limit::Queries(n)) => latencies.len() >= n,
                    (None, Limit::Seconds(_)) => true,
                };
                if done {
                    return latencies;
                }
            }
        }
    });
    let mut latencies: Vec<Duration> = join_all(tasks).await.into_iter().flatten().collect();
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    Cell {
        queries: latencies.len(),
        seconds,
        p50: at(0.50),
        p99: at(0.99),
    }
}

async fn tokio_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

async fn tokio_clients(url: &str, n: usize) -> Vec<tokio_postgres::Client> {
    let mut clients = Vec::new();
    for _ in 0..n {
        clients.push(tokio_client(url).await);
    }
    clients
}

/// A checked query on any migrate executor, `$conn`.
macro_rules! migrate_op {
    ($scenario:expr, $conn:expr, $i:expr) => {{
        let key = $scenario.key($i);
        match $scenario {
            Scenario::Lookup => {
                let user = migrate::query!(
                    "SELECT id, name, email, score FROM users WHERE id = $1",
                    key
                )
                .fetch_one($conn)
                .await
                .unwrap();
                assert_eq!(user.id, key);
                1
            }
            Scenario::Hundred => {
                let users = migrate::query!(
                    "SELECT id, name, email, score FROM users WHERE id BETWEEN $1 AND $1 + 99 ORDER BY id",
                    key
                )
                .fetch_all($conn)
                .await
                .unwrap();
                assert_eq!(users.len(), 100);
                users.len()
            }
            Scenario::Insert => {
                let id: i64 = migrate::query_scalar!(
                    "INSERT INTO events (user_id, kind) VALUES ($1, $2) RETURNING id",
                    key,
                    "bench"
                )
                .fetch_one($conn)
                .await
                .unwrap();
                assert!(id > 0);
                1
            }
        }
    }};
}

/// A sqlx `query!` on any sqlx executor, `$conn`.
macro_rules! sqlx_op {
    ($scenario:expr, $conn:expr, $i:expr) => {{
        let key = $scenario.key($i);
        match $scenario {
            Scenario::Lookup => {
                let user = sqlx::query!(
                    "SELECT id, name, email, score FROM users WHERE id = $1",
                    key
                )
                .fetch_one($conn)
                .await
                .unwrap();
                assert_eq!(user.id, key);
                1
            }
            Scenario::Hundred => {
                let users = sqlx::query!(
                    "SELECT id, name, email, score FROM users WHERE id BETWEEN $1 AND $1 + 99 ORDER BY id",
                    key
                )
                .fetch_all($conn)
                .await
                .unwrap();
                assert_eq!(users.len(), 100);
                users.len()
            }
            Scenario::Insert => {
                let id: i64 = sqlx::query_scalar!(
                    "INSERT INTO events (user_id, kind) VALUES ($1, $2) RETURNING id",
                    key,
                    "bench"
                )
                .fetch_one($conn)
                .await
                .unwrap();
                assert!(id > 0);
                1
            }
        }
    }};
}

/// A user as hand-written code reads it: every column it selected, as the
/// macros and sqlx read them.
struct User {
    id: i64,
    name: String,
    email: String,
    score: i32,
}

impl User {
    fn read(row: &tokio_postgres::Row) -> Self {
        Self {
            id: row.get(0),
            name: row.get(1),
            email: row.get(2),
            score: row.get(3),
        }
    }
}

/// Hand-written tokio-postgres: `$run(sql)` gives the rows.
async fn by_hand<F, Fut>(scenario: Scenario, i: i64, run: F) -> usize
where
    F: FnOnce(&'static str, i64) -> Fut,
    Fut: Future<Output = Vec<tokio_postgres::Row>>,
{
    let key = scenario.key(i);
    match scenario {
        Scenario::Lookup => {
            let rows = run(LOOKUP, key).await;
            let user = User::read(&rows[0]);
            assert_eq!(user.id, key);
            assert!(!user.name.is_empty() && !user.email.is_empty() && user.score >= 0);
            rows.len()
        }
        Scenario::Hundred => {
            let rows = run(HUNDRED, key).await;
            let users: Vec<User> = rows.iter().map(User::read).collect();
            assert_eq!(users.len(), 100);
            assert!(users.iter().all(|user| !user.name.is_empty() && user.score >= 0 && !user.email.is_empty()));
            rows.len()
        }
        Scenario::Insert => {
            let rows = run(INSERT, key).await;
            assert!(rows[0].get::<_, i64>(0) > 0);
            rows.len()
        }
    }
}

/// The statements a hand-written program prepares once per connection.
struct Prepared {
    client: tokio_postgres::Client,
    lookup: tokio_postgres::Statement,
    hundred: tokio_postgres::Statement,
    insert: tokio_postgres::Statement,
}

impl Prepared {
    async fn new(client: tokio_postgres::Client) -> Self {
        Self {
            lookup: client.prepare(LOOKUP).await.unwrap(),
            hundred: client.prepare(HUNDRED).await.unwrap(),
            insert: client.prepare(INSERT).await.unwrap(),
            client,
        }
    }

    fn statement(&self, sql: &str) -> &tokio_postgres::Statement {
        match sql {
            LOOKUP => &self.lookup,
            HUNDRED => &self.hundred,
            _ => &self.insert,
        }
    }
}

async fn cell(client: &str, url: &str, scenario: Scenario, n: usize, limit: Limit) -> Cell {
    match client {
        "migrate &Client (query_typed)" => {
            let clients = tokio_clients(url, n).await;
            drive(&clients, limit, |conn, i| async move { migrate_op!(scenario, conn, i) }).await
        }
        "migrate Cached" => {
            let clients: Vec<_> = tokio_clients(url, n)
                .await
                .into_iter()
                .map(migrate::Cached::new)
                .collect();
            drive(&clients, limit, |conn, i| async move { migrate_op!(scenario, conn, i) }).await
        }
        "tokio-pg prepared" => {
            let mut clients = Vec::new();
            for client in tokio_clients(url, n).await {
                clients.push(Prepared::new(client).await);
            }
            drive(&clients, limit, |conn, i| {
                by_hand(scenario, i, move |sql, key| async move {
                    let statement = conn.statement(sql);
                    if sql == INSERT {
                        conn.client.query(statement, &[&key, &"bench"]).await.unwrap()
                    } else {
                        conn.client.query(statement, &[&key]).await.unwrap()
                    }
                })
            })
            .await
        }
        "tokio-pg query(&str)" => {
            let clients = tokio_clients(url, n).await;
            drive(&clients, limit, |conn, i| {
                by_hand(scenario, i, move |sql, key| async move {
                    if sql == INSERT {
                        conn.query(sql, &[&key, &"bench"]).await.unwrap()
                    } else {
                        conn.query(sql, &[&key]).await.unwrap()
                    }
                })
            })
            .await
        }
        "sqlx PgPool" | "sqlx PgPool no test" => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(n as u32)
                .min_connections(n as u32)
                .test_before_acquire(client == "sqlx PgPool")
                .connect(url)
                .await
                .unwrap();
            let pools = vec![pool.clone(); n];
            let cell =
                drive(&pools, limit, |pool, i| async move { sqlx_op!(scenario, pool, i) }).await;
            pool.close().await;
            cell
        }
        "sqlx PgConnection" => {
            let mut conns = Vec::new();
            for _ in 0..n {
                conns.push(RefCell::new(sqlx::PgConnection::connect(url).await.unwrap()));
            }
            #[allow(clippy::await_holding_refcell_ref, reason = "one task per connection")]
            drive(&conns, limit, |conn, i| async move {
                let mut conn = conn.borrow_mut();
                sqlx_op!(scenario, &mut *conn, i)
            })
            .await
        }
        "migrate default via deadpool" | "migrate Unprepared via deadpool" | "tokio-pg deadpool" => {
            let manager = deadpool_postgres::Manager::from_config(
                url.parse().unwrap(),
                NoTls,
                deadpool_postgres::ManagerConfig {
                    recycling_method: deadpool_postgres::RecyclingMethod::Fast,
                },
            );
            let pool = deadpool_postgres::Pool::builder(manager)
                .max_size(n)
                .build()
                .unwrap();
            let pools = vec![pool.clone(); n];
            if client == "migrate default via deadpool" {
                drive(&pools, limit, |pool, i| async move {
                    let conn = pool.get().await.unwrap();
                    migrate_op!(scenario, &conn, i)
                })
                .await
            } else if client == "migrate Unprepared via deadpool" {
                drive(&pools, limit, |pool, i| async move {
                    let conn = pool.get().await.unwrap();
                    migrate_op!(scenario, migrate::Unprepared(&conn), i)
                })
                .await
            } else {
                drive(&pools, limit, |pool, i| {
                    by_hand(scenario, i, move |sql, key| async move {
                        let conn = pool.get().await.unwrap();
                        let statement = conn.prepare_cached(sql).await.unwrap();
                        if sql == INSERT {
                            conn.query(&statement, &[&key, &"bench"]).await.unwrap()
                        } else {
                            conn.query(&statement, &[&key]).await.unwrap()
                        }
                    })
                })
                .await
            }
        }
        other => panic!("no client {other}"),
    }
}

/// A proxy on loopback that delays each chunk by `delay` each way, keeping
/// the order; returns its port.
async fn delaying_proxy(upstream: String, delay: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let server = TcpStream::connect(&upstream).await.unwrap();
            client.set_nodelay(true).unwrap();
            server.set_nodelay(true).unwrap();
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            delay_one_way(client_read, server_write, delay);
            delay_one_way(server_read, client_write, delay);
        }
    });
    port
}

fn delay_one_way(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    tokio::spawn(async move {
        let mut buffer = vec![0; 64 * 1024];
        while let Ok(n) = from.read(&mut buffer).await {
            if n == 0 || sender.send((Instant::now() + delay, buffer[..n].to_vec())).is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        while let Some((due, bytes)) = receiver.recv().await {
            tokio::time::sleep_until(due.into()).await;
            if to.write_all(&bytes).await.is_err() {
                return;
            }
        }
    });
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names the bench database");
    let seconds: f64 = std::env::var("MIGRATE_BENCH_SECONDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(2.0);
    let limit = match std::env::var("MIGRATE_BENCH_ITERATIONS")
        .ok()
        .and_then(|text| text.parse().ok())
    {
        Some(n) => Limit::Queries(n),
        None => Limit::Seconds(seconds),
    };
    let latency_ms: u64 = std::env::var("MIGRATE_BENCH_LATENCY_MS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let clients = [
        "migrate &Client (query_typed)",
        "migrate Cached",
        "tokio-pg prepared",
        "tokio-pg query(&str)",
        "sqlx PgPool",
        "sqlx PgPool no test",
        "sqlx PgConnection",
        "migrate default via deadpool",
        "migrate Unprepared via deadpool",
        "tokio-pg deadpool",
    ];
    let wanted = |variable: &str, name: &str| {
        std::env::var(variable)
            .map_or(true, |only| only.split(',').any(|wanted| wanted == name))
    };
    runtime.block_on(async {
        let config: tokio_postgres::Config = url.parse().unwrap();
        let mut latencies = vec![0];
        if latency_ms > 0 {
            latencies.push(latency_ms);
        }
        for latency in latencies {
            let url = if latency == 0 {
                url.clone()
            } else {
                let host = match config.get_hosts().first() {
                    Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
                    _ => "127.0.0.1".to_owned(),
                };
                let port = config.get_ports().first().copied().unwrap_or(5432);
                let proxy =
                    delaying_proxy(format!("{host}:{port}"), Duration::from_millis(latency)).await;
                let user = config.get_user().unwrap_or("postgres");
                let dbname = config.get_dbname().unwrap_or("postgres");
                format!("postgres://{user}@127.0.0.1:{proxy}/{dbname}")
            };
            eprintln!("# load average {} (latency {latency} ms)", load_average());
            for scenario in [Scenario::Lookup, Scenario::Hundred, Scenario::Insert] {
                if !wanted("MIGRATE_BENCH_QUERIES", scenario.name()) {
                    continue;
                }
                for concurrency in [1, 16] {
                    if !wanted("MIGRATE_BENCH_CONCURRENCY", &concurrency.to_string()) {
                        continue;
                    }
                    for client in clients {
                        if !wanted("MIGRATE_BENCH_CLIENTS", client) {
                            continue;
                        }
                        let cell = cell(client, &url, scenario, concurrency, limit).await;
                        println!(
                            "{latency}\t{}\t{concurrency}\t{client}\t{:.0}\t{}\t{}\t{}",
                            scenario.name(),
                            cell.queries as f64 / cell.seconds,
                            cell.p50.as_micros(),
                            cell.p99.as_micros(),
                            cell.queries,
                        );
                    }
                }
            }
        }
        eprintln!("# load average {}", load_average());
    });
}

