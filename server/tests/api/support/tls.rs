//! A self-signed certificate for `127.0.0.1` and `localhost`, made by the `openssl` command, and
//! HTTP clients that trust it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A certificate and its key, written into `dir` (`cert.pem`, `key.pem`).
pub fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        // A server's certificate, not a CA's: webpki refuses a CA certificate as the end entity.
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl made a certificate: {status}");
    (cert, key)
}

/// The root certificate of `cert`.
fn root(cert: &Path) -> reqwest::Certificate {
    let pem = std::fs::read(cert).expect("the certificate reads");
    reqwest::Certificate::from_pem(&pem).expect("a PEM certificate")
}

/// A client trusting `cert`, offering HTTP/2 and HTTP/1.1 by ALPN, as browsers do.
pub fn client_trusting(cert: &Path) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(root(cert))
        .build()
        .expect("a TLS client")
}

/// A client trusting `cert` that speaks HTTP/1.1 only.
pub fn http1_client_trusting(cert: &Path) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(root(cert))
        .http1_only()
        .build()
        .expect("a TLS client")
}
