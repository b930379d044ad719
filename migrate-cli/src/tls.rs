//! `sslmode` and `sslrootcert` of a database URL, as libpq reads them,
//! carried out with rustls (the runtime's connector, `migrate_runtime::tls`).
//!
//! | `sslmode` | connection |
//! |---|---|
//! | `disable` | in clear |
//! | `prefer` (the default) | TLS when the server offers it, its certificate not checked (as libpq) |
//! | `require`, `verify-full` | TLS, the certificate verified, host name included |
//! | `verify-ca` | TLS, the certificate verified, host name not checked |
//!
//! Unlike libpq, `require` verifies the certificate, as the runtime does.
//! Certificates are verified against Mozilla's root certificates, or only
//! against the PEM file `sslrootcert` names (a provider's CA bundle, a
//! self-signed server's certificate); `sslrootcert=system` keeps Mozilla's.

use std::sync::Arc;

use migrate_runtime::tls::Tls;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::Failure;

/// libpq's `sslmode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// A URL split into what the driver reads and what this module does.
#[derive(Debug, PartialEq, Eq)]
pub struct Settings {
    /// The URL for the driver: `sslmode` as it understands it
    /// (`disable`, `prefer`, `require`), without `sslrootcert`.
    pub driver_url: String,
    pub mode: SslMode,
    /// The PEM file of trusted certificates, `None` for Mozilla's roots.
    pub root_certificate: Option<String>,
}

/// Reads `sslmode` and `sslrootcert` from a `postgres://` URL or from
/// `key=value` settings.
pub fn settings(url: &str) -> Result<Settings, String> {
    let mut mode = SslMode::Prefer;
    let mut root_certificate = None;
    let mut read = |key: &str, value: &str| -> Result<bool, String> {
        match key {
            "sslmode" => {
                mode = match value {
                    "disable" => SslMode::Disable,
                    "allow" | "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(format!(
                            "sslmode={other}: expected disable, prefer, require, verify-ca or verify-full"
                        ));
                    }
                };
                Ok(true)
            }
            "sslrootcert" => {
                root_certificate = (value != "system").then(|| value.to_owned());
                Ok(true)
            }
            _ => Ok(false),
        }
    };
    let mut kept = Vec::new();
    let driver_url = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        for parameter in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = parameter.split_once('=').unwrap_or((parameter, ""));
            if !read(key, &crate::db::percent_decode(value))? {
                kept.push(parameter.to_owned());
            }
        }
        let mut driver_url = base.to_owned();
        kept.push(format!("sslmode={}", driver_mode(mode)));
        driver_url.push('?');
        driver_url.push_str(&kept.join("&"));
        driver_url
    } else {
        for (key, raw) in key_value_settings(url) {
            let value = raw.trim_matches('\'');
            if !read(&key, value)? {
                kept.push(format!("{key}={raw}"));
            }
        }
        kept.push(format!("sslmode={}", driver_mode(mode)));
        kept.join(" ")
    };
    Ok(Settings {
        driver_url,
        mode,
        root_certificate,
    })
}

/// The driver knows `disable`, `prefer` and `require`; the certificate
/// checks are the connector's.
fn driver_mode(mode: SslMode) -> &'static str {
    match mode {
        SslMode::Disable => "disable",
        SslMode::Prefer => "prefer",
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => "require",
    }
}

/// `key=value` pairs separated by spaces, a value possibly in single
/// quotes (kept as written).
fn key_value_settings(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() {
            return pairs;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let mut quoted = false;
            while let Some(&c) = chars.peek() {
                if c == '\'' {
                    quoted = !quoted;
                } else if c == '\\' {
                    value.push(c);
                    chars.next();
                    if let Some(escaped) = chars.next() {
                        value.push(escaped);
                    }
                    continue;
                } else if c.is_whitespace() && !quoted {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        pairs.push((key, value));
    }
}

/// Connects as `settings` (read from a URL) say, within `connect_timeout`
/// (10 s by default, handshake included: see `migrate_runtime::connect`);
/// an error names the host and port without the password, and the
/// certificate problem if there is one.
pub fn connect(settings: &Settings) -> Result<postgres::Client, Failure> {
    let driver_url = settings.driver_url.as_str();
    let result = match settings.mode {
        SslMode::Disable => migrate_runtime::connect_with(driver_url, postgres::NoTls),
        SslMode::Require | SslMode::VerifyFull => {
            migrate_runtime::connect_with(driver_url, trusted(settings)?.connector())
        }
        SslMode::Prefer => migrate_runtime::connect_with(driver_url, unverified()),
        SslMode::VerifyCa => migrate_runtime::connect_with(driver_url, chain_only(settings)?),
    };
    result.map_err(|error| {
        let text = error.to_string();
        let help = if text.contains("UnknownIssuer") {
            "\n  = help: no trusted authority signed the server's certificate: name the provider's CA bundle (or a self-signed server's certificate) with sslrootcert=/path/to/ca.pem in the URL"
        } else {
            ""
        };
        Failure::usage(format_args!("{text}{help}"))
    })
}

/// Sends a cancel request for the statement `token`'s session is running,
/// over the same kind of connection as `settings` made.
pub fn cancel(token: &postgres::CancelToken, settings: &Settings) -> Result<(), String> {
    let result = match settings.mode {
        SslMode::Disable => token.cancel_query(postgres::NoTls),
        SslMode::Require | SslMode::VerifyFull => match trusted(settings) {
            Ok(tls) => token.cancel_query(tls.connector()),
            Err(_) => token.cancel_query(unverified()),
        },
        SslMode::Prefer => token.cancel_query(unverified()),
        SslMode::VerifyCa => match chain_only(settings) {
            Ok(connector) => token.cancel_query(connector),
            Err(_) => token.cancel_query(unverified()),
        },
    };
    result.map_err(|error| error.to_string())
}

/// The roots `settings` trust, through the runtime's connector.
fn trusted(settings: &Settings) -> Result<Tls, Failure> {
    let Some(path) = &settings.root_certificate else {
        return Ok(Tls::webpki_roots());
    };
    let pem = std::fs::read(path).map_err(|error| {
        Failure::usage(format_args!(
            "sslrootcert={path}: cannot read the certificate file: {error}"
        ))
    })?;
    Tls::empty()
        .add_pem_certificates(&pem)
        .map_err(|error| Failure::usage(format_args!("sslrootcert={path}: {error}")))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn connector(verifier: Arc<dyn ServerCertVerifier>) -> Result<MakeRustlsConnect, Failure> {
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|error| Failure::usage(format_args!("cannot set up TLS: {error}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// `prefer`: encrypted when the server offers it, whoever the server is.
fn unverified() -> MakeRustlsConnect {
    let verifier = Arc::new(Verifier {
        chain: None,
        algorithms: provider().signature_verification_algorithms,
    });
    // The ring provider has the safe default versions.
    connector(verifier).unwrap_or_else(|_| {
        MakeRustlsConnect::new(
            rustls::ClientConfig::builder()
                .with_root_certificates(RootCertStore::empty())
                .with_no_client_auth(),
        )
    })
}

/// `verify-ca`: the chain verified, the host name not.
fn chain_only(settings: &Settings) -> Result<MakeRustlsConnect, Failure> {
    let mut roots = RootCertStore::empty();
    match &settings.root_certificate {
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(path) => {
            let pem = std::fs::read(path).map_err(|error| {
                Failure::usage(format_args!(
                    "sslrootcert={path}: cannot read the certificate file: {error}"
                ))
            })?;
            for certificate in CertificateDer::pem_slice_iter(&pem) {
                let certificate = certificate
                    .map_err(|error| Failure::usage(format_args!("sslrootcert={path}: {error}")))?;
                roots
                    .add(certificate)
                    .map_err(|error| Failure::usage(format_args!("sslrootcert={path}: {error}")))?;
            }
        }
    }
    let chain = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|error| Failure::usage(format_args!("cannot set up TLS: {error}")))?;
    connector(Arc::new(Verifier {
        chain: Some(chain),
        algorithms: provider().signature_verification_algorithms,
    }))
}

/// Checks the handshake's signatures always, the certificate chain when
/// `chain` is set, the host name never.
#[derive(Debug)]
struct Verifier {
    chain: Option<Arc<WebPkiServerVerifier>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_are_read_and_left_out_for_the_driver() {
        let read = settings(
            "postgres://app:p%40ss@db.example/app?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(read.mode, SslMode::VerifyFull);
        assert_eq!(read.root_certificate.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(
            read.driver_url,
            "postgres://app:p%40ss@db.example/app?application_name=x&sslmode=require"
        );
        let read = settings("postgres://db/app").unwrap();
        assert_eq!(read.mode, SslMode::Prefer);
        assert_eq!(read.driver_url, "postgres://db/app?sslmode=prefer");
        let read = settings("host=db user=app password='a b' sslmode=verify-ca sslrootcert=system")
            .unwrap();
        assert_eq!(read.mode, SslMode::VerifyCa);
        assert_eq!(read.root_certificate, None);
        assert_eq!(
            read.driver_url,
            "host=db user=app password='a b' sslmode=require"
        );
        assert_eq!(
            settings("postgres://db/app?sslmode=disable").unwrap().mode,
            SslMode::Disable
        );
        assert!(settings("postgres://db/app?sslmode=nonsense").is_err());
    }
}
