//! TLS for managed PostgreSQL (feature `tls`): rustls with the ring
//! provider, never OpenSSL.
//!
//! Hosted PostgreSQL (Neon, Supabase, RDS, Cloud SQL, ...) asks for
//! `sslmode=require` and usually gives two URLs: a pooled `DATABASE_URL`
//! for the application and a direct `DIRECT_URL` for migrations. Run the
//! migrations over the direct one (a transaction-mode pooler cannot hold
//! the migration lock, see [`crate::Runner`]):
//!
//! ```no_run
//! # static MIGRATIONS: migrate_runtime::Migrations = migrate_runtime::Migrations::new(&[], "{}");
//! let direct = std::env::var("DIRECT_URL")?; // postgres://...?sslmode=require
//! let mut client = migrate_runtime::tls::connect(&direct)?;
//! MIGRATIONS.run(&mut client)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The server's certificate is always verified, against Mozilla's root
//! certificates by default. A provider with its own certificate authority
//! (Amazon RDS, a self-signed server) needs its CA bundle:
//!
//! ```no_run
//! let bundle = std::fs::read("global-bundle.pem")?;
//! let tls = migrate_runtime::tls::Tls::webpki_roots().add_pem_certificates(&bundle)?;
//! let mut client = postgres::Client::connect("postgres://...?sslmode=require", tls.connector())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `sslmode` is read by the driver: `disable` connects in clear, `prefer`
//! (the default) uses TLS when the server offers it, `require` insists on
//! it. Unlike libpq, `require` here also verifies the certificate.
//! With tokio, pass [`Tls::connector`] to `tokio_postgres::connect`.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::Error;

/// Trusted root certificates for connecting with TLS.
#[derive(Clone, Debug)]
pub struct Tls {
    roots: RootCertStore,
}

impl Tls {
    /// Mozilla's root certificates (the `webpki-roots` crate): what public
    /// certificate authorities such as Let's Encrypt chain to.
    pub fn webpki_roots() -> Self {
        Self {
            roots: RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
        }
    }

    /// No root at all: add the provider's own with [`Tls::add_pem_certificates`].
    pub fn empty() -> Self {
        Self {
            roots: RootCertStore::empty(),
        }
    }

    /// Also trusts the certificates of a PEM bundle (a provider's CA bundle,
    /// a self-signed server certificate).
    pub fn add_pem_certificates(mut self, pem: &[u8]) -> Result<Self, Error> {
        let mut n_added = 0;
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|error| Error::Tls {
                message: format!("cannot read the PEM certificates: {error}"),
            })?;
            self.roots.add(certificate).map_err(|error| Error::Tls {
                message: format!("cannot use a certificate of the PEM bundle: {error}"),
            })?;
            n_added += 1;
        }
        if n_added == 0 {
            return Err(Error::Tls {
                message: "the PEM bundle holds no certificate".to_owned(),
            });
        }
        Ok(self)
    }

    /// The connector for `postgres::Client::connect` or `tokio_postgres::connect`.
    pub fn connector(&self) -> MakeRustlsConnect {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|builder| {
                builder
                    .with_root_certificates(self.roots.clone())
                    .with_no_client_auth()
            });
        match config {
            Ok(config) => MakeRustlsConnect::new(config),
            // The ring provider supports the safe default versions; were it
            // not to, fall back to rustls' own defaults.
            Err(_) => MakeRustlsConnect::new(
                rustls::ClientConfig::builder()
                    .with_root_certificates(self.roots.clone())
                    .with_no_client_auth(),
            ),
        }
    }
}

/// Connects to `url` with TLS verified against Mozilla's roots, as
/// `sslmode` in the URL asks (`require` for managed PostgreSQL), within
/// the bound [`crate::connect`] describes (`connect_timeout`, else 10 s).
pub fn connect(url: &str) -> Result<postgres::Client, Error> {
    crate::connect_with(url, Tls::webpki_roots().connector())
}
