//! One SRT caller, from its accepted socket to its stream's end. A thread reads the socket
//! (libsrt blocks); the TS demuxer turns what it reads into FLV tags, which go to a
//! [`Publisher`] exactly as an RTMP connection's do.

use super::demux::{DemuxError, Demuxer, Tag};
use super::socket::Socket;
use crate::session::{
    self, cancelled, claim, end_reason, log_end, pipeline_failure, sleep_until, ConnectionError,
    Publisher,
};
use crate::shared::Shared;
use crate::PublishGrant;
use bytes::Bytes;
use media::StreamKey;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tracing::{debug, info, warn, Instrument};

/// Largest SRT message in live mode (MSS 1500 less headers); ffmpeg and OBS send 1316.
const MAX_MESSAGE: usize = 1456;
/// Messages read ahead of the demuxer.
const READ_QUEUE: usize = 1024;
/// How often the reading thread looks up from the socket to see whether it should stop.
const READ_TICK: Duration = Duration::from_millis(250);

/// An accepted caller, admitted by the handshake's gate.
pub(super) struct Caller {
    pub(super) socket: Socket,
    pub(super) peer: SocketAddr,
    pub(super) key: StreamKey,
    pub(super) grant: PublishGrant,
    /// MPEG-TS its demuxer may hold before the caller is dropped.
    pub(super) max_buffered: u64,
    /// What its MPEG-TS may make the demuxer hold inside.
    pub(super) held: media::mpegts::Limits,
    /// Bytes that make no video frame for this long drop the caller.
    pub(super) frame_timeout: Duration,
}

/// Serves one accepted caller to its end; never panics the server and always ends its stream.
pub(super) async fn serve(caller: Caller, shared: Arc<Shared>) {
    let Caller {
        socket,
        peer,
        key,
        grant,
        max_buffered,
        held,
        frame_timeout,
    } = caller;
    let span = tracing::info_span!("srt", %peer);
    async move {
        let Some(live_key) = claim(&shared, &key, &grant, peer).await else {
            session::forget(&shared, grant.stream_id).await;
            warn!(key = %key.redacted(), "SRT publish refused: this stream key is already live");
            return;
        };
        info!(key = %key.redacted(), stream = %grant.stream_id, "SRT publish accepted");
        let mut publisher = Publisher::new(key, grant, live_key);
        let limits = (max_buffered, held, frame_timeout);
        let result = run(&socket, limits, &mut publisher, &shared).await;
        publisher.end(&shared, end_reason(&result)).await;
        log_end(&result);
    }
    .instrument(span)
    .await
}

/// Reads the caller until its stream ends. Besides the connection's deadlines, a caller whose
/// bytes keep coming but make no video frame for `frame_timeout` is dropped (its bytes would
/// otherwise keep it alive while they pile up in the demuxer).
async fn run(
    socket: &Socket,
    (max_buffered, held, frame_timeout): (u64, media::mpegts::Limits, Duration),
    publisher: &mut Publisher,
    shared: &Shared,
) -> Result<(), ConnectionError> {
    let mut demuxer =
        Demuxer::start(max_buffered, held).map_err(|e| ConnectionError::Pipeline(e.to_string()))?;
    let mut last_frame = tokio::time::Instant::now();
    let (tx, mut received) = mpsc::channel::<Result<Bytes, String>>(READ_QUEUE);
    let reading = read_in_thread(socket, tx)?;
    let shutdown = shared.shutdown.clone();
    let idle = shared.config.idle_timeout;
    let result = loop {
        let failure = publisher.failure();
        let grace = publisher.audio_grace_deadline();
        tokio::select! {
            _ = shutdown.cancelled() => break Err(ConnectionError::Shutdown),
            _ = cancelled(Some(publisher.revoked())) => break Err(ConnectionError::Revoked),
            _ = cancelled(Some(publisher.taken_over())) => break Err(ConnectionError::TakenOver),
            reason = pipeline_failure(failure) => break Err(ConnectionError::Pipeline(reason)),
            _ = sleep_until(grace) => {
                if let Err(e) = publisher.try_start(shared).await {
                    break Err(e);
                }
            }
            _ = tokio::time::sleep_until(last_frame + frame_timeout) => {
                break Err(ConnectionError::Media(format!(
                    "no complete video frame for {} s while MPEG-TS kept arriving",
                    frame_timeout.as_secs()
                )));
            }
            tag = demuxer.next() => {
                if matches!(tag, Some(Tag::Video { .. })) {
                    last_frame = tokio::time::Instant::now();
                }
                let handled = match tag {
                    Some(Tag::Video { ts, data }) => publisher.on_video(shared, data, ts).await,
                    Some(Tag::Audio { ts, data }) => publisher.on_audio(shared, data, ts).await,
                    None => Err(ConnectionError::Media("the MPEG-TS demuxer stopped".into())),
                };
                if let Err(e) = handled {
                    break Err(e);
                }
            }
            message = tokio::time::timeout(idle, received.recv()) => {
                match message {
                    Err(_) => break Err(ConnectionError::Idle(idle)),
                    Ok(None) => break Err(ConnectionError::Closed),
                    Ok(Some(Err(e))) => {
                        debug!(error = %e, "SRT receive ended");
                        break Err(ConnectionError::Closed);
                    }
                    Ok(Some(Ok(bytes))) => {
                        publisher.touch();
                        if let Err(e) = demuxer.push(bytes) {
                            break Err(match e {
                                DemuxError::Build(e) => ConnectionError::Pipeline(e),
                                e => ConnectionError::Media(e.to_string()),
                            });
                        }
                    }
                }
            }
        }
    };
    // The reading thread stops once its queue is gone (within one tick).
    drop(received);
    drop(demuxer);
    let _ = tokio::task::spawn_blocking(move || reading.join()).await;
    result
}

/// Starts the thread that receives the socket's messages into `tx` until the socket breaks or
/// `tx`'s receiver is dropped.
fn read_in_thread(
    socket: &Socket,
    tx: mpsc::Sender<Result<Bytes, String>>,
) -> Result<std::thread::JoinHandle<()>, ConnectionError> {
    socket
        .set_receive_timeout(READ_TICK)
        .map_err(|e| ConnectionError::Handshake(e.to_string()))?;
    let reader = socket.reader();
    std::thread::Builder::new()
        .name("srt-read".into())
        .spawn(move || {
            let mut buf = vec![0u8; MAX_MESSAGE];
            loop {
                if tx.is_closed() {
                    break;
                }
                match reader.recv(&mut buf) {
                    Ok(None) => continue,
                    Ok(Some(n)) => {
                        if tx
                            .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                            .is_err()
                        {
                            break;
                        }
                    }
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e.to_string()));
                        break;
                    }
                }
            }
        })
        .map_err(ConnectionError::Io)
}
