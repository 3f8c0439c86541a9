//! One destination: its own GStreamer pipeline, connected, watched and reconnected with a
//! growing pause, fed by the fan-out through [`Feed`].
//!
//! ```text
//! Feed::offer_video ─▶ appsrc ─┐
//! Feed::offer_audio ─▶ appsrc ─┴─ flvmux (streamable) ─ rtmp2sink (host, port, app, key)
//! ```
//!
//! Each attempt starts from the next source keyframe, with timestamps counted from it. A
//! destination that reads more slowly than the stream fills its appsrc; the feed then drops
//! frames until the next keyframe instead of waiting, so the source never waits for it.

use super::restreamer::SourceFormat;
use super::{parse_url, redact, Destination, DestinationState, DestinationStats};
use futures_util::StreamExt;
use gst::prelude::*;
use gst_app::AppSrc;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn, Instrument};

/// The most source data one destination may have waiting to be sent.
const QUEUE_BYTES: u64 = 8 * 1024 * 1024;
/// The first pause before a new attempt; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// An attempt that stayed live this long starts the pauses over.
const STABLE: Duration = Duration::from_secs(10);
/// rtmp2sink's network timeout (connect, writes).
const NETWORK_TIMEOUT_SECONDS: u32 = 10;
/// How long a closing connection gets to send its last data and unpublish.
const CLOSE_LIMIT: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(500);

/// The current attempt's inputs, as the fan-out sees them.
struct Inputs {
    video: AppSrc,
    audio: Option<AppSrc>,
    /// The source DTS this attempt's timestamps count from: its first keyframe's.
    base: Option<gst::ClockTime>,
    /// Frames were dropped (the queue was full): the next video sent is a keyframe.
    resync: bool,
}

/// Between the fan-out and one destination's task.
pub(super) struct Feed {
    inputs: Mutex<Option<Inputs>>,
    stats: Mutex<DestinationStats>,
}

impl Feed {
    pub(super) fn new(id: String) -> Self {
        Self {
            inputs: Mutex::new(None),
            stats: Mutex::new(DestinationStats::connecting(id)),
        }
    }

    pub(super) fn stats(&self) -> DestinationStats {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn update(&self, f: impl FnOnce(&mut DestinationStats)) {
        f(&mut self.stats.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Queues a video access unit for the current attempt: from a keyframe on, and only while
    /// its queue has room (a full one waits for the next keyframe).
    pub(super) fn offer_video(&self, buffer: &gst::Buffer) {
        let mut inputs = self.inputs.lock().unwrap_or_else(|p| p.into_inner());
        let Some(inputs) = inputs.as_mut() else {
            return;
        };
        let keyframe = !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT);
        if inputs.video.current_level_bytes() >= QUEUE_BYTES {
            if !inputs.resync && inputs.base.is_some() {
                warn!("destination reads too slowly; dropping frames until the next keyframe");
            }
            inputs.resync = true;
            return;
        }
        if !keyframe && (inputs.resync || inputs.base.is_none()) {
            return;
        }
        inputs.resync = false;
        let base = match inputs.base {
            Some(base) => base,
            None => {
                let Some(dts) = buffer.dts().or(buffer.pts()) else {
                    return;
                };
                *inputs.base.insert(dts)
            }
        };
        if let Some(rebased) = rebase(buffer, base) {
            let _ = inputs.video.push_buffer(rebased);
        }
    }

    /// Queues an AAC frame for the current attempt, once its video has started.
    pub(super) fn offer_audio(&self, buffer: &gst::Buffer) {
        let mut inputs = self.inputs.lock().unwrap_or_else(|p| p.into_inner());
        let Some(inputs) = inputs.as_mut() else {
            return;
        };
        let (Some(audio), Some(base)) = (&inputs.audio, inputs.base) else {
            return;
        };
        if audio.current_level_bytes() >= QUEUE_BYTES {
            return;
        }
        if let Some(rebased) = rebase(buffer, base) {
            let _ = audio.push_buffer(rebased);
        }
    }

    fn attach(&self, inputs: Option<Inputs>) {
        *self.inputs.lock().unwrap_or_else(|p| p.into_inner()) = inputs;
    }
}

/// `buffer` with its timestamps counted from `base`; `None` for one from before it.
fn rebase(buffer: &gst::Buffer, base: gst::ClockTime) -> Option<gst::Buffer> {
    let pts = buffer.pts()?.checked_sub(base)?;
    let mut copy = buffer.copy();
    let b = copy.get_mut()?;
    b.set_pts(pts);
    b.set_dts(buffer.dts().and_then(|d| d.checked_sub(base)).or(Some(pts)));
    Some(copy)
}

/// Keeps `destination` pushed until `stop`: connect, watch, and after a failure wait and again.
pub(super) async fn run(
    destination: Destination,
    format: SourceFormat,
    feed: std::sync::Arc<Feed>,
    stop: CancellationToken,
) {
    let span = tracing::info_span!("destination", id = %destination.id);
    async move {
        let mut backoff = FIRST_BACKOFF;
        info!(url = %destination.url, "restreaming to a destination");
        loop {
            feed.update(|s| s.state = DestinationState::Connecting);
            let started = Instant::now();
            let error = match attempt(&destination, &format, &feed, &stop).await {
                Ok(()) => return,
                Err(error) => redact(&error, &destination.stream_key),
            };
            warn!(%error, retry_in = ?backoff, "destination failed; retrying");
            feed.update(|s| {
                s.state = DestinationState::Retrying;
                s.last_error = Some(error);
            });
            if started.elapsed() >= STABLE {
                backoff = FIRST_BACKOFF;
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
    .instrument(span)
    .await
}

/// One connection: runs until `stop` (then closes cleanly, `Ok`) or a failure (`Err`, why).
async fn attempt(
    destination: &Destination,
    format: &SourceFormat,
    feed: &Feed,
    stop: &CancellationToken,
) -> Result<(), String> {
    // An HEVC or AV1 source is sent as its largest H.264 rung (GStreamer 1.22's flvmux writes no
    // Enhanced RTMP): its caps exist once that encoder has negotiated.
    let mut video = format.video.clone();
    let caps = tokio::select! {
        _ = stop.cancelled() => return Ok(()),
        caps = video.wait_for(Option::is_some) => match caps {
            Ok(caps) => caps.clone().ok_or("no video caps")?,
            Err(_) => return Err("the stream's video never started".into()),
        },
    };
    let url = parse_url(&destination.url)
        .map_err(|e| format!("the destination URL cannot be used: {e}"))?;
    check_address(&url.host, url.port, format.allow_private).await?;
    let built = build(destination, &caps, format.audio.as_ref()).map_err(|e| e.to_string())?;
    let Some(bus) = built.pipeline.bus() else {
        return Err("the destination's pipeline has no bus".into());
    };
    let mut messages = bus.stream();
    if built.pipeline.set_state(gst::State::Playing).is_err() {
        let _ = built.pipeline.set_state(gst::State::Null);
        return Err("the destination's pipeline refused to start".into());
    }
    feed.attach(Some(Inputs {
        video: built.video.clone(),
        audio: built.audio.clone(),
        base: None,
        resync: false,
    }));
    let result = watch(&built, feed, stop, &mut messages).await;
    feed.attach(None);
    if result.is_ok() {
        // Unpublish cleanly: end-of-stream makes rtmp2sink send FCUnpublish and deleteStream.
        let _ = built.video.end_of_stream();
        if let Some(audio) = &built.audio {
            let _ = audio.end_of_stream();
        }
        let _ = tokio::time::timeout(CLOSE_LIMIT, async {
            while let Some(message) = messages.next().await {
                if matches!(
                    message.view(),
                    gst::MessageView::Eos(_) | gst::MessageView::Error(_)
                ) {
                    break;
                }
            }
        })
        .await;
    }
    // Stopping joins rtmp2sink's connection thread: off the async workers.
    let pipeline = built.pipeline.clone();
    let _ = tokio::task::spawn_blocking(move || pipeline.set_state(gst::State::Null)).await;
    let bytes = sent_bytes(&built.sink);
    feed.update(|s| s.bytes_sent = s.bytes_sent.max(bytes));
    result
}

/// Watches the connection: bytes and state every [`POLL`], failure from the bus.
async fn watch(
    built: &Built,
    feed: &Feed,
    stop: &CancellationToken,
    messages: &mut gst::bus::BusStream,
) -> Result<(), String> {
    let mut ticker = tokio::time::interval(POLL);
    let mut previous = 0;
    // Bytes sent over earlier attempts: rtmp2sink counts from zero each time.
    let carried = feed.stats().bytes_sent;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            _ = ticker.tick() => {
                let bytes = sent_bytes(&built.sink);
                // Growing output after the first keyframe: media is flowing to the server.
                let flowing = bytes > previous && previous > 0;
                previous = bytes;
                feed.update(|s| {
                    s.bytes_sent = carried + bytes;
                    if flowing && s.state != DestinationState::Live {
                        info!("destination live");
                        s.state = DestinationState::Live;
                        s.last_error = None;
                    }
                });
            }
            message = messages.next() => match message {
                None => return Err("the destination's bus closed".into()),
                Some(message) => match message.view() {
                    gst::MessageView::Error(e) => {
                        // GStreamer's own detail (source file, element path) goes to the log,
                        // the message alone to the streamer.
                        if let Some(detail) = e.debug() {
                            debug!(detail = %redact(&detail, &built.key), "destination's pipeline failed");
                        }
                        return Err(e.error().to_string());
                    }
                    gst::MessageView::Eos(_) => {
                        return Err("the destination closed the stream".into())
                    }
                    _ => {}
                },
            },
        }
    }
}

/// Resolves the destination's host and refuses one that reaches the server's own networks,
/// unless allowed. rtmp2sink resolves the name again; the check stops a streamer from naming
/// an internal address, not a DNS server that answers differently a moment later.
async fn check_address(host: &str, port: u16, allow_private: bool) -> Result<(), String> {
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("could not resolve {host}: {e}"))?
        .collect();
    if addresses.is_empty() {
        return Err(format!("{host} has no address"));
    }
    if !allow_private {
        if let Some(internal) = addresses.iter().find(|a| !is_public(a.ip())) {
            return Err(format!(
                "{host} resolves to {}, a loopback, private or link-local address; restreaming there needs restream.allow_private_destinations",
                internal.ip()
            ));
        }
    }
    Ok(())
}

/// Whether `ip` is an address on the public internet (not loopback, private, link-local,
/// shared, documentation, multicast or unspecified).
pub(super) fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19)))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// rtmp2sink's `out-bytes-total`.
fn sent_bytes(sink: &gst::Element) -> u64 {
    sink.property::<Option<gst::Structure>>("stats")
        .and_then(|s| s.get::<u64>("out-bytes-total").ok())
        .unwrap_or(0)
}

/// The pipeline of one attempt.
struct Built {
    /// The destination's stream key, to blank out of GStreamer's messages.
    key: String,
    pipeline: gst::Pipeline,
    video: AppSrc,
    audio: Option<AppSrc>,
    sink: gst::Element,
}

impl Drop for Built {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

#[derive(Debug, thiserror::Error)]
enum BuildError {
    #[error("the destination URL cannot be used: {0}")]
    Url(#[from] super::InvalidDestination),
    #[error("could not build {0}: {1}")]
    Element(&'static str, String),
    #[error("could not link the destination's pipeline")]
    Link,
}

fn source(caps: &gst::Caps) -> AppSrc {
    // Not live: flvmux interleaves by timestamp, waiting for both inputs, and the frames come
    // in real time anyway. `block` off: the feed checks the level itself and never waits.
    AppSrc::builder()
        .caps(caps)
        .format(gst::Format::Time)
        .is_live(false)
        .block(false)
        .max_bytes(QUEUE_BYTES * 2)
        .build()
}

fn build(
    destination: &Destination,
    video_caps: &gst::Caps,
    audio_caps: Option<&gst::Caps>,
) -> Result<Built, BuildError> {
    let url = parse_url(&destination.url)?;
    let pipeline = gst::Pipeline::with_name(&format!("restream-{}", destination.id));
    let video = source(video_caps);
    let mux = gst::ElementFactory::make("flvmux")
        .property("streamable", true)
        .build()
        .map_err(|e| BuildError::Element("flvmux", e.to_string()))?;
    let sink = gst::ElementFactory::make("rtmp2sink")
        .property_from_str("scheme", if url.secure { "rtmps" } else { "rtmp" })
        .property("host", &url.host)
        .property("port", i32::from(url.port))
        .property("application", &url.app)
        .property("stream", &destination.stream_key)
        .property("timeout", NETWORK_TIMEOUT_SECONDS)
        .property("async-connect", true)
        .property("sync", false)
        .build()
        .map_err(|e| BuildError::Element("rtmp2sink", e.to_string()))?;
    pipeline
        .add_many([video.upcast_ref(), &mux, &sink])
        .map_err(|_| BuildError::Link)?;
    // Each appsrc has its own streaming thread and queue: no `queue` element is needed.
    video
        .link_pads(None, &mux, Some("video"))
        .map_err(|_| BuildError::Link)?;
    mux.link(&sink).map_err(|_| BuildError::Link)?;
    let audio = match audio_caps {
        Some(caps) => {
            let audio = source(caps);
            pipeline.add(&audio).map_err(|_| BuildError::Link)?;
            audio
                .link_pads(None, &mux, Some("audio"))
                .map_err(|_| BuildError::Link)?;
            Some(audio)
        }
        None => None,
    };
    Ok(Built {
        key: destination.stream_key.clone(),
        pipeline,
        video,
        audio,
        sink,
    })
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn only_public_addresses_are_public() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(!is_public(internal.parse().expect("address")), "{internal}");
        }
        for public in ["8.8.8.8", "142.250.74.14", "2a00:1450:4001:80b::200e"] {
            assert!(is_public(public.parse().expect("address")), "{public}");
        }
    }
}
