import { useCallback, useEffect, useRef, useState, type MouseEvent } from "react";
import { useHlsPlayer } from "@/features/rooms/hooks/useHlsPlayer";
import { formatDuration } from "@/lib/format";
import { tileAt, parseTile, type PreviewTile } from "@/features/rooms/preview";
import { ClipButton } from "./ClipButton";
import { PlayerError } from "./PlayerError";
import { QualityMenu } from "./QualityMenu";

interface ReplayPlayerProps {
  src: string;
  title: string;
  poster?: string | null;
  thumbnails?: string | null;
  /** Offers "clip 30 s from here" when given (a logged-in user). */
  clipOf?: { roomId: string; recordingId: string };
}

/** How long a clip cut from the player lasts. */
const CLIP_SECONDS = 30;

function Tile({ tile, time }: { tile: PreviewTile; time: number }) {
  return (
    <div className="overflow-hidden rounded-md border-2 border-white bg-black shadow-lg" data-testid="preview-tile">
      <div
        role="img"
        aria-label={`Preview at ${formatDuration(time * 1000)}`}
        style={{
          width: tile.w,
          height: tile.h,
          backgroundImage: `url("${tile.url}")`,
          backgroundPosition: `-${tile.x}px -${tile.y}px`,
        }}
      />
      <p className="bg-black/75 text-center text-xs text-white tabular-nums">{formatDuration(time * 1000)}</p>
    </div>
  );
}

/**
 * A past broadcast: its HLS VOD in hls.js (natively on Safari), seekable, with a timeline under
 * it that previews the picture at the pointer (the recording's WebVTT thumbnails track), and the
 * same preview over the picture while a seek is under way.
 */
export function ReplayPlayer({ src, title, poster, thumbnails, clipOf }: ReplayPlayerProps) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const trackRef = useRef<HTMLTrackElement>(null);
  const player = useHlsPlayer(videoRef, src);
  const [tiles, setTiles] = useState<PreviewTile[]>([]);
  const [duration, setDuration] = useState(0);
  const [position, setPosition] = useState(0);
  const [hover, setHover] = useState<{ time: number; left: number } | null>(null);
  const [seeking, setSeeking] = useState<number | null>(null);

  useEffect(() => {
    const track = trackRef.current;
    if (!track || !thumbnails) return;
    const base = new URL(thumbnails, window.location.href).toString();
    const read = () => {
      const cues = Array.from(track.track.cues ?? []) as VTTCue[];
      setTiles(cues.map((c) => parseTile(c.startTime, c.endTime, c.text, base)).filter((t): t is PreviewTile => t !== null));
    };
    // A metadata track loads only when not disabled; "hidden" loads it without showing it.
    track.track.mode = "hidden";
    if (track.readyState === 2) read();
    track.addEventListener("load", read);
    return () => track.removeEventListener("load", read);
  }, [thumbnails]);

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    const times = () => {
      setDuration(Number.isFinite(video.duration) ? video.duration : 0);
      setPosition(video.currentTime);
    };
    const startSeek = () => setSeeking(video.currentTime);
    const endSeek = () => {
      setSeeking(null);
      times();
    };
    video.addEventListener("durationchange", times);
    video.addEventListener("timeupdate", times);
    video.addEventListener("seeking", startSeek);
    video.addEventListener("seeked", endSeek);
    return () => {
      video.removeEventListener("durationchange", times);
      video.removeEventListener("timeupdate", times);
      video.removeEventListener("seeking", startSeek);
      video.removeEventListener("seeked", endSeek);
    };
  }, []);

  const timeAt = useCallback(
    (event: MouseEvent<HTMLDivElement>) => {
      const box = event.currentTarget.getBoundingClientRect();
      const fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / Math.max(1, box.width)));
      return { time: fraction * duration, left: fraction * 100 };
    },
    [duration],
  );

  const hoverTile = hover ? tileAt(tiles, hover.time) : null;
  const seekTile = seeking != null && !hover ? tileAt(tiles, seeking) : null;
  return (
    <div className="space-y-2">
      <div className="relative overflow-hidden rounded-xl bg-black shadow-sm">
        <video
          ref={videoRef}
          data-testid="replay-player"
          aria-label={`Recording: ${title}`}
          className="aspect-video w-full bg-black"
          poster={poster ?? undefined}
          controls
          muted
          autoPlay
          playsInline>
          {thumbnails ? <track ref={trackRef} kind="metadata" label="thumbnails" src={thumbnails} default /> : null}
        </video>
        {seekTile && seeking != null ? (
          <div className="pointer-events-none absolute top-2 left-1/2 -translate-x-1/2">
            <Tile tile={seekTile} time={seeking} />
          </div>
        ) : null}
        {player.error ? <PlayerError message={player.error} onRetry={player.retry} /> : null}
      </div>
      <div
        className="relative h-3 cursor-pointer rounded-full bg-muted"
        role="slider"
        tabIndex={0}
        aria-label="Seek"
        aria-valuemin={0}
        aria-valuemax={Math.round(duration)}
        aria-valuenow={Math.round(position)}
        aria-valuetext={formatDuration(position * 1000)}
        data-testid="replay-timeline"
        onPointerMove={(e) => setHover(timeAt(e))}
        onPointerLeave={() => setHover(null)}
        onClick={(e) => {
          const video = videoRef.current;
          if (video && duration > 0) video.currentTime = timeAt(e).time;
        }}
        onKeyDown={(e) => {
          const video = videoRef.current;
          if (!video) return;
          if (e.key === "ArrowRight") video.currentTime = Math.min(duration, video.currentTime + 5);
          if (e.key === "ArrowLeft") video.currentTime = Math.max(0, video.currentTime - 5);
        }}>
        <div
          className="h-full rounded-full bg-primary"
          style={{
            width: `${duration > 0 ? (position / duration) * 100 : 0}%`,
          }}
        />
        {hover && hoverTile ? (
          <div className="pointer-events-none absolute bottom-5 -translate-x-1/2" style={{ left: `${hover.left}%` }}>
            <Tile tile={hoverTile} time={hover.time} />
          </div>
        ) : null}
      </div>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-muted-foreground text-xs tabular-nums" data-testid="replay-position">
            {formatDuration(position * 1000)} / {formatDuration(duration * 1000)}
          </span>
          {clipOf ? (
            <ClipButton
              roomId={clipOf.roomId}
              source={{ recordingId: clipOf.recordingId }}
              start={() => videoRef.current?.currentTime ?? 0}
              duration={CLIP_SECONDS}
              label={`Clip ${CLIP_SECONDS} s from here`}
            />
          ) : null}
        </div>
        {player.mode === "hls" ? (
          <QualityMenu levels={player.levels} selected={player.selected} playing={player.playing} onSelect={player.setLevel} />
        ) : null}
      </div>
    </div>
  );
}
