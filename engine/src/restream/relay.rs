//! The one TCP connection of a restreaming attempt, made by us to the address that was checked,
//! and handed to rtmp2sink through a loopback port.
//!
//! ```text
//! rtmp2sink ─ rtmp://127.0.0.1:<relay port> ─▶ relay ─ TCP (TLS for rtmps, SNI = the host) ─▶ checked address
//! ```
//!
//! rtmp2sink resolves its `host` itself, so checking the name and then letting it connect would
//! let a name answer a public address to the check and a private one to rtmp2sink (DNS
//! rebinding). Here the name is resolved once, every address it has is checked, and the
//! connection goes to one of those; for `rtmps://` the relay speaks TLS with the name as the
//! server name (SNI and the certificate's name), checked against the Mozilla roots.
//!
//! The relay takes one connection, from loopback, within [`ACCEPT_LIMIT`], and is gone with its
//! attempt. rtmp2sink's `tcUrl` then names the loopback port instead of the destination's host.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// How long rtmp2sink has to connect to the relay once it is listening.
const ACCEPT_LIMIT: Duration = Duration::from_secs(10);
/// How long the connection to the destination (TLS included) may take.
const CONNECT_LIMIT: Duration = Duration::from_secs(10);
/// The kernel buffer of the relay's socket on each side. Left to autotuning, loopback and LAN
/// sockets grow to megabytes: data a stalled destination would have waiting behind the
/// destination's queue, where no frame can be dropped on a keyframe boundary.
const SOCKET_BUFFER: u32 = 256 * 1024;

/// A listening relay to one checked address; stops when dropped.
pub(super) struct Relay {
    pub(super) port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Relay {
    /// Connects to `target` (with TLS for `tls_name`, the destination's host, when the URL is
    /// `rtmps://`), then listens on loopback for rtmp2sink. The connection is made first, so a
    /// destination that refuses or does not answer fails the attempt with its own reason,
    /// before rtmp2sink starts.
    pub(super) async fn start(
        target: SocketAddr,
        tls_name: Option<String>,
    ) -> Result<Self, String> {
        let remote = tokio::time::timeout(CONNECT_LIMIT, connect_to(target, tls_name))
            .await
            .map_err(|_| "the destination did not answer".to_owned())??;
        let listener =
            listen_on_loopback().map_err(|e| format!("could not open the relay: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("could not open the relay: {e}"))?
            .port();
        let task = tokio::spawn(async move {
            if let Err(error) = relay(listener, remote).await {
                tracing::debug!(%error, "restream relay ended");
            }
        });
        Ok(Self { port, task })
    }
}

/// The destination's side of the relay: plain TCP, or TLS over it.
trait Remote: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Remote for T {}

/// A loopback listener whose accepted socket reads into at most [`SOCKET_BUFFER`].
fn listen_on_loopback() -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(SOCKET_BUFFER)?;
    socket.bind(SocketAddr::from((IpAddr::from([127, 0, 0, 1]), 0)))?;
    socket.listen(1)
}

/// Connects to `target` with at most [`SOCKET_BUFFER`] waiting in the kernel to be sent.
async fn connect(target: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = if target.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_send_buffer_size(SOCKET_BUFFER)?;
    socket.connect(target).await
}

/// The connection to `target`, with TLS when `tls_name` is given.
async fn connect_to(
    target: SocketAddr,
    tls_name: Option<String>,
) -> Result<Box<dyn Remote>, String> {
    let remote = connect(target)
        .await
        .map_err(|e| format!("could not connect: {e}"))?;
    let _ = remote.set_nodelay(true);
    match tls_name {
        None => Ok(Box::new(remote)),
        Some(name) => {
            let server_name = rustls::pki_types::ServerName::try_from(name)
                .map_err(|e| format!("not a TLS server name: {e}"))?;
            let remote = tls_connector()?
                .connect(server_name, remote)
                .await
                .map_err(|e| format!("TLS: {e}"))?;
            Ok(Box::new(remote))
        }
    }
}

async fn relay(listener: TcpListener, remote: Box<dyn Remote>) -> Result<(), String> {
    let (local, peer) = tokio::time::timeout(ACCEPT_LIMIT, listener.accept())
        .await
        .map_err(|_| "rtmp2sink never connected to the relay".to_owned())?
        .map_err(|e| e.to_string())?;
    drop(listener);
    if !peer.ip().is_loopback() {
        return Err("a connection that is not from loopback".into());
    }
    let _ = local.set_nodelay(true);
    splice(local, remote).await
}

/// Copies both ways until either side closes.
async fn splice(mut local: TcpStream, mut remote: Box<dyn Remote>) -> Result<(), String> {
    tokio::io::copy_bidirectional(&mut local, &mut remote)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// TLS as a client, with the Mozilla roots (webpki-roots), TLS 1.2 and 1.3.
fn tls_connector() -> Result<tokio_rustls::TlsConnector, String> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}
