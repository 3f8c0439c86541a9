//! HTTPS on the HTTP port (`http.tls_cert`, `http.tls_key`): rustls with the `ring` provider,
//! offering HTTP/2 and HTTP/1.1 by ALPN. A browser holds at most six HTTP/1.1 connections per
//! host, and an LL-HLS player keeps several blocking playlist requests open; HTTP/2 multiplexes
//! them on one connection.

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// The protocols offered by ALPN, preferred first.
const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// A TLS server configuration from a PEM certificate chain and its private key. Every problem
/// (missing file, no certificate, a key that does not match) is an error naming the file.
pub fn server_config(cert: &Path, key: &Path) -> anyhow::Result<rustls::ServerConfig> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect)
        .with_context(|| format!("http.tls_cert: reading {}", cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!("http.tls_cert: no certificate in {}", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("http.tls_key: reading a private key from {}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("http.tls_cert and http.tls_key do not make a usable pair")?;
    config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::server_config;

    #[test]
    fn unusable_files_are_errors_naming_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("missing.pem");
        let err = server_config(&missing, &missing).expect_err("no such file");
        assert!(format!("{err:#}").contains("missing.pem"), "{err:#}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        let err = server_config(&empty, &empty).expect_err("no certificate");
        assert!(format!("{err:#}").contains("no certificate in"), "{err:#}");
    }
}
