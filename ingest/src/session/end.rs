//! How a publishing connection ends: why (its error), what that means for its stream, and the
//! log line. The same for RTMP and SRT.

use engine::EndReason;
use std::time::Duration;
use thiserror::Error;
use tracing::{debug, info};

/// Why a connection ended; logged, and mapped to a stream's [`EndReason`] when publishing.
#[derive(Debug, Error)]
pub(crate) enum ConnectionError {
    #[error("peer closed the connection")]
    Closed,
    #[error("no data for {0:?}")]
    Idle(Duration),
    #[error("did not publish within {0:?}")]
    NoPublish(Duration),
    #[error("peer did not take our data within {0:?}")]
    WriteTimeout(Duration),
    #[error("handshake failed: {0}")]
    Handshake(String),
    #[error("RTMP protocol error: {0}")]
    Protocol(String),
    #[error("socket error: {0}")]
    Io(#[from] std::io::Error),
    #[error("publish refused: {0}")]
    Refused(String),
    #[error("invalid media: {0}")]
    Media(String),
    #[error("pipeline failed: {0}")]
    Pipeline(String),
    #[error("server shutting down")]
    Shutdown,
    #[error("the right to publish was revoked")]
    Revoked,
    #[error("publisher stopped")]
    Stopped,
    #[error("a new publisher took the stream key over")]
    TakenOver,
}

/// Logs how a connection ended: quietly when the publisher simply went.
pub(crate) fn log_end(result: &Result<(), ConnectionError>) {
    match result {
        Ok(()) | Err(ConnectionError::Stopped | ConnectionError::Closed) => {
            debug!("connection closed")
        }
        Err(e) => info!(error = %e, "connection ended"),
    }
}

/// What a connection's end means for its stream.
pub(crate) fn end_reason(result: &Result<(), ConnectionError>) -> EndReason {
    match result {
        Ok(()) | Err(ConnectionError::Stopped) => EndReason::PublisherStopped,
        Err(ConnectionError::Shutdown) => EndReason::ServerShutdown,
        Err(ConnectionError::Revoked) => EndReason::Revoked,
        Err(ConnectionError::Media(m)) => EndReason::InvalidMedia(m.clone()),
        Err(ConnectionError::Pipeline(m)) => EndReason::PipelineError(m.clone()),
        Err(_) => EndReason::ConnectionLost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connections_end_becomes_its_streams_end_reason() {
        let cases = [
            (Ok(()), EndReason::PublisherStopped),
            (Err(ConnectionError::Stopped), EndReason::PublisherStopped),
            (Err(ConnectionError::Shutdown), EndReason::ServerShutdown),
            (Err(ConnectionError::Revoked), EndReason::Revoked),
            (
                Err(ConnectionError::Media("bad sps".into())),
                EndReason::InvalidMedia("bad sps".into()),
            ),
            (
                Err(ConnectionError::Pipeline("x264enc: failed".into())),
                EndReason::PipelineError("x264enc: failed".into()),
            ),
            (Err(ConnectionError::Closed), EndReason::ConnectionLost),
            (
                Err(ConnectionError::Idle(Duration::from_secs(30))),
                EndReason::ConnectionLost,
            ),
            (
                Err(ConnectionError::WriteTimeout(Duration::from_secs(10))),
                EndReason::ConnectionLost,
            ),
            (Err(ConnectionError::TakenOver), EndReason::ConnectionLost),
            (
                Err(ConnectionError::Protocol("bad chunk".into())),
                EndReason::ConnectionLost,
            ),
        ];
        for (result, expected) in cases {
            assert_eq!(end_reason(&result), expected, "{result:?}");
        }
    }
}
