//! zero2prod's queries through sqlx 0.8's macros, compiled with
//! `SQLX_OFFLINE=true` from the `.sqlx` that `migrate sqlx-prepare` wrote
//! from the migrations, then run against a database `migrate deploy`
//! migrated (its URL in `DATABASE_URL`).

use sqlx::postgres::PgPool;
use uuid::Uuid;

#[derive(Debug)]
struct Subscription {
    email: String,
    name: String,
    status: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), sqlx::Error> {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let pool = PgPool::connect(&url).await?;

    let user_id = Uuid::new_v4();
    sqlx::query!(
        "INSERT INTO users (user_id, username, password_hash)
            VALUES ($1, $2, $3)",
        user_id,
        "ferris",
        "$argon2id$not-a-real-hash"
    )
    .execute(&pool)
    .await?;
    let username: String = sqlx::query_scalar!(
        r#"
        SELECT username
        FROM users
        WHERE user_id = $1
        "#,
        user_id
    )
    .fetch_one(&pool)
    .await?;
    assert_eq!(username, "ferris");

    let subscriber_id = Uuid::new_v4();
    sqlx::query!(
        r#"
    INSERT INTO subscriptions (id, email, name, subscribed_at, status)
    VALUES ($1, $2, $3, $4, 'pending_confirmation')
            "#,
        subscriber_id,
        "ferris@example.com",
        "Ferris",
        chrono::Utc::now()
    )
    .execute(&pool)
    .await?;
    sqlx::query_file!("queries/confirm.sql", subscriber_id)
        .execute(&pool)
        .await?;
    let subscriptions = sqlx::query_as!(Subscription, "SELECT email, name, status FROM subscriptions")
        .fetch_all(&pool)
        .await?;
    assert_eq!(subscriptions.len(), 1);
    assert_eq!(subscriptions[0].status, "confirmed");

    // sqlx leaves `count(*)` unknown (an `Option<i64>`); the migrations'
    // cache knows it is never null, so this is a plain `i64`.
    let n: i64 = sqlx::query_scalar!("SELECT count(*) AS n FROM subscriptions")
        .fetch_one(&pool)
        .await?;
    assert_eq!(n, 1);

    let Subscription { email, name, status } = &subscriptions[0];
    println!(
        "ok: user {username}, {n} subscription ({name} <{email}>, {status}), from a cache written without a database"
    );
    Ok(())
}
