import { ExternalLinkIcon, FilmIcon, PencilIcon, Trash2Icon } from "lucide-react";
import { useState } from "react";
import { Link } from "react-router";
import type { PresetView, RoomView, StreamKeyView } from "@/api/types";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { useDeleteRoom, useRegenerateStreamKey, useUpdateRoom } from "@/features/dashboard/api/rooms";
import { useRoom } from "@/features/rooms/api/rooms";
import { LiveBadge } from "@/features/rooms/components/LiveBadge";
import { RecordingsList } from "@/features/rooms/components/RecordingsList";
import { useToast } from "@/hooks/toast-context";
import { formatViewers } from "@/lib/format";
import { DestinationsPanel } from "./DestinationsPanel";
import { LiveHealth } from "./LiveHealth";
import { ModeratorsPanel } from "./ModeratorsPanel";
import { ObsSetup } from "./ObsSetup";
import { RoomFormDialog } from "./RoomFormDialog";
import { StreamKeyPanel } from "./StreamKeyPanel";

const LIVE_POLL_MS = 2000;
const IDLE_POLL_MS = 5000;

/** Everything about one of the streamer's rooms: details, key, OBS, health, restreaming, moderators, recordings. */
export function RoomManager({
  initial,
  presets,
  keyInfo,
  onKey,
  onDeleted,
}: {
  initial: RoomView;
  presets: PresetView[] | undefined;
  keyInfo: StreamKeyView | null;
  onKey: (key: StreamKeyView) => void;
  onDeleted: (id: string) => void;
}) {
  const [editing, setEditing] = useState(false);
  const { toast } = useToast();
  // Live health changes by the second; an idle room only needs to notice going live.
  const polled = useRoom(initial.id, (seen) => ((seen ?? initial).live ? LIVE_POLL_MS : IDLE_POLL_MS));
  const room = polled.data ?? initial;
  const updateRoom = useUpdateRoom(room.id);
  const deleteRoom = useDeleteRoom();
  const regenerateKey = useRegenerateStreamKey(room.id);
  const preset = presets?.find((p) => p.id === room.preset_id);

  return (
    <div className="space-y-4">
      <Card>
        <CardHeader className="flex-row flex-wrap items-start justify-between gap-3 space-y-0">
          <div className="min-w-0 space-y-1">
            <CardTitle className="flex flex-wrap items-center gap-2 text-xl">
              <span className="min-w-0 [overflow-wrap:anywhere]">{room.title}</span>
              {room.live ? <LiveBadge /> : <Badge variant="secondary">Offline</Badge>}
            </CardTitle>
            <p className="text-sm text-muted-foreground">
              {preset ? `Preset: ${preset.name}` : "Preset: default"} · Chat {room.chat_enabled ? "on" : "off"}
              {room.live ? ` · ${formatViewers(room.viewer_count)}` : ""}
            </p>
          </div>
          <div className="flex flex-wrap gap-2">
            <Button asChild variant="outline" size="sm">
              <Link to={`/rooms/${room.id}`}>
                <ExternalLinkIcon aria-hidden /> Open room page
              </Link>
            </Button>
            <Button variant="outline" size="sm" onClick={() => setEditing(true)}>
              <PencilIcon aria-hidden /> Edit room
            </Button>
            <ConfirmDialog
              title={`Delete “${room.title}”?`}
              description="The room disappears and its stream key stops working; a running broadcast ends. Its recordings stay until you delete them."
              confirmLabel="Delete room"
              onConfirm={async () => {
                await deleteRoom.mutateAsync(room.id);
                toast({ kind: "success", title: "Room deleted" });
                onDeleted(room.id);
              }}
              trigger={
                <Button variant="ghost" size="sm" className="text-destructive hover:text-destructive">
                  <Trash2Icon aria-hidden /> Delete room
                </Button>
              }
            />
          </div>
        </CardHeader>
        {room.description ? (
          <CardContent>
            <p className="whitespace-pre-line text-sm [overflow-wrap:anywhere]">{room.description}</p>
          </CardContent>
        ) : null}
      </Card>
      <RoomFormDialog
        mode="edit"
        room={room}
        presets={presets}
        open={editing}
        onOpenChange={setEditing}
        onSubmit={async (changes) => {
          await updateRoom.mutateAsync(changes);
          toast({ kind: "success", title: "Room saved" });
        }}
      />
      <LiveHealth room={room} />
      <div className="grid gap-4 xl:grid-cols-2">
        <StreamKeyPanel
          keyInfo={keyInfo}
          onRegenerate={async () => {
            onKey(await regenerateKey.mutateAsync());
            toast({ kind: "success", title: "New stream key created", description: "The old key no longer works." });
          }}
        />
        <ObsSetup ingestUrl={room.ingest_url} srtUrl={room.srt_ingest_url ?? null} keyKnown={keyInfo !== null} />
      </div>
      <DestinationsPanel roomId={room.id} live={Boolean(room.live)} />
      <ModeratorsPanel roomId={room.id} />
      <Card>
        <CardHeader>
          <CardTitle className="flex items-center gap-2">
            <FilmIcon className="size-4" aria-hidden /> Recordings
          </CardTitle>
        </CardHeader>
        <CardContent>
          <RecordingsList roomId={room.id} canManage canClip pollMs={15_000} />
        </CardContent>
      </Card>
    </div>
  );
}
