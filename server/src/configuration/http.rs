//! The `[http]` section: the one HTTP port (the web app, the API and HLS), proxies and TLS.

use super::DefaultValue::{self, *};
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Built-in defaults, under `http.`: what the configuration reference documents.
pub(super) const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("host", Text("0.0.0.0")),
    ("port", Number(8080)),
    ("web_root", Text("web/dist")),
    ("trusted_proxies", List),
    ("write_timeout_seconds", Number(30)),
    ("tls_cert", Text("")),
    ("tls_key", Text("")),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub host: IpAddr,
    pub port: u16,
    /// The built web app (`web/dist`), served for every path outside `/api` and `/hls`.
    pub web_root: PathBuf,
    /// Reverse proxies (addresses or CIDR ranges) whose `Forwarded` / `X-Forwarded-*` headers are
    /// believed for the client address and the public host. Empty: the socket peer is the client.
    pub trusted_proxies: Vec<String>,
    /// A connection whose client takes none of the data sent to it for this long is dropped by
    /// the operating system (TCP_USER_TIMEOUT), whatever is waiting to be sent.
    pub write_timeout_seconds: u64,
    /// A PEM certificate chain: with `tls_key`, HTTPS (HTTP/2 and HTTP/1.1 by ALPN) replaces
    /// plain HTTP on `port`. Empty: plain HTTP/1.1.
    pub tls_cert: PathBuf,
    /// The PEM private key of `tls_cert` (PKCS#8, PKCS#1 or SEC1).
    pub tls_key: PathBuf,
}

impl HttpSettings {
    /// The certificate and key files, when TLS is configured.
    pub fn tls(&self) -> Option<(&Path, &Path)> {
        (!self.tls_cert.as_os_str().is_empty())
            .then_some((self.tls_cert.as_path(), self.tls_key.as_path()))
    }

    /// Refuses a value out of range, naming the key.
    pub(super) fn validate(&self) -> Result<(), String> {
        if !(1..=3600).contains(&self.write_timeout_seconds) {
            return Err("http.write_timeout_seconds must be between 1 and 3600".into());
        }
        if let Err(e) = crate::client_address::TrustedProxies::parse(&self.trusted_proxies) {
            return Err(format!("http.trusted_proxies: {e}"));
        }
        if self.tls_cert.as_os_str().is_empty() != self.tls_key.as_os_str().is_empty() {
            return Err("http.tls_cert and http.tls_key go together".into());
        }
        Ok(())
    }
}
