//! The RTMP (and Enhanced RTMP) server: accepts connections within the limits, and serves each
//! in its own task ([`connection`]): the handshake and the protocol session (`rml_rtmp`), whose
//! publish hands the FLV tags to the connection's [`Publisher`](crate::session::Publisher).

pub(crate) mod connection;

use crate::live_keys::Registry;
use crate::shared::{AddressSlot, Shared};
use crate::{Authorizer, IngestConfig, IngestError, IngestHandle};
use engine::StreamEvent;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

/// A bound RTMP server, ready to run.
pub struct RtmpServer {
    listener: TcpListener,
    pub(crate) shared: Arc<Shared>,
    pub(crate) permits: Arc<Semaphore>,
}

impl RtmpServer {
    /// Binds the listener. Port 0 picks a free port (see [`RtmpServer::local_addr`]).
    pub async fn bind(
        addr: SocketAddr,
        config: IngestConfig,
        authorizer: Arc<dyn Authorizer>,
        events: mpsc::Sender<StreamEvent>,
    ) -> Result<Self, IngestError> {
        engine::init()?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| IngestError::Bind(addr, e))?;
        let permits = Arc::new(Semaphore::new(config.max_connections));
        let shared = Arc::new(Shared {
            config,
            authorizer,
            events,
            registry: Arc::new(Registry::new()),
            tracker: TaskTracker::new(),
            per_address: Mutex::default(),
            shutdown: CancellationToken::new(),
        });
        Ok(Self {
            listener,
            shared,
            permits,
        })
    }

    /// A handle to act on running publishers.
    pub fn handle(&self) -> IngestHandle {
        IngestHandle {
            revocations: self.shared.registry.revocations.clone(),
        }
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts publishers until `shutdown` fires, then ends every live stream cleanly (each
    /// archive finalized, each playlist closed with `EXT-X-ENDLIST`) before returning.
    pub async fn run(self, shutdown: CancellationToken) {
        let addr = self.local_addr().ok();
        info!(?addr, "RTMP ingest listening");
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((socket, peer)) => {
                        let Ok(permit) = self.permits.clone().try_acquire_owned() else {
                            warn!(%peer, limit = self.shared.config.max_connections, "too many RTMP connections; refusing");
                            continue;
                        };
                        let Some(slot) = AddressSlot::claim(&self.shared, peer.ip()) else {
                            warn!(%peer, limit = self.shared.config.max_connections_per_address, "too many RTMP connections from this address; refusing");
                            continue;
                        };
                        let shared = self.shared.clone();
                        self.shared.tracker.spawn(async move {
                            connection::serve(socket, peer, shared).await;
                            drop(slot);
                            drop(permit);
                        });
                    }
                    Err(e) => {
                        warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
        info!(
            connections = self.shared.tracker.len(),
            "RTMP ingest shutting down; ending live streams"
        );
        self.shared.shutdown.cancel();
        self.shared.tracker.close();
        self.shared.tracker.wait().await;
        info!("RTMP ingest stopped");
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, RngCore};
    use rml_rtmp::handshake::{Handshake, PeerType};
    use rml_rtmp::sessions::{ServerSession, ServerSessionConfig};

    /// The protocol layer answers garbage with errors, never a panic.
    #[test]
    fn random_bytes_never_panic_the_protocol_layer() {
        let mut rng = rand::rng();
        for _ in 0..2000 {
            let mut bytes = vec![0u8; rng.random_range(1..4096)];
            rng.fill_bytes(&mut bytes);
            let mut handshake = Handshake::new(PeerType::Server);
            let _ = handshake.process_bytes(&bytes);
            if let Ok((mut session, _)) = ServerSession::new(ServerSessionConfig::new()) {
                let _ = session.handle_input(&bytes);
                // Valid chunk basic header for a command, then noise.
                bytes[0] = 0x03;
                let _ = session.handle_input(&bytes);
            }
        }
    }
}
