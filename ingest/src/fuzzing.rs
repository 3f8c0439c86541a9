//! The RTMP input path without sockets, for the fuzz targets in `fuzz/`: the handshake, the
//! chunk stream and AMF0 (the vendored `rml_rtmp`), then the FLV (and Enhanced RTMP), AVC, HEVC, AV1 and AAC parsing and the
//! timestamp rebasing a publishing connection applies. Not part of the API.

use crate::rtmp::connection::session_config;
use crate::session::{check_in_band_sizes, parse_video_tag, video_config};
use crate::IngestConfig;
use media::flv::{self, AudioPacket, VideoPacket};
use media::timestamps::StreamClock;
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::sessions::{ServerSession, ServerSessionEvent, ServerSessionResult};

/// Feeds `data` to the input path as one peer would. The first byte chooses whether the data
/// starts with a handshake (even) or goes straight to the chunk stream (odd, so the fuzzer need
/// not forge the digest handshake to reach the rest); the second sets the read size.
pub fn rtmp_input(data: &[u8]) {
    let [mode, read_size, rest @ ..] = data else {
        return;
    };
    let read_size = usize::from(*read_size).max(1) * 16;
    let input = if mode % 2 == 0 {
        let mut handshake = Handshake::new(PeerType::Server);
        let mut after = None;
        for (i, piece) in rest.chunks(read_size).enumerate() {
            match handshake.process_bytes(piece) {
                Ok(HandshakeProcessResult::InProgress { .. }) => {}
                Ok(HandshakeProcessResult::Completed {
                    remaining_bytes, ..
                }) => {
                    let consumed = (i + 1) * read_size;
                    let mut left = remaining_bytes;
                    left.extend_from_slice(rest.get(consumed..).unwrap_or_default());
                    after = Some(left);
                    break;
                }
                Err(_) => return,
            }
        }
        match after {
            Some(left) => left,
            None => return,
        }
    } else {
        rest.to_vec()
    };
    let Ok((mut session, _)) = ServerSession::new(session_config(&IngestConfig::default())) else {
        return;
    };
    let mut clock = StreamClock::default();
    let mut configured = None;
    for piece in input.chunks(read_size) {
        let Ok(results) = session.handle_input(piece) else {
            return;
        };
        for result in results {
            if let ServerSessionResult::RaisedEvent(event) = result {
                if on_event(&mut session, &mut clock, &mut configured, event).is_err() {
                    return;
                }
            }
        }
    }
}

/// What a connection does with each event, minus the pipeline.
fn on_event(
    session: &mut ServerSession,
    clock: &mut StreamClock,
    configured: &mut Option<(u32, u32)>,
    event: ServerSessionEvent,
) -> Result<(), ()> {
    match event {
        ServerSessionEvent::ConnectionRequested { request_id, .. }
        | ServerSessionEvent::PublishStreamRequested { request_id, .. } => {
            session.accept_request(request_id).map_err(|_| ())?;
        }
        ServerSessionEvent::VideoDataReceived {
            data, timestamp, ..
        } => match parse_video_tag(&data).map_err(|_| ())? {
            (codec, VideoPacket::SequenceHeader(record)) => {
                let config = video_config(codec, &record).map_err(|_| ())?;
                configured.get_or_insert((config.width, config.height));
            }
            (
                codec,
                VideoPacket::Frame {
                    data,
                    composition_offset_ms,
                    ..
                },
            ) => {
                check_in_band_sizes(codec, &data, *configured).map_err(|_| ())?;
                clock.video(timestamp.value, composition_offset_ms);
            }
            (_, VideoPacket::Ignored) => {}
        },
        ServerSessionEvent::AudioDataReceived {
            data, timestamp, ..
        } => match flv::parse_audio(&data).map_err(|_| ())? {
            AudioPacket::SequenceHeader(asc) => {
                flv::parse_aac_config(&asc).map_err(|_| ())?;
            }
            AudioPacket::Frame(_) => {
                clock.audio(timestamp.value);
            }
            AudioPacket::Mp3(frames) => {
                flv::parse_mp3_header(&frames).map_err(|_| ())?;
                clock.audio(timestamp.value);
            }
        },
        _ => {}
    }
    Ok(())
}

/// What an SRT caller sends before it reaches the stream pipeline: the first byte splits the
/// input into a stream id (the key, parsed as the handshake's gate does) and MPEG-TS bytes,
/// which go through the demuxer to FLV tags and the same FLV parsing as RTMP.
pub fn srt_input(data: &[u8]) {
    use super::srt::{demux::Demuxer, demux::Tag, streamid};
    let [split, rest @ ..] = data else {
        return;
    };
    let at = usize::from(*split).min(rest.len());
    let (id, ts) = rest.split_at(at);
    let _ = streamid::parse(&String::from_utf8_lossy(id));
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    else {
        return;
    };
    runtime.block_on(async {
        let limits = media::mpegts::Limits {
            max_pes: 8 * 1024 * 1024,
            max_unframed: 16 * 1024 * 1024,
        };
        let Ok(mut demuxer) = Demuxer::start(8 * 1024 * 1024, limits) else {
            return;
        };
        for packet in ts.chunks(1316) {
            if demuxer.push(bytes::Bytes::copy_from_slice(packet)).is_err() {
                return;
            }
        }
        // Whatever the demuxer makes of it within a moment is parsed as RTMP's would be.
        while let Ok(Some(tag)) =
            tokio::time::timeout(std::time::Duration::from_millis(50), demuxer.next()).await
        {
            match tag {
                Tag::Video { data, .. } => {
                    if let Ok((codec, VideoPacket::SequenceHeader(record))) = parse_video_tag(&data)
                    {
                        let _ = video_config(codec, &record);
                    }
                }
                Tag::Audio { data, .. } => {
                    if let Ok(AudioPacket::SequenceHeader(asc)) = flv::parse_audio(&data) {
                        let _ = flv::parse_aac_config(&asc);
                    }
                }
            }
        }
    });
}
