//! TLS for the PostgreSQL lease store, as the URL asks for it (libpq's
//! `sslmode` and `sslrootcert`), through rustls with the ring provider (no
//! system OpenSSL: the hook and the wheel stay self-contained).
//!
//! | `sslmode` | what happens |
//! |---|---|
//! | `disable` | plain connection |
//! | `prefer` (the default) | TLS when the server offers it, else plain; the certificate is not checked (libpq's rule) |
//! | `require` | TLS or no connection; the certificate is not checked, unless `sslrootcert` is given (then as `verify-ca`, libpq's rule) |
//! | `verify-ca` | TLS, the server's chain must lead to a certificate of `sslrootcert` |
//! | `verify-full` | as `verify-ca`, and the certificate must name the host of the URL |
//!
//! `sslrootcert` is a PEM file of CA certificates; absent, `verify-ca` and
//! `verify-full` read `~/.postgresql/root.crt` as libpq does (and refuse when
//! there is none). Not supported: `sslmode=allow`, `sslrootcert=system`,
//! client certificates (`sslcert`/`sslkey`), CRLs; such a URL is refused with
//! a message naming the parameter. Over a Unix socket the server never
//! offers TLS: `prefer` is plain there, and `require` and stronger fail.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, Error as TlsError, RootCertStore, SignatureScheme};
use std::path::PathBuf;
use std::sync::Arc;

/// What the URL asks of TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// The TLS part of a lease-store URL, split off the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: TlsMode,
    pub root_cert: Option<PathBuf>,
}

/// The URL without the TLS parameters rust-postgres does not read
/// (`sslmode` beyond disable/prefer/require, `sslrootcert`), and those
/// parameters. `Err` names a parameter this build does not support.
pub fn split_url(url: &str) -> Result<(String, TlsSettings), String> {
    let mut settings = TlsSettings { mode: TlsMode::Prefer, root_cert: None };
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, q),
        None => return Ok((url.to_string(), settings)),
    };
    let mut kept: Vec<&str> = Vec::new();
    for part in query.split('&') {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let key = percent_decode(k);
        match key.as_str() {
            "sslmode" => {
                settings.mode = match percent_decode(v).as_str() {
                    "disable" => TlsMode::Disable,
                    "prefer" => TlsMode::Prefer,
                    "require" => TlsMode::Require,
                    "verify-ca" => TlsMode::VerifyCa,
                    "verify-full" => TlsMode::VerifyFull,
                    "allow" => return Err("sslmode=allow is not supported (use disable or prefer)".into()),
                    other => return Err(format!("sslmode={other:?} is not one of disable, prefer, require, verify-ca, verify-full")),
                }
            }
            "sslrootcert" => {
                let path = percent_decode(v);
                if path == "system" {
                    return Err("sslrootcert=system is not supported (name a PEM file of CA certificates)".into());
                }
                if !path.is_empty() {
                    settings.root_cert = Some(PathBuf::from(path));
                }
            }
            "sslcert" | "sslkey" | "sslpassword" | "sslcrl" | "sslcrldir" | "sslsni" => {
                return Err(format!("the URL parameter {key} is not supported by this libdos (server-verified TLS only)"))
            }
            _ => kept.push(part),
        }
    }
    let mut out = head.to_string();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    Ok((out, settings))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// ring's provider: rustls 0.23.48 marks it deprecated to steer towards
/// aws-lc-rs (post-quantum key exchange), which needs cmake and a C build of
/// its own; ring keeps the build plain. Revisit when ring gains ML-KEM.
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The CA certificates a verifying mode trusts.
fn roots(settings: &TlsSettings) -> Result<RootCertStore, String> {
    let path = match &settings.root_cert {
        Some(p) => p.clone(),
        None => {
            let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
            let p = home.join(".postgresql").join("root.crt");
            if !p.is_file() {
                return Err("the URL asks to verify the server's certificate and names no sslrootcert (nor is there \
                            ~/.postgresql/root.crt)"
                    .into());
            }
            p
        }
    };
    let certs = CertificateDer::pem_file_iter(&path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("sslrootcert {} cannot be read as PEM certificates: {e}", path.display()))?;
    let mut store = RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!("sslrootcert {} holds no usable CA certificate", path.display()));
    }
    Ok(store)
}

/// The rustls client config for `settings` (`None`: no TLS at all).
pub fn client_config(settings: &TlsSettings) -> Result<Option<ClientConfig>, String> {
    let verify = match settings.mode {
        TlsMode::Disable => return Ok(None),
        TlsMode::Prefer => false,
        TlsMode::Require => settings.root_cert.is_some(),
        TlsMode::VerifyCa | TlsMode::VerifyFull => true,
    };
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = if verify {
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots(settings)?), provider.clone())
            .build()
            .map_err(|e| format!("TLS setup: {e}"))?;
        if settings.mode == TlsMode::VerifyFull {
            webpki
        } else {
            Arc::new(ChainOnly(webpki))
        }
    } else {
        Arc::new(Unchecked(provider))
    };
    Ok(Some(builder.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth()))
}

/// `prefer`/`require` without a CA: the handshake's signatures are checked,
/// the certificate is not (libpq's rule for those modes).
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted CA; the name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(TlsError::InvalidCertificate(CertificateError::NotValidForName))
            | Err(TlsError::InvalidCertificate(CertificateError::NotValidForNameContext { .. })) => {
                // webpki checks the name after the chain: a name mismatch
                // means the chain itself was good.
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_parameters_are_split_off_and_the_rest_kept() {
        let (u, s) =
            split_url("postgresql://u:pw@h:5/db?connect_timeout=5&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&application_name=x")
                .unwrap();
        assert_eq!(u, "postgresql://u:pw@h:5/db?connect_timeout=5&application_name=x");
        assert_eq!(s, TlsSettings { mode: TlsMode::VerifyFull, root_cert: Some(PathBuf::from("/tmp/ca.pem")) });
        let (u, s) = split_url("postgresql://h/db").unwrap();
        assert_eq!((u.as_str(), s.mode, s.root_cert), ("postgresql://h/db", TlsMode::Prefer, None));
        let (u, s) = split_url("postgresql://h/db?sslmode=require").unwrap();
        assert_eq!((u.as_str(), s.mode), ("postgresql://h/db", TlsMode::Require));
        for bad in [
            "postgresql://h/db?sslmode=allow",
            "postgresql://h/db?sslmode=bogus",
            "postgresql://h/db?sslcert=/c",
            "postgresql://h/db?sslrootcert=system&sslmode=verify-ca",
        ] {
            assert!(split_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_verifying_mode_needs_a_readable_ca_file() {
        let missing = TlsSettings { mode: TlsMode::VerifyFull, root_cert: Some(PathBuf::from("/nonexistent/ca.pem")) };
        let e = client_config(&missing).unwrap_err();
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
        assert!(client_config(&TlsSettings { mode: TlsMode::Disable, root_cert: None }).unwrap().is_none());
        assert!(client_config(&TlsSettings { mode: TlsMode::Require, root_cert: None }).unwrap().is_some());
    }
}
