//! One HTTP/2 connection over TLS that the test holds itself (the `h2` crate on tokio-rustls),
//! so that the requests sent on it are known to share it, and to be in flight at once.

use std::path::Path;
use std::sync::Arc;

/// A client connection to `https://127.0.0.1:port` trusting `cert`, speaking HTTP/2 (ALPN).
pub async fn connect(port: u16, cert: &Path) -> h2::client::SendRequest<bytes::Bytes> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cert).expect("the certificate reads") {
        roots.add(cert.expect("a PEM certificate")).expect("a root");
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("TCP connects");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("127.0.0.1").expect("a name"), tcp)
        .await
        .expect("TLS handshake");
    assert_eq!(
        tls.get_ref().1.alpn_protocol(),
        Some(&b"h2"[..]),
        "ALPN chose HTTP/2"
    );
    let (client, connection) = h2::client::handshake(tls).await.expect("HTTP/2 handshake");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// Sends `GET path` on the connection; the answer is awaited separately.
pub async fn get(
    client: &mut h2::client::SendRequest<bytes::Bytes>,
    path: &str,
) -> h2::client::ResponseFuture {
    let request = http::Request::get(format!("https://127.0.0.1{path}"))
        .body(())
        .expect("a request");
    let ready = client
        .clone()
        .ready()
        .await
        .expect("the connection takes a request");
    *client = ready;
    client.send_request(request, true).expect("sent").0
}
