//! MPEG-TS written byte by byte, for SRT callers that send what no encoder would, and a caller
//! that sends exactly the bytes it is given (GStreamer's `srtsink` reading its standard input).

use std::process::Stdio;
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, ChildStdin, Command};

pub const PACKET: usize = 188;
/// The video PID of the streams written here (also their PCR PID).
pub const VIDEO_PID: u16 = 0x100;
const PMT_PID: u16 = 0x1000;

/// CRC-32/MPEG-2 of a PSI section.
fn crc32_mpeg2(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for byte in data {
        crc ^= u32::from(*byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// One packet of `pid` carrying `section` (a PSI table) after its pointer field.
fn psi_packet(pid: u16, section: &[u8]) -> [u8; PACKET] {
    let mut p = [0xffu8; PACKET];
    p[0] = 0x47;
    p[1] = 0x40 | (pid >> 8) as u8;
    p[2] = pid as u8;
    p[3] = 0x10;
    p[4] = 0;
    let mut with_crc = section.to_vec();
    with_crc.extend_from_slice(&crc32_mpeg2(section).to_be_bytes());
    p[5..5 + with_crc.len()].copy_from_slice(&with_crc);
    p
}

/// A PAT naming one program, and its PMT: H.264 on [`VIDEO_PID`], which carries the PCR.
pub fn pat_and_pmt() -> Vec<u8> {
    let pat = [
        0x00,
        0xb0,
        0x0d,
        0x00,
        0x01,
        0xc1,
        0x00,
        0x00,
        0x00,
        0x01,
        0xe0 | (PMT_PID >> 8) as u8,
        PMT_PID as u8,
    ];
    let pmt = [
        0x02,
        0xb0,
        0x12,
        0x00,
        0x01,
        0xc1,
        0x00,
        0x00,
        0xe0 | (VIDEO_PID >> 8) as u8,
        VIDEO_PID as u8,
        0xf0,
        0x00,
        0x1b,
        0xe0 | (VIDEO_PID >> 8) as u8,
        VIDEO_PID as u8,
        0xf0,
        0x00,
    ];
    [psi_packet(0, &pat), psi_packet(PMT_PID, &pmt)].concat()
}

/// A packet starting a video PES (length 0: it ends at the next unit start) with `pts` (90 kHz)
/// and a PCR, its payload filled with `fill`.
pub fn pes_start(counter: u8, pts: u64, fill: u8) -> [u8; PACKET] {
    let mut p = [fill; PACKET];
    p[0] = 0x47;
    p[1] = 0x40 | (VIDEO_PID >> 8) as u8;
    p[2] = VIDEO_PID as u8;
    // Adaptation field (7 bytes: flags, PCR) and payload.
    p[3] = 0x30 | (counter & 0x0f);
    p[4] = 7;
    p[5] = 0x10;
    let base = pts;
    p[6] = (base >> 25) as u8;
    p[7] = (base >> 17) as u8;
    p[8] = (base >> 9) as u8;
    p[9] = (base >> 1) as u8;
    p[10] = ((base & 1) << 7) as u8 | 0x7e;
    p[11] = 0;
    let pes = [
        0x00,
        0x00,
        0x01,
        0xe0,
        0x00,
        0x00,
        0x80,
        0x80,
        0x05,
        0x21 | ((pts >> 29) & 0x0e) as u8,
        (pts >> 22) as u8,
        0x01 | ((pts >> 14) & 0xfe) as u8,
        (pts >> 7) as u8,
        0x01 | ((pts << 1) & 0xfe) as u8,
    ];
    p[12..12 + pes.len()].copy_from_slice(&pes);
    p
}

/// A packet continuing the video PES, its payload filled with `fill`.
pub fn pes_payload(counter: u8, fill: u8) -> [u8; PACKET] {
    let mut p = [fill; PACKET];
    p[0] = 0x47;
    p[1] = (VIDEO_PID >> 8) as u8;
    p[2] = VIDEO_PID as u8;
    p[3] = 0x10 | (counter & 0x0f);
    p
}

/// An SRT caller that sends exactly the bytes written to it, in messages of up to 1316 bytes
/// (`gst-launch-1.0 fdsrc ! srtsink`), to `port` with `stream_id`.
pub fn raw_srt_caller(port: u16, stream_id: &str) -> (Child, ChildStdin) {
    let mut child = Command::new("gst-launch-1.0")
        .args(["-q", "fdsrc", "fd=0", "blocksize=1316", "!", "srtsink"])
        .arg(format!("uri=srt://127.0.0.1:{port}"))
        .arg(format!("streamid={stream_id}"))
        .args(["latency=200", "wait-for-connection=false"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("gst-launch-1.0 starts");
    let stdin = child.stdin.take().expect("stdin piped");
    (child, stdin)
}

/// Writes `bytes` to a raw caller; false once it is gone (the server dropped it).
pub async fn send(stdin: &mut ChildStdin, bytes: &[u8]) -> bool {
    stdin.write_all(bytes).await.is_ok() && stdin.flush().await.is_ok()
}
