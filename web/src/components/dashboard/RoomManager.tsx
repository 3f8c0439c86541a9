import { ExternalLinkIcon, FilmIcon, PencilIcon, Trash2Icon } from "lucide-react";
import { useCallback, useState } from "react";
import { Link } from "react-router";
import { roomsApi } from "@/api/endpoints";
import type { PresetView, RoomView, StreamKeyView } from "@/api/types";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { LiveBadge } from "@/components/rooms/LiveBadge";
import { RecordingsList } from "@/components/rooms/RecordingsList";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { useToast } from "@/hooks/toast-context";
import { usePolling } from "@/hooks/usePolling";
import { formatViewers } from "@/lib/format";
import { LiveHealth } from "./LiveHealth";
import { ModeratorsPanel } from "./ModeratorsPanel";
import { ObsSetup } from "./ObsSetup";
import { RoomFormDialog } from "./RoomFormDialog";
import { StreamKeyPanel } from "./StreamKeyPanel";

const LIVE_POLL_MS = 2000;
const IDLE_POLL_MS = 5000;

/** Everything about one of the streamer's rooms: details, key, OBS, health, moderators, recordings. */
export function RoomManager({
  initial,
  presets,
  keyInfo,
  onKey,
  onChanged,
  onDeleted,
}: {
  initial: RoomView;
  presets: PresetView[] | undefined;
  keyInfo: StreamKeyView | null;
  onKey: (key: StreamKeyView) => void;
  onChanged: (room: RoomView) => void;
  onDeleted: (id: string) => void;
}) {
  const [editing, setEditing] = useState(false);
  const { toast } = useToast();
  const [live, setLive] = useState(initial.live !== null);
  const fetcher = useCallback(
    async (signal: AbortSignal) => {
      const room = await roomsApi.get(initial.id, signal);
      setLive(room.live !== null);
      return room;
    },
    [initial.id],
  );
  const polled = usePolling(`manage:${initial.id}`, fetcher, live ? LIVE_POLL_MS : IDLE_POLL_MS);
  const room = polled.data ?? initial;
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
                await roomsApi.remove(room.id);
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
        onSaved={(updated) => {
          polled.mutate(() => updated);
          onChanged(updated);
          toast({ kind: "success", title: "Room saved" });
        }}
      />
      <LiveHealth room={room} />
      <div className="grid gap-4 xl:grid-cols-2">
        <StreamKeyPanel
          keyInfo={keyInfo}
          onRegenerate={async () => {
            onKey(await roomsApi.regenerateKey(room.id));
            toast({ kind: "success", title: "New stream key created", description: "The old key no longer works." });
          }}
        />
        <ObsSetup ingestUrl={room.ingest_url} keyKnown={keyInfo !== null} />
      </div>
      <ModeratorsPanel roomId={room.id} />
      <Card>
        <CardHeader>
          <CardTitle className="flex items-center gap-2">
            <FilmIcon className="size-4" aria-hidden /> Recordings
          </CardTitle>
        </CardHeader>
        <CardContent>
          <RecordingsList roomId={room.id} canManage pollMs={15_000} />
        </CardContent>
      </Card>
    </div>
  );
}
