//! One destination: its own GStreamer pipeline, connected, watched and reconnected with a
//! growing pause, fed by the fan-out through [`Feed`].
//!
//! ```text
//! Feed::offer_video ─▶ appsrc ─┐
//! Feed::offer_audio ─▶ appsrc ─┴─ flvmux (streamable) ─ rtmp2sink (app, key) ─ relay ─▶ address
//! ```
//!
//! The destination's host is resolved and every address checked once per attempt; rtmp2sink
//! connects to a loopback [`Relay`](super::relay::Relay) that connects to the checked address
//! (with TLS for `rtmps://`), so no later answer of the name is ever used.
//!
//! Each attempt starts from the next source keyframe, with timestamps counted from it. A
//! destination that reads more slowly than the stream fills its appsrc; the feed then drops
//! frames until the next keyframe instead of waiting, so the source never waits for it.

use super::{parse_url, redact, Destination, DestinationState, DestinationStats, SourceFormat};
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
    let target = checked_address(&url.host, url.port, format.allow_private).await?;
    let relay = super::relay::Relay::start(target, url.secure.then(|| url.host.clone())).await?;
    let built =
        build(destination, relay.port, &caps, format.audio.as_ref()).map_err(|e| e.to_string())?;
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

/// Resolves the destination's host once and gives the address to connect to: the first, once
/// every address the name has is checked (none may reach the server's own networks, unless
/// allowed). The refusal does not say what the name resolved to: a streamer must not learn
/// what internal names resolve to.
async fn checked_address(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<std::net::SocketAddr, String> {
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| format!("could not resolve {host}"))?
        .collect();
    let first = *addresses
        .first()
        .ok_or_else(|| format!("{host} has no address"))?;
    if !allow_private && addresses.iter().any(|a| !is_public(a.ip())) {
        return Err(format!(
            "{host} is a private or reserved address; restreaming there needs restream.allow_private_destinations"
        ));
    }
    Ok(first)
}

/// Whether `ip` is an address on the public internet. IPv4: none of this network, private,
/// shared (CGNAT), loopback, link-local, IETF protocol assignments (192.0.0.0/24), the 6to4
/// relay anycast, documentation, benchmarking, multicast and reserved (240.0.0.0/4, broadcast
/// included). IPv6: global unicast (2000::/3) only, less Teredo (2001::/32), 6to4 (2002::/16),
/// ORCHID (2001:10::/28, 2001:20::/28) and documentation (2001:db8::/32, 3fff::/20); so
/// loopback, unique-local, link-local, multicast, NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and
/// IPv4-compatible addresses are not. IPv4-mapped addresses are judged as IPv4.
pub(super) fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(a == 0
                || a == 10
                || a == 127
                || a >= 224
                || (a == 100 && (64..128).contains(&b))
                || (a == 169 && b == 254)
                || (a == 172 && (16..32).contains(&b))
                || (a == 192 && b == 168)
                || (a == 192 && b == 0 && (c == 0 || c == 2))
                || (a == 192 && b == 88 && c == 99)
                || (a == 198 && (b == 18 || b == 19))
                || (a == 198 && b == 51 && c == 100)
                || (a == 203 && b == 0 && c == 113))
        }
        IpAddr::V6(v6) => {
            let [first, second, ..] = v6.segments();
            let global_unicast = (first & 0xe000) == 0x2000;
            global_unicast
                && !((first == 0x2001 && second == 0)
                    || first == 0x2002
                    || (first == 0x2001 && (second & 0xfff0) == 0x0010)
                    || (first == 0x2001 && (second & 0xfff0) == 0x0020)
                    || (first == 0x2001 && second == 0x0db8)
                    || (first & 0xfff0) == 0x3ff0)
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

/// The attempt's pipeline, its rtmp2sink connecting to the relay on loopback `port`.
fn build(
    destination: &Destination,
    port: u16,
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
        // The relay does the TLS of rtmps:// itself.
        .property_from_str("scheme", "rtmp")
        .property("host", "127.0.0.1")
        .property("port", i32::from(port))
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
            "192.0.0.8",
            "240.0.0.1",
            "255.255.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "192.88.99.1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::a00:1",
            "2002:7f00:1::1",
            "2001:0:4136:e378::1",
            "::127.0.0.1",
            "::",
            "2001:db8::1",
            "3fff::1",
            "2001:10::1",
            "100::1",
        ] {
            assert!(!is_public(internal.parse().expect("address")), "{internal}");
        }
        for public in [
            "8.8.8.8",
            "142.250.74.14",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "2606:4700::6810:85e5",
        ] {
            assert!(is_public(public.parse().expect("address")), "{public}");
        }
    }
}
