//! Connecting with a bound on every wait, and errors a user can act on.
//!
//! The driver bounds only the TCP connect (`connect_timeout`), not the
//! startup handshake that follows: a port where something else listens
//! (Redis, an HTTP proxy, a firewall that accepts and drops) keeps
//! `postgres::Client::connect` waiting forever. [`connect`] bounds the whole
//! of it, TCP connect, TLS and startup handshake included: `connect_timeout`
//! of the URL (in seconds, as libpq reads it) for each host, else
//! [`DEFAULT_CONNECT_TIMEOUT`]; `connect_timeout=0` waits without limit, as
//! libpq does. The attempt runs on a thread of its own; one that outlives
//! its bound is abandoned, and its thread ends when the server closes the
//! connection.
//!
//! Errors name the host and port (never the password) and say in words what
//! the driver's own message leaves to guess: `bytes remaining on stream`
//! becomes "the server answered something that is not PostgreSQL's protocol".

use std::str::FromStr;
use std::sync::mpsc;
use std::time::Duration;

use postgres::Socket;
use postgres::tls::{MakeTlsConnect, TlsConnect};

use crate::Error;

/// How long [`connect`] waits, TCP connect and startup handshake together,
/// when the URL sets no `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects to `url` without TLS, within the bound described in the
/// [module documentation](self).
///
/// ```no_run
/// let mut client = migrate_runtime::connect("postgres://app@db.internal/app?connect_timeout=5")?;
/// # Ok::<(), migrate_runtime::Error>(())
/// ```
pub fn connect(url: &str) -> Result<postgres::Client, Error> {
    connect_with(url, postgres::NoTls)
}

/// [`connect`] with a TLS connector (for instance [`crate::tls::Tls::connector`]).
pub fn connect_with<T>(url: &str, tls: T) -> Result<postgres::Client, Error>
where
    T: MakeTlsConnect<Socket> + 'static + Send,
    T::TlsConnect: Send,
    T::Stream: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let mut config = postgres::Config::from_str(url).map_err(|error| Error::Connect {
        target: "the database".to_owned(),
        message: format!(
            "the connection string cannot be read: {}",
            cause_text(&error)
        ),
    })?;
    let target = Target::of(&config);
    let timeout = match config.get_connect_timeout() {
        Some(timeout) => Some(*timeout),
        None if connect_timeout_is_zero(url) => None,
        None => Some(DEFAULT_CONNECT_TIMEOUT),
    };
    let Some(timeout) = timeout else {
        return config
            .connect(tls)
            .map_err(|error| target.error(&error, None));
    };
    config.connect_timeout(timeout);
    // Each host gets the bound, as libpq gives each host `connect_timeout`.
    let bound = timeout * u32::try_from(target.n_hosts.max(1)).unwrap_or(1);
    let (sender, receiver) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("migrate-connect".to_owned())
        .spawn(move || {
            // Nobody listens any more when the bound passed: the client,
            // connected late, is dropped and its connection closed.
            let _ = sender.send(config.connect(tls));
        });
    if let Err(error) = spawned {
        return Err(Error::Connect {
            target: target.describe(),
            message: format!("cannot start a thread to connect on: {error}"),
        });
    }
    match receiver.recv_timeout(bound) {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(error)) => Err(target.error(&error, Some(timeout))),
        Err(_) => Err(target.no_answer(bound)),
    }
}

/// [`connect`] for tokio: the connection of `config` within its
/// `connect_timeout`, else [`DEFAULT_CONNECT_TIMEOUT`] (an unset or zero one
/// cannot be told apart once parsed: both get the default). A timed-out
/// attempt is dropped, its socket closed. Spawn the connection as usual:
///
/// ```no_run
/// # async fn boot() -> Result<(), Box<dyn std::error::Error>> {
/// let config: tokio_postgres::Config = "postgres://app@db.internal/app".parse()?;
/// let (client, connection) = migrate_runtime::connect_async(&config, tokio_postgres::NoTls).await?;
/// tokio::spawn(connection);
/// # Ok(()) }
/// ```
#[cfg(feature = "tokio")]
pub async fn connect_async<T>(
    config: &tokio_postgres::Config,
    tls: T,
) -> Result<
    (
        tokio_postgres::Client,
        tokio_postgres::Connection<Socket, T::Stream>,
    ),
    Error,
>
where
    T: MakeTlsConnect<Socket>,
{
    let target = Target::new(
        config.get_hosts(),
        config.get_ports(),
        config.get_dbname(),
        config.get_user(),
    );
    let timeout = config
        .get_connect_timeout()
        .copied()
        .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
    let mut config = config.clone();
    config.connect_timeout(timeout);
    let bound = timeout * u32::try_from(target.n_hosts.max(1)).unwrap_or(1);
    match tokio::time::timeout(bound, config.connect(tls)).await {
        Ok(Ok(connected)) => Ok(connected),
        Ok(Err(error)) => Err(target.error(&error, Some(timeout))),
        Err(_) => Err(target.no_answer(bound)),
    }
}

/// Whether the URL says `connect_timeout=0` (wait without limit), which the
/// driver reads as no timeout at all, like an absent one.
fn connect_timeout_is_zero(url: &str) -> bool {
    url.split(['?', '&', ' '])
        .filter_map(|setting| setting.trim().strip_prefix("connect_timeout"))
        .filter_map(|rest| rest.trim_start().strip_prefix('='))
        .any(|value| {
            let value = value.trim().trim_matches('\'');
            !value.is_empty() && value.parse::<i64>().is_ok_and(|seconds| seconds <= 0)
        })
}

/// Where a connection goes, for messages: hosts and ports, the database and
/// the user; never the password.
struct Target {
    hosts: String,
    database: Option<String>,
    user: Option<String>,
    n_hosts: usize,
}

impl Target {
    fn of(config: &postgres::Config) -> Self {
        Self::new(
            config.get_hosts(),
            config.get_ports(),
            config.get_dbname(),
            config.get_user(),
        )
    }

    fn new(
        hosts: &[postgres::config::Host],
        ports: &[u16],
        database: Option<&str>,
        user: Option<&str>,
    ) -> Self {
        let port = |index: usize| {
            ports
                .get(index)
                .or_else(|| ports.first())
                .copied()
                .unwrap_or(5432)
        };
        let hosts: Vec<String> = hosts
            .iter()
            .enumerate()
            .map(|(index, host)| match host {
                postgres::config::Host::Tcp(name) if name.contains(':') => {
                    format!("[{name}]:{}", port(index))
                }
                postgres::config::Host::Tcp(name) => format!("{name}:{}", port(index)),
                #[cfg(unix)]
                postgres::config::Host::Unix(path) => {
                    format!("{}/.s.PGSQL.{}", path.display(), port(index))
                }
            })
            .collect();
        let n_hosts = hosts.len();
        Self {
            hosts: if hosts.is_empty() {
                "localhost:5432".to_owned()
            } else {
                hosts.join(", ")
            },
            database: database.map(str::to_owned),
            user: user.map(str::to_owned),
            n_hosts,
        }
    }

    fn describe(&self) -> String {
        let mut text = self.hosts.clone();
        match (&self.database, &self.user) {
            (Some(database), Some(user)) => {
                text.push_str(&format!(" (database {database:?}, user {user:?})"));
            }
            (Some(database), None) => text.push_str(&format!(" (database {database:?})")),
            (None, Some(user)) => text.push_str(&format!(" (user {user:?})")),
            (None, None) => {}
        }
        text
    }

    /// The bound passed without an answer.
    fn no_answer(&self, bound: Duration) -> Error {
        Error::Connect {
            target: self.describe(),
            message: format!(
                "no answer to PostgreSQL's startup handshake within {} s: the port accepted the connection, but what listens there does not speak PostgreSQL's protocol (or the server is overloaded); check the host and port, or wait longer with connect_timeout=<seconds> in the URL",
                bound.as_secs_f64()
            ),
        }
    }

    /// The driver's connect error in words, with what to check.
    fn error(&self, error: &postgres::Error, timeout: Option<Duration>) -> Error {
        Error::Connect {
            target: self.describe(),
            message: explain(error, timeout),
        }
    }
}

/// What went wrong while connecting, as a sentence.
fn explain(error: &postgres::Error, timeout: Option<Duration>) -> String {
    if let Some(db) = error.as_db_error() {
        // The server's own words (authentication failed, no such database).
        let mut text = db.message().to_owned();
        if let Some(hint) = db.hint() {
            text.push_str(&format!(" (hint: {hint})"));
        }
        return text;
    }
    let causes = cause_text(error);
    let not_postgres = "the server answered something that is not PostgreSQL's protocol: check that the host and port are those of PostgreSQL (or of a pooler in front of it)";
    if causes.contains("bytes remaining on stream") {
        return format!(
            "{not_postgres} (it sent bytes PostgreSQL never sends, then closed the connection)"
        );
    }
    if causes.contains("unexpected message from server")
        || causes.contains("error parsing response from server")
        || causes.contains("invalid message")
        || causes.contains("unknown authentication")
        || causes.contains("unexpected response")
    {
        return format!("{not_postgres} ({causes})");
    }
    if causes.contains("connection timed out") {
        let seconds = timeout.map_or(String::new(), |t| format!(" within {} s", t.as_secs()));
        return format!(
            "the TCP connection was not accepted{seconds}: check the host and port, and that no firewall drops the packets (wait longer with connect_timeout=<seconds> in the URL)"
        );
    }
    if causes.contains("Connection refused") {
        return "connection refused: nothing listens on that port; is PostgreSQL running there?"
            .to_owned();
    }
    if error.is_closed() || causes.contains("connection closed") || causes.contains("UnexpectedEof")
    {
        return format!(
            "the server closed the connection during the startup handshake ({causes}): check that the host and port are those of PostgreSQL, and the server's log"
        );
    }
    causes
}

/// The driver's message followed by those of its causes, each once.
fn cause_text(error: &postgres::Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_connect_timeout_is_seen_in_both_forms() {
        assert!(connect_timeout_is_zero("postgres://h/d?connect_timeout=0"));
        assert!(connect_timeout_is_zero("host=h connect_timeout=0 dbname=d"));
        assert!(!connect_timeout_is_zero(
            "postgres://h/d?connect_timeout=10"
        ));
        assert!(!connect_timeout_is_zero("postgres://h/d"));
    }

    #[test]
    fn the_target_names_hosts_ports_database_and_user_but_no_password() {
        let config = postgres::Config::from_str("postgres://app:s3cret@db.example:6379/x").unwrap();
        let target = Target::of(&config).describe();
        assert_eq!(target, "db.example:6379 (database \"x\", user \"app\")");
    }
}
