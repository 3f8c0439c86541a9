import { DownloadIcon, FilmIcon, PlayIcon, Trash2Icon, XIcon } from "lucide-react";
import { useState } from "react";
import type { Recording } from "@/api/types";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { EmptyState } from "@/components/EmptyState";
import { ErrorAlert } from "@/components/ErrorAlert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { useDeleteRecording, useRecordings } from "@/features/rooms/api/recordings";
import { useToast } from "@/hooks/toast-context";
import { formatBytes, formatDateTime, formatDuration } from "@/lib/format";
import { ReplayPlayer } from "./ReplayPlayer";

const STATUS_VARIANT = {
  recording: "warning",
  complete: "success",
  failed: "destructive",
} as const;

function RecordingRow({
  recording,
  playing,
  onPlay,
  canManage,
  canClip,
}: {
  recording: Recording;
  playing: boolean;
  onPlay: (id: string | null) => void;
  canManage: boolean;
  canClip: boolean;
}) {
  const { toast } = useToast();
  const deleteRecording = useDeleteRecording(recording.room_id);
  const [failed, setFailed] = useState(false);
  const label = formatDateTime(recording.started_at);
  const playable = recording.status !== "recording";
  return (
    <li className="space-y-2 rounded-lg border p-3">
      <div className="flex flex-col gap-2 sm:flex-row sm:flex-wrap sm:items-center sm:gap-x-3">
        {recording.poster_url ? (
          <img
            src={recording.poster_url}
            alt=""
            loading="lazy"
            className="aspect-video w-full rounded-md bg-black object-cover sm:w-32"
            data-testid="recording-poster"
          />
        ) : null}
        <div className="min-w-0 flex-1">
          <p className="font-medium">{label}</p>
          <p className="text-xs text-muted-foreground">
            {formatDuration(recording.duration_ms)} · {formatBytes(recording.bytes)}
            {recording.end_reason ? ` · ${recording.end_reason.replace(/_/g, " ")}` : ""}
          </p>
        </div>
        <Badge variant={STATUS_VARIANT[recording.status]} className="self-start sm:self-center">
          {recording.status}
        </Badge>
        <div className="flex flex-wrap gap-1.5">
          <Button
            size="sm"
            variant="secondary"
            disabled={!playable}
            aria-pressed={playing}
            aria-label={`${playing ? "Close" : "Play"} recording from ${label}`}
            onClick={() => onPlay(playing ? null : recording.id)}>
            {playing ? <XIcon aria-hidden /> : <PlayIcon aria-hidden />}
            {playing ? "Close" : "Play"}
          </Button>
          <Button size="sm" variant="outline" asChild>
            <a href={recording.download_url} download aria-label={`Download recording from ${label}`}>
              <DownloadIcon aria-hidden /> Download
            </a>
          </Button>
          {canManage ? (
            <ConfirmDialog
              title="Delete this recording?"
              description={`The recording from ${label} and its file are removed for good.`}
              confirmLabel="Delete recording"
              onConfirm={async () => {
                await deleteRecording.mutateAsync(recording.id);
                toast({ kind: "success", title: "Recording deleted" });
              }}
              trigger={
                <Button size="sm" variant="ghost" disabled={!playable} aria-label={`Delete recording from ${label}`}>
                  <Trash2Icon aria-hidden /> Delete
                </Button>
              }
            />
          ) : null}
        </div>
      </div>
      {playing && recording.playback_url ? (
        <ReplayPlayer
          src={recording.playback_url}
          title={label}
          poster={recording.poster_url}
          thumbnails={recording.thumbnails_vtt_url}
          clipOf={canClip ? { roomId: recording.room_id, recordingId: recording.id } : undefined}
        />
      ) : playing ? (
        <>
          <video
            className="aspect-video w-full rounded-md bg-black"
            src={recording.file_url}
            controls
            autoPlay
            aria-label={`Recording from ${label}`}
            onError={() => setFailed(true)}
          />
          {failed ? (
            <p role="alert" className="text-sm text-destructive">
              This browser cannot play this recording (MKV). Use Download and play it with VLC or mpv.
            </p>
          ) : null}
        </>
      ) : null}
    </li>
  );
}

/** A room's recordings, with in-browser playback, download and (for managers) delete. */
export function RecordingsList({
  roomId,
  canManage,
  canClip = false,
  pollMs = 30_000,
}: {
  roomId: string;
  canManage: boolean;
  /** Offers cutting clips from a playing recording (a logged-in user). */
  canClip?: boolean;
  pollMs?: number;
}) {
  const { data, error, isPending: loading, refetch } = useRecordings(roomId, pollMs);
  const [playing, setPlaying] = useState<string | null>(null);

  if (loading) return <Spinner label="Loading recordings" />;
  if (error && !data) return <ErrorAlert error={error} title="Could not load recordings" onRetry={() => void refetch()} />;
  if (!data?.length) {
    return (
      <EmptyState
        icon={<FilmIcon aria-hidden />}
        title="No recordings yet"
        description="Every broadcast is recorded and appears here when it ends."
      />
    );
  }
  return (
    <ul className="space-y-2" aria-label="Recordings">
      {data.map((recording) => (
        <RecordingRow
          key={recording.id}
          recording={recording}
          playing={playing === recording.id}
          onPlay={setPlaying}
          canManage={canManage}
          canClip={canClip}
        />
      ))}
    </ul>
  );
}
