//! Everything an RTMP peer sends before it reaches GStreamer: handshake, chunks, AMF0 commands
//! and data, FLV video and audio tags, AVC and AAC configurations, in-band SPS, timestamps.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ingest::fuzzing::rtmp_input(data);
});
