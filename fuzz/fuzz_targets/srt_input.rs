//! Everything an SRT caller sends before it reaches the stream pipeline: the stream id (its
//! key) and the MPEG-TS it carries, through GStreamer's tsdemux and the parsers to FLV tags.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ingest::fuzzing::srt_input(data);
});
