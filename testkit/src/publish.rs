//! ffmpeg as a publisher, as both the tests and the benchmarks run it.

use std::path::Path;
use std::process::{Command, Stdio};

/// `ffmpeg -re -i <input> -c copy -f flv <output_args> <url>`: a media file published as it is
/// (the published bytes are the file's), in real time, to an RTMP `url`; its stdout silenced.
/// The caller chooses what becomes of stderr.
pub fn copy_to_rtmp(input: &Path, url: &str, output_args: &[&str]) -> Command {
    let mut command = Command::new("ffmpeg");
    command
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-re",
            "-i",
        ])
        .arg(input)
        .args(["-c", "copy", "-f", "flv"])
        .args(output_args)
        .arg(url)
        .stdout(Stdio::null());
    command
}
