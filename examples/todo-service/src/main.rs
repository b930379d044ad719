//! A small HTTP service that brings its database up to date when it boots.
//!
//! - `build.rs` folds `migrations/` (sqlx layout) with `migrate_build::compile()`;
//! - every query below is checked against that schema at compile time;
//! - at boot, `MIGRATIONS.run_async` applies what is pending, once, under an
//!   advisory lock, and `GET /migrations` tells what happened.
//!
//! ```text
//! cargo run -p todo-service                 # serve on 127.0.0.1:3000
//! cargo run -p todo-service -- --self-test  # boot, migrate, serve, call itself once, exit
//! ```
//!
//! `DATABASE_URL` defaults to `postgres://postgres@127.0.0.1:5432/todo_service`;
//! the database is created when missing.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_postgres::NoTls;

/// The migrations of `migrations/`, as the build script embedded them.
static MIGRATIONS: migrate::Migrations = migrate::embed!();

const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/todo_service";
const DEFAULT_LISTEN: &str = "127.0.0.1:3000";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone)]
struct AppState {
    pool: Pool,
    /// What the boot-time run did, for `GET /migrations`.
    boot: Arc<Value>,
}

#[derive(Debug, Serialize)]
struct Todo {
    id: i64,
    title: String,
    state: String,
    notes: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NewTodo {
    title: String,
    notes: Option<String>,
}

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("todo-service: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), BoxError> {
    let mut self_test = false;
    let mut listen = DEFAULT_LISTEN.to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--self-test" => self_test = true,
            "--listen" => listen = args.next().ok_or("--listen needs an address")?,
            "--help" | "-h" => {
                println!(
                    "usage: todo-service [--listen ADDR] [--self-test]\n\
                     DATABASE_URL defaults to {DEFAULT_DATABASE_URL}"
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let config: tokio_postgres::Config = url.parse()?;
    create_database_if_missing(&config).await?;

    // Migrations run on a connection of their own (never through a pool).
    let boot = migrate_on_boot(&config).await?;
    println!(
        "migrated: {} applied now, {} already applied, in {} ms",
        boot["applied_now"].as_array().map_or(0, Vec::len),
        boot["already_applied"],
        boot["elapsed_ms"]
    );

    let connect_timeout = config
        .get_connect_timeout()
        .copied()
        .unwrap_or(migrate::DEFAULT_CONNECT_TIMEOUT);
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    // A pooled connection is bounded as the boot's was: the pool gives up
    // on one that takes longer than the connect timeout to set up.
    let pool = Pool::builder(manager)
        .max_size(8)
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .create_timeout(Some(connect_timeout))
        .build()?;
    let state = AppState {
        pool,
        boot: Arc::new(boot),
    };
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/migrations", get(migration_status))
        .route("/todos", get(list_todos).post(create_todo))
        .route("/todos/{id}/done", post(finish_todo))
        .with_state(state);

    let listen = if self_test { "127.0.0.1:0" } else { &listen };
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    if !self_test {
        axum::serve(listener, app).await?;
        return Ok(());
    }
    tokio::spawn(async move { axum::serve(listener, app).await });
    self_test_against(addr).await
}

/// Connects to the server's `postgres` database and creates ours when absent.
async fn create_database_if_missing(config: &tokio_postgres::Config) -> Result<(), BoxError> {
    let name = config.get_dbname().unwrap_or("postgres").to_owned();
    let mut admin = config.clone();
    admin.dbname("postgres");
    // Within connect_timeout (10 s when the URL sets none), handshake included.
    let (client, connection) = migrate::connect_async(&admin, NoTls).await?;
    let connection = tokio::spawn(connection);
    // The name of a database is not part of any schema: this query is not checked.
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await?
        .is_some();
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        client
            .batch_execute(&format!("CREATE DATABASE {quoted}"))
            .await?;
        println!("created database {name}");
    }
    drop(client);
    let _ = connection.await;
    Ok(())
}

async fn migrate_on_boot(config: &tokio_postgres::Config) -> Result<Value, BoxError> {
    let (client, connection) = migrate::connect_async(config, NoTls).await?;
    let connection = tokio::spawn(connection);
    let report = MIGRATIONS.run_async(&client).await?;
    drop(client);
    let _ = connection.await;
    let applied: Vec<Value> = report
        .applied
        .iter()
        .map(|applied| {
            json!({
                "version": applied.version,
                "name": applied.name,
                "ms": applied.duration.as_secs_f64() * 1000.0,
            })
        })
        .collect();
    let drift: Vec<String> = report.drift.iter().map(ToString::to_string).collect();
    Ok(json!({
        "applied_now": applied,
        "already_applied": report.already_applied,
        "elapsed_ms": report.elapsed.as_millis() as u64,
        "drift_checked": report.drift_checked,
        "drift": drift,
    }))
}

/// An error as a 500 response with its message.
struct AppError(BoxError);

impl<E: Into<BoxError>> From<E> for AppError {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.0.to_string() }));
        (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
    }
}

async fn migration_status(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let conn = state.pool.get().await?;
    // The history table belongs to the runtime, not to the migrations, so the
    // checked macros do not know it: a plain query.
    let rows = conn
        .query(
            "SELECT version, name, success FROM public._migrate_history ORDER BY installed_rank",
            &[],
        )
        .await?;
    let applied: Vec<(String, bool)> = rows
        .iter()
        .map(|row| (row.get::<_, String>(0), row.get::<_, bool>(2)))
        .collect();
    let migrations: Vec<Value> = MIGRATIONS
        .iter()
        .map(|migration| {
            let status = match applied
                .iter()
                .find(|(version, _)| version == migration.version)
            {
                Some((_, true)) => "applied",
                Some((_, false)) => "failed",
                None => "pending",
            };
            json!({
                "version": migration.version,
                "name": migration.name,
                "checksum": migration.checksum,
                "status": status,
            })
        })
        .collect();
    Ok(Json(json!({
        "migrations": migrations,
        "boot": *state.boot,
    })))
}

async fn list_todos(State(state): State<AppState>) -> Result<Json<Vec<Todo>>, AppError> {
    let conn = state.pool.get().await?;
    let todos = migrate::query_as!(
        Todo,
        "SELECT id, title, state, notes FROM todos ORDER BY id"
    )
    .fetch_all(&conn)
    .await?;
    Ok(Json(todos))
}

async fn create_todo(
    State(state): State<AppState>,
    Json(new): Json<NewTodo>,
) -> Result<(StatusCode, Json<Todo>), AppError> {
    let conn = state.pool.get().await?;
    let todo = migrate::query_as!(
        Todo,
        "INSERT INTO todos (title, notes) VALUES ($1, $2) RETURNING id, title, state, notes",
        &new.title,
        &new.notes
    )
    .fetch_one(&conn)
    .await?;
    Ok((StatusCode::CREATED, Json(todo)))
}

async fn finish_todo(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let conn = state.pool.get().await?;
    let done = migrate::query!(
        "UPDATE todos SET state = 'done' WHERE id = $1 RETURNING id, state",
        id
    )
    .fetch_optional(&conn)
    .await?;
    Ok(match done {
        Some(row) => Json(json!({ "id": row.id, "state": row.state })).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "no such todo" })),
        )
            .into_response(),
    })
}

/// Calls each endpoint once over HTTP, prints what came back, and fails on a
/// status that is not the expected one.
async fn self_test_against(addr: SocketAddr) -> Result<(), BoxError> {
    let (status, body) = http(addr, "GET", "/health", None).await?;
    expect("GET /health", status, 200, &body)?;

    let (status, body) = http(
        addr,
        "POST",
        "/todos",
        Some(r#"{"title": "write the self-test", "notes": "from --self-test"}"#),
    )
    .await?;
    expect("POST /todos", status, 201, &body)?;
    let created: Value = serde_json::from_str(&body)?;
    let id = created["id"].as_i64().ok_or("POST /todos returned no id")?;

    let (status, body) = http(addr, "POST", &format!("/todos/{id}/done"), None).await?;
    expect(&format!("POST /todos/{id}/done"), status, 200, &body)?;

    let (status, body) = http(addr, "GET", "/todos", None).await?;
    expect("GET /todos", status, 200, &body)?;
    let todos: Vec<Value> = serde_json::from_str(&body)?;
    let mine = todos
        .iter()
        .find(|todo| todo["id"].as_i64() == Some(id))
        .ok_or("the new todo is not listed")?;
    if mine["state"] != "done" {
        return Err(format!("todo {id} is {} instead of done", mine["state"]).into());
    }

    let (status, body) = http(addr, "GET", "/migrations", None).await?;
    expect("GET /migrations", status, 200, &body)?;
    let status: Value = serde_json::from_str(&body)?;
    let pending = status["migrations"].as_array().map_or(0, |all| {
        all.iter().filter(|m| m["status"] != "applied").count()
    });
    if pending != 0 {
        return Err(format!("{pending} migrations are not applied").into());
    }
    println!(
        "self-test passed: {} todos listed, every migration applied",
        todos.len()
    );
    Ok(())
}

fn expect(what: &str, status: u16, expected: u16, body: &str) -> Result<(), BoxError> {
    println!("{what} -> {status} {body}");
    if status == expected {
        Ok(())
    } else {
        Err(format!("{what}: expected status {expected}, got {status}").into())
    }
}

/// A minimal HTTP/1.1 request (Connection: close), enough for the self-test
/// without an HTTP client dependency.
async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    json_body: Option<&str>,
) -> Result<(u16, String), BoxError> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let body = json_body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or("malformed HTTP response")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or("malformed HTTP status line")?;
    Ok((status, body.to_owned()))
}
