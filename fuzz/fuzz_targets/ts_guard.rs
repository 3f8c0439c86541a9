//! The SRT caller's MPEG-TS accounting: any bytes, fed whole and in pieces, end the same way.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    pipelines::ingest::fuzzing::ts_guard(data);
});
