//! The SRT caller's MPEG-TS accounting (`media::mpegts`): any bytes, fed whole and in pieces,
//! end the same way, and never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let limits = media::mpegts::Limits {
        max_pes: 64 * 1024,
        max_unframed: 256 * 1024,
    };
    assert!(
        media::mpegts::agrees_in_pieces(data, limits),
        "fed whole and in pieces, the guard ended differently"
    );
});
