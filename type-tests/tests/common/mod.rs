//! What `executors.rs` and `round_trips.rs` both need: a tokio client and
//! runtime, and the pools whose connections are executors (the database is
//! `migrate_type_tests::database`).

/// Runs `test` on a runtime of its own (the migrations ran before, on the
/// sync client, which must not run inside one).
pub fn block_on<F: std::future::Future>(test: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(test)
}

pub async fn tokio_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// A deadpool-postgres pool of `size` connections to `url`.
pub fn deadpool(url: &str, size: usize) -> deadpool_postgres::Pool {
    let manager = deadpool_postgres::Manager::from_config(
        url.parse().unwrap(),
        tokio_postgres::NoTls,
        deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        },
    );
    deadpool_postgres::Pool::builder(manager)
        .max_size(size)
        .build()
        .unwrap()
}

/// A bb8 pool of one connection to `url`.
pub async fn bb8_pool(
    url: &str,
) -> bb8_postgres::bb8::Pool<bb8_postgres::PostgresConnectionManager<tokio_postgres::NoTls>> {
    let manager =
        bb8_postgres::PostgresConnectionManager::new_from_stringlike(url, tokio_postgres::NoTls)
            .unwrap();
    bb8_postgres::bb8::Pool::builder()
        .max_size(1)
        .build(manager)
        .await
        .unwrap()
}

/// An r2d2 pool of one connection to `url`.
pub fn r2d2_pool(
    url: &str,
) -> r2d2_postgres::r2d2::Pool<r2d2_postgres::PostgresConnectionManager<postgres::NoTls>> {
    let manager =
        r2d2_postgres::PostgresConnectionManager::new(url.parse().unwrap(), postgres::NoTls);
    r2d2_postgres::r2d2::Pool::builder()
        .max_size(1)
        .build(manager)
        .unwrap()
}
