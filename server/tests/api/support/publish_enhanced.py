"""Publishes a test clip over RTMP as Enhanced RTMP (HEVC or AV1 video, AAC audio), in real time.

The tests' OBS 29.1+ stand-in: PyAV bundles a current FFmpeg (8.x), whose FLV muxer writes the
veovera Enhanced RTMP video tags (ExVideoTagHeader, FourCC `hvc1` / `av01`, SequenceStart with
hvcC / av1C, CodedFrames and CodedFramesX), and whose RTMP client sends them. Debian 12's ffmpeg
5.1 predates that.

    publish_enhanced.py URL CODEC SECONDS WIDTH HEIGHT

CODEC is `hevc` (libx265) or `av1` (libsvtav1). Exits 0 once the whole clip was sent; an error
(a refused publish, a closed connection) is printed on stderr and exits 1.
"""

import sys
import time

import av

ENCODERS = {
    "hevc": ("libx265", {"preset": "ultrafast", "tune": "zerolatency", "x265-params": "log-level=error:keyint=30:min-keyint=30:scenecut=0:bframes=0"}),
    "av1": ("libsvtav1", {"preset": "11", "svtav1-params": "keyint=30:scd=0:pred-struct=1:rc=2"}),
}


def main() -> int:
    url, codec, seconds, width, height = sys.argv[1:6]
    seconds, width, height = float(seconds), int(width), int(height)
    name, options = ENCODERS[codec]
    rate = 30
    video_in = av.open(f"testsrc2=size={width}x{height}:rate={rate}", format="lavfi")
    audio_in = av.open("sine=frequency=440:sample_rate=48000", format="lavfi")
    out = av.open(url, mode="w", format="flv")
    video = out.add_stream(name, rate=rate, options=options)
    video.width, video.height, video.pix_fmt = width, height, "yuv420p"
    video.bit_rate = 800_000
    video.gop_size = rate
    audio = out.add_stream("aac", rate=48000)
    audio.bit_rate = 96_000
    audio.layout = "mono"

    started = time.monotonic()
    frames = int(seconds * rate)
    resampler = av.AudioResampler(format="fltp", layout="mono", rate=48000)
    audio_frames = audio_in.decode(audio=0)
    audio_time = 0.0
    for index, frame in enumerate(video_in.decode(video=0)):
        if index >= frames:
            break
        frame.pts = index
        frame.time_base = video.codec_context.time_base or frame.time_base
        for packet in video.encode(frame):
            out.mux(packet)
        now = index / rate
        while audio_time <= now:
            for resampled in resampler.resample(next(audio_frames)):
                audio_time += resampled.samples / 48000
                for packet in audio.encode(resampled):
                    out.mux(packet)
        # Real time, as a live encoder sends.
        ahead = started + now - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    for packet in video.encode(None):
        out.mux(packet)
    for packet in audio.encode(None):
        out.mux(packet)
    out.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # every failure is the test's to see, with its reason
        print(f"publish_enhanced: {error!r}", file=sys.stderr)
        sys.exit(1)
