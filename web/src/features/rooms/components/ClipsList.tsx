import { DownloadIcon, ScissorsIcon, Trash2Icon } from "lucide-react";
import { Link } from "react-router";
import type { ClipView } from "@/api/types";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { ErrorAlert } from "@/components/ErrorAlert";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { useClips, useDeleteClip } from "@/features/rooms/api/clips";
import { useToast } from "@/hooks/toast-context";
import { formatDateTime, formatDuration } from "@/lib/format";

function ClipRow({ clip, canManage }: { clip: ClipView; canManage: boolean }) {
  const { toast } = useToast();
  const remove = useDeleteClip(clip.room_id);
  const label = `${formatDuration(clip.duration_seconds * 1000)} clip from ${formatDateTime(clip.created_at)}`;
  return (
    <li className="flex flex-wrap items-center gap-2 rounded-lg border p-3">
      <ScissorsIcon className="size-4 text-muted-foreground" aria-hidden />
      <Link to={clip.page_url} className="min-w-0 flex-1 font-medium underline-offset-4 hover:underline">
        {label}
      </Link>
      <Button size="sm" variant="outline" asChild>
        <a href={clip.download_url} download aria-label={`Download ${label}`}>
          <DownloadIcon aria-hidden /> Download
        </a>
      </Button>
      {canManage ? (
        <ConfirmDialog
          title="Delete this clip?"
          description="The clip and its file are removed for good."
          confirmLabel="Delete clip"
          onConfirm={async () => {
            await remove.mutateAsync(clip.id);
            toast({ kind: "success", title: "Clip deleted" });
          }}
          trigger={
            <Button size="sm" variant="ghost" aria-label={`Delete ${label}`}>
              <Trash2Icon aria-hidden /> Delete
            </Button>
          }
        />
      ) : null}
    </li>
  );
}

/** A room's clips, each linking to its page. */
export function ClipsList({ roomId, canManage }: { roomId: string; canManage: boolean }) {
  const { data, error, isPending, refetch } = useClips(roomId);
  if (isPending) return <Spinner label="Loading clips" />;
  if (error && !data) return <ErrorAlert error={error} title="Could not load clips" onRetry={() => void refetch()} />;
  if (!data?.length) return <p className="text-sm text-muted-foreground">No clips yet.</p>;
  return (
    <ul className="space-y-2" aria-label="Clips">
      {data.map((clip) => (
        <ClipRow key={clip.id} clip={clip} canManage={canManage} />
      ))}
    </ul>
  );
}
