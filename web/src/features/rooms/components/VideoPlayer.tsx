import { RadioIcon } from "lucide-react";
import { useEffect, useRef, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { useHlsPlayer } from "@/features/rooms/hooks/useHlsPlayer";
import { PlayerError } from "./PlayerError";
import { QualityMenu } from "./QualityMenu";

/** How often the player's latency is reported (`onLatency`) while it plays. */
export const LATENCY_REPORT_MS = 5000;

interface VideoPlayerProps {
  src: string;
  title: string;
  toolbar?: ReactNode;
  /** Told the latency every few seconds while playing (the room reports it to the streamer). */
  onLatency?: (seconds: number) => void;
}

/** The live player: a `<video>` fed by hls.js, with a quality menu under it. */
export function VideoPlayer({ src, title, toolbar, onLatency }: VideoPlayerProps) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const player = useHlsPlayer(videoRef, src);
  const latencyRef = useRef<number | null>(null);
  useEffect(() => {
    latencyRef.current = player.latency;
  }, [player.latency]);
  useEffect(() => {
    if (!onLatency) return;
    const timer = window.setInterval(() => {
      const video = videoRef.current;
      const latency = latencyRef.current;
      if (latency != null && video && !video.paused) onLatency(latency);
    }, LATENCY_REPORT_MS);
    return () => window.clearInterval(timer);
  }, [onLatency]);
  return (
    <div className="space-y-2">
      <div className="relative overflow-hidden rounded-xl bg-black shadow-sm">
        <video
          ref={videoRef}
          data-testid="video-player"
          aria-label={`Live video: ${title}`}
          className="aspect-video w-full bg-black"
          controls
          muted
          autoPlay
          playsInline
        />
        {player.error ? <PlayerError message={player.error} onRetry={player.retry} /> : null}
        {player.behindLive && !player.error ? (
          <div className="absolute right-2 bottom-14 flex items-center gap-2 rounded-md bg-black/75 px-2 py-1 text-sm text-white">
            <span data-testid="behind-live">{player.latency == null ? "Behind live" : `${player.latency.toFixed(0)} s behind live`}</span>
            <Button size="sm" variant="secondary" onClick={player.goLive}>
              <RadioIcon aria-hidden /> Go live
            </Button>
          </div>
        ) : null}
        {player.mode === "unsupported" ? (
          <p className="absolute inset-0 flex items-center justify-center p-6 text-center text-sm text-white">
            This browser cannot play HLS video.
          </p>
        ) : null}
      </div>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex min-w-0 flex-wrap items-center gap-2">
          {toolbar}
          {player.latency != null ? (
            <span
              data-testid="latency"
              data-seconds={player.latency.toFixed(2)}
              data-wall-clock-seconds={player.behindWallClock?.toFixed(2)}
              className="text-muted-foreground text-xs tabular-nums">
              {player.latency.toFixed(1)} s latency
            </span>
          ) : null}
        </div>
        {player.mode === "hls" ? (
          <QualityMenu levels={player.levels} selected={player.selected} playing={player.playing} onSelect={player.setLevel} />
        ) : null}
      </div>
    </div>
  );
}
