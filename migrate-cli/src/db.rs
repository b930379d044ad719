//! What every subcommand that talks to a database shares: which URL, the
//! history table, connecting, and never printing a password.
//!
//! The URL is, in order: `--database-url`, `DIRECT_URL`, `DATABASE_URL`,
//! each variable read from the environment or else from a `.env` file in the
//! current directory or one of its parents. `DIRECT_URL` comes first because
//! hosted PostgreSQL gives a pooled `DATABASE_URL` for queries and a direct
//! one for migrations, which need a session of their own.

use std::sync::Mutex;

use migrate_core::Name;
use migrate_runtime::{DEFAULT_HISTORY_SCHEMA, DEFAULT_HISTORY_TABLE, Migrations, Runner};

use crate::Failure;

/// `--database-url URL` and `--history-table SCHEMA.TABLE`.
#[derive(Debug, clap::Args)]
pub struct DatabaseArgs {
    /// The database, as a `postgres://` URL or `key=value` settings.
    /// Default: $DIRECT_URL, else $DATABASE_URL (also read from `.env`).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// The table recording applied migrations.
    #[arg(long, value_name = "SCHEMA.TABLE", default_value_t = format!("{DEFAULT_HISTORY_SCHEMA}.{DEFAULT_HISTORY_TABLE}"))]
    history_table: String,
}

impl DatabaseArgs {
    /// The URL to use; its password (if any) is remembered for redaction.
    pub fn url(&self) -> Result<String, Failure> {
        let url = match &self.database_url {
            Some(url) => url.clone(),
            None => {
                // A missing `.env` is fine; a broken one is worth a word.
                if let Err(error) = dotenvy::dotenv()
                    && !error.not_found()
                {
                    eprintln!("warning: cannot read .env: {error}");
                }
                match std::env::var("DIRECT_URL").or_else(|_| std::env::var("DATABASE_URL")) {
                    Ok(url) => url,
                    Err(_) => {
                        return Err(Failure::usage(
                            "no database given: set DATABASE_URL (or DIRECT_URL), in the environment or in .env, or pass --database-url",
                        ));
                    }
                }
            }
        };
        remember_secrets(&url);
        Ok(url)
    }

    /// Connects to the database (exit code 2 when it cannot).
    pub fn connect(&self) -> Result<postgres::Client, Failure> {
        let url = self.url()?;
        connect(&url)
    }

    /// Connects, and keeps what cancelling the connection's running
    /// statement from another thread takes.
    pub fn connect_cancellable(&self) -> Result<(postgres::Client, Canceller), Failure> {
        let url = self.url()?;
        let client = connect(&url)?;
        let settings = crate::tls::settings(&url).map_err(Failure::usage)?;
        let token = client.cancel_token();
        Ok((client, Canceller { token, settings }))
    }

    /// The history table as (schema, table).
    pub fn history_table(&self) -> Result<(String, String), Failure> {
        match self.history_table.split_once('.') {
            Some((schema, table)) if !schema.is_empty() && !table.is_empty() => {
                Ok((schema.to_owned(), table.to_owned()))
            }
            _ => Err(Failure::usage(format_args!(
                "--history-table {}: expected SCHEMA.TABLE",
                self.history_table
            ))),
        }
    }

    /// The history table as a [`Name`].
    pub fn history_name(&self) -> Result<Name, Failure> {
        let (schema, table) = self.history_table()?;
        Ok(Name::new(&schema, &table))
    }

    /// A runner over `migrations` with this history table.
    pub fn runner<'a>(&self, migrations: &'a Migrations) -> Result<Runner<'a>, Failure> {
        let (schema, table) = self.history_table()?;
        Ok(migrations
            .runner()
            .history_table(&schema, &table)
            .applied_by(concat!("migrate-cli ", env!("CARGO_PKG_VERSION"))))
    }
}

/// Connects to `url` (exit code 2 when it cannot), with the password kept
/// out of the message.
/// `sslmode` (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`)
/// and `sslrootcert` in the URL are honoured with rustls (see `tls.rs`).
pub fn connect(url: &str) -> Result<postgres::Client, Failure> {
    remember_secrets(url);
    let settings = crate::tls::settings(url).map_err(|message| {
        Failure::usage(format_args!(
            "cannot connect to {}: {message}",
            redact_url(url)
        ))
    })?;
    crate::tls::connect(&settings)
}

/// What cancels the statement a connection is running: its cancel token,
/// sent over the same kind of connection (TLS or not) as the URL asks.
pub struct Canceller {
    token: postgres::CancelToken,
    settings: crate::tls::Settings,
}

impl Canceller {
    /// Asks the server to cancel the statement running on the connection.
    pub fn cancel(&self) -> Result<(), String> {
        crate::tls::cancel(&self.token, &self.settings)
    }
}

/// Whether `text` names a database rather than a directory.
pub fn looks_like_url(text: &str) -> bool {
    text.starts_with("postgres://")
        || text.starts_with("postgresql://")
        || (text.contains('=') && !std::path::Path::new(text).exists())
}

/// Secrets seen in URLs, replaced by `***` in everything the command prints
/// through [`redact`].
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers the password of `url` (URL or `key=value` form), raw and
/// percent-decoded, so that no message can show it.
pub fn remember_secrets(url: &str) {
    let mut found = Vec::new();
    if let Some(password) = url_password(url) {
        found.push(percent_decode(password));
        found.push(password.to_owned());
    }
    for setting in key_value_passwords(url) {
        found.push(setting);
    }
    let mut secrets = SECRETS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for secret in found {
        if !secret.is_empty() && !secrets.contains(&secret) {
            secrets.push(secret);
        }
    }
    // Longest first, so that a secret containing another is replaced whole.
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
}

/// `text` with every remembered password replaced by `***`.
pub fn redact(text: &str) -> String {
    let secrets = SECRETS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut text = text.to_owned();
    for secret in secrets.iter() {
        text = text.replace(secret.as_str(), "***");
    }
    text
}

/// `url` with its password shown as `***`.
pub fn redact_url(url: &str) -> String {
    if let Some(password) = url_password(url) {
        let scheme_end = url.find("://").map_or(0, |index| index + 3);
        let at = scheme_end + url[scheme_end..].find('@').unwrap_or(0);
        let colon = at - password.len() - 1;
        return format!("{}:***{}", &url[..colon], &url[at..]);
    }
    let mut redacted = url.to_owned();
    for password in key_value_passwords(url) {
        redacted = redacted.replace(&password, "***");
    }
    redacted
}

/// The password part of `scheme://user:password@host/...`.
fn url_password(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")? + 3;
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = authority.rfind('@')?;
    let user_info = &authority[..at];
    let colon = user_info.find(':')?;
    Some(&user_info[colon + 1..])
}

/// Values of `password=...` settings (quoted or not) in `key=value` form,
/// and of a `password=` query parameter of a URL.
fn key_value_passwords(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(index) = rest.find("password=") {
        let value = &rest[index + "password=".len()..];
        let (password, after) = if let Some(quoted) = value.strip_prefix('\'') {
            let end = quoted.find('\'').unwrap_or(quoted.len());
            (&quoted[..end], &quoted[end..])
        } else {
            let end = value.find([' ', '&']).unwrap_or(value.len());
            (&value[..end], &value[end..])
        };
        if !password.is_empty() {
            found.push(password.to_owned());
            found.push(percent_decode(password));
        }
        rest = after;
    }
    found
}

/// A URL component with its `%XX` escapes decoded.
pub(crate) fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cr%40t@db.example:5432/app?sslmode=disable"),
            "postgres://app:***@db.example:5432/app?sslmode=disable"
        );
        assert_eq!(redact_url("postgres://app@db/app"), "postgres://app@db/app");
        assert_eq!(
            redact_url("host=db user=app password='a b' dbname=x"),
            "host=db user=app password='***' dbname=x"
        );
        remember_secrets("postgresql://u:p%21ss@h/d");
        assert_eq!(
            redact("bad password p!ss and p%21ss"),
            "bad password *** and ***"
        );
    }
}
