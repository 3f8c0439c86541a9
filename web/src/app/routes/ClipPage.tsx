import { DownloadIcon } from "lucide-react";
import { Link, useParams } from "react-router";
import { ApiError } from "@/api/errors";
import { ErrorAlert } from "@/components/ErrorAlert";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { useClip } from "@/features/rooms/api/clips";
import { useRoom } from "@/features/rooms/api/rooms";
import type { ClipView } from "@/api/types";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { formatDateTime, formatDuration } from "@/lib/format";
import { NotFoundPage } from "./NotFoundPage";

/** A clip's own page: the MP4 in a plain `<video>` (every browser plays it), its room, a download. */
export function ClipPage() {
  const { id = "" } = useParams();
  const { data: clip, error, isPending, refetch } = useClip(id);
  if (error instanceof ApiError && error.code === "not_found") return <NotFoundPage what="clip" />;
  if (isPending) return <Spinner label="Loading clip" />;
  if (!clip) return <ErrorAlert error={error} title="Could not load this clip" onRetry={() => void refetch()} />;
  return <ClipBody clip={clip} />;
}

function ClipBody({ clip }: { clip: ClipView }) {
  const { data: room } = useRoom(clip.room_id, 0);
  useDocumentTitle(room ? `Clip from ${room.title}` : "Clip");
  return (
    <div className="mx-auto max-w-4xl space-y-3">
      <video
        className="aspect-video w-full rounded-xl bg-black"
        src={clip.playback_url}
        controls
        autoPlay
        muted
        playsInline
        aria-label="Clip"
        data-testid="clip-player"
      />
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="min-w-0">
          <h1 className="text-xl font-bold tracking-tight">{room ? `Clip from ${room.title}` : "Clip"}</h1>
          <p className="text-sm text-muted-foreground">
            {formatDuration(clip.duration_seconds * 1000)} · cut {formatDateTime(clip.created_at)}
            {room ? (
              <>
                {" · "}
                <Link to={`/rooms/${room.id}`} className="underline">
                  {room.title}
                </Link>
              </>
            ) : null}
          </p>
        </div>
        <Button variant="outline" asChild>
          <a href={clip.download_url} download>
            <DownloadIcon aria-hidden /> Download
          </a>
        </Button>
      </div>
    </div>
  );
}
