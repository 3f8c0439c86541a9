import Hls, { ErrorTypes, Events } from "hls.js";
import { useCallback, useEffect, useRef, useState, type RefObject } from "react";
import { AUTO_LEVEL, type QualityLevel } from "@/features/rooms/quality";

export type PlayerMode = "hls" | "native" | "unsupported";

export interface HlsPlayerState {
  mode: PlayerMode;
  levels: QualityLevel[];
  selected: number;
  playing: number | null;
  error: string | null;
  /** Seconds behind the live edge, as hls.js measures it (null until known). */
  latency: number | null;
  /**
   * Seconds from the server receiving the frame on screen to now (EXT-X-PROGRAM-DATE-TIME is the
   * wall clock at which the server received each frame): glass-to-glass, less the publisher's
   * own encoding and upload. Null until known.
   */
  behindWallClock: number | null;
  /** Far enough behind the live edge (paused, or after a long stall) to offer "go live". */
  behindLive: boolean;
  setLevel: (index: number) => void;
  retry: () => void;
  goLive: () => void;
}

const RETRY_MS = 3000;
const MAX_MEDIA_RECOVERIES = 3;
/** How often the latency shown is refreshed. */
const LATENCY_MS = 1000;
/** Behind the target latency by more than this, the viewer is told and offered "go live". */
const BEHIND_SECONDS = 3;

/**
 * Low-latency HLS (parts, blocking reloads). The target latency comes from the playlists'
 * PART-HOLD-BACK: `liveSyncDuration` is left unset, since pinning it overrides that. After a
 * stall the player catches up by playing slightly faster (at most 1.25×), instead of keeping the
 * extra delay. The viewer who paused or fell far behind is offered "go live".
 */
export const HLS_CONFIG = {
  lowLatencyMode: true,
  backBufferLength: 30,
  maxLiveSyncPlaybackRate: 1.25,
} as const;

function toLevels(hls: Hls): QualityLevel[] {
  return hls.levels.map((l, index) => ({ index, height: l.height, bitrate: l.bitrate, name: l.name || undefined }));
}

function detectMode(): PlayerMode {
  if (Hls.isSupported()) return "hls";
  if (typeof document !== "undefined" && document.createElement("video").canPlayType("application/vnd.apple.mpegurl")) {
    return "native";
  }
  return "unsupported";
}

/** Plays `src` in the video element with hls.js (or natively on Safari) and exposes its levels. */
export function useHlsPlayer(videoRef: RefObject<HTMLVideoElement | null>, src: string): HlsPlayerState {
  const [mode] = useState<PlayerMode>(detectMode);
  const [levels, setLevels] = useState<QualityLevel[]>([]);
  const [selected, setSelected] = useState(AUTO_LEVEL);
  const [playing, setPlaying] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [latency, setLatency] = useState<number | null>(null);
  const [behindWallClock, setBehindWallClock] = useState<number | null>(null);
  const [behindLive, setBehindLive] = useState(false);
  const hlsRef = useRef<Hls | null>(null);

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    const play = () => {
      video.play().catch(() => {
        /* autoplay refused: the user presses play */
      });
    };
    if (mode === "native") {
      const failed = () => setError("Playback failed.");
      video.src = src;
      video.addEventListener("loadedmetadata", play, { once: true });
      video.addEventListener("error", failed);
      return () => {
        video.removeEventListener("loadedmetadata", play);
        video.removeEventListener("error", failed);
        video.removeAttribute("src");
        video.load();
      };
    }
    if (mode !== "hls") return;

    const hls = new Hls(HLS_CONFIG);
    hlsRef.current = hls;
    const latencyTimer = window.setInterval(() => {
      const now = hls.latency;
      if (!Number.isFinite(now) || now <= 0) return;
      setLatency(now);
      const shown = hls.playingDate;
      if (shown) setBehindWallClock((Date.now() - shown.getTime()) / 1000);
      setBehindLive(now > (hls.targetLatency ?? now) + BEHIND_SECONDS);
    }, LATENCY_MS);
    let retryTimer: number | undefined;
    // A stream that keeps failing to decode is reported instead of being retried forever.
    let mediaRecoveries = 0;
    hls.on(Events.MANIFEST_PARSED, () => {
      setError(null);
      setLevels(toLevels(hls));
      setSelected(hls.autoLevelEnabled ? AUTO_LEVEL : hls.currentLevel);
      play();
    });
    hls.on(Events.LEVELS_UPDATED, () => setLevels(toLevels(hls)));
    hls.on(Events.LEVEL_SWITCHED, (_event, data) => setPlaying(data.level));
    hls.on(Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === ErrorTypes.MEDIA_ERROR && mediaRecoveries < MAX_MEDIA_RECOVERIES) {
        mediaRecoveries += 1;
        hls.recoverMediaError();
        return;
      }
      if (data.type === ErrorTypes.NETWORK_ERROR) {
        // The playlist may not exist yet right after going live: try again shortly.
        setError("The stream is not reachable right now. Retrying…");
        window.clearTimeout(retryTimer);
        retryTimer = window.setTimeout(() => {
          hls.loadSource(src);
          hls.startLoad();
        }, RETRY_MS);
        return;
      }
      setError("Playback failed.");
    });
    hls.loadSource(src);
    hls.attachMedia(video);
    return () => {
      window.clearTimeout(retryTimer);
      window.clearInterval(latencyTimer);
      setLatency(null);
      setBehindWallClock(null);
      setBehindLive(false);
      hls.destroy();
      hlsRef.current = null;
      setLevels([]);
      setPlaying(null);
      setSelected(AUTO_LEVEL);
    };
  }, [videoRef, src, mode, attempt]);

  const setLevel = useCallback((index: number) => {
    const hls = hlsRef.current;
    if (hls) hls.currentLevel = index;
    setSelected(index);
  }, []);

  const goLive = useCallback(() => {
    const hls = hlsRef.current;
    const video = videoRef.current;
    const edge = hls?.liveSyncPosition;
    if (!video || edge == null) return;
    video.currentTime = edge;
    video.play().catch(() => {
      /* autoplay refused: the user presses play */
    });
    setBehindLive(false);
  }, [videoRef]);

  const retry = useCallback(() => {
    setError(null);
    setAttempt((n) => n + 1);
  }, []);

  return { mode, levels, selected, playing, error, latency, behindWallClock, behindLive, setLevel, retry, goLive };
}
