import { PlusIcon, TvIcon } from "lucide-react";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import type { StreamKeyView } from "@/api/types";
import { EmptyState } from "@/components/EmptyState";
import { ErrorAlert } from "@/components/ErrorAlert";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { usePresets } from "@/features/admin/api/presets";
import { useAuth } from "@/features/auth/hooks/useAuth";
import { useCreateRoom, useOwnedRooms } from "@/features/dashboard/api/rooms";
import { RoomFormDialog } from "@/features/dashboard/components/RoomFormDialog";
import { RoomManager } from "@/features/dashboard/components/RoomManager";
import { LiveBadge } from "@/features/rooms/components/LiveBadge";
import { useToast } from "@/hooks/toast-context";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { cn } from "@/lib/cn";

export function DashboardPage() {
  useDocumentTitle("Dashboard");
  const { user } = useAuth();
  const userId = user?.id ?? "";
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const [keys, setKeys] = useState<Record<string, StreamKeyView>>({});
  const { toast } = useToast();

  const rooms = useOwnedRooms(userId);
  const presets = usePresets();
  const createRoom = useCreateRoom(userId);

  const selectedId = params.get("room") ?? rooms.data?.[0]?.id ?? null;
  const selected = rooms.data?.find((r) => r.id === selectedId) ?? null;

  const rememberKey = (roomId: string, key: StreamKeyView) => {
    setKeys((all) => ({ ...all, [roomId]: key }));
  };
  const select = (id: string | null) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (id) next.set("room", id);
      else next.delete("room");
      return next;
    });

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Dashboard</h1>
          <p className="text-muted-foreground">Your rooms, stream keys, live health and recordings.</p>
        </div>
        <Button onClick={() => setCreating(true)}>
          <PlusIcon aria-hidden /> New room
        </Button>
      </div>
      <RoomFormDialog
        mode="create"
        presets={presets.data}
        open={creating}
        onOpenChange={setCreating}
        onSubmit={async (room) => {
          const created = await createRoom.mutateAsync(room);
          rememberKey(created.room.id, {
            stream_key: created.stream_key,
            ingest_url: created.ingest_url,
            srt_ingest_url: created.srt_ingest_url,
          });
          select(created.room.id);
          toast({ kind: "success", title: "Room created", description: "Copy your stream key now: it is shown only once." });
        }}
      />

      {rooms.error && !rooms.data ? <ErrorAlert error={rooms.error} title="Could not load your rooms" onRetry={() => void rooms.refetch()} /> : null}
      {rooms.isPending ? <Skeleton className="h-64 w-full rounded-xl" /> : null}
      {rooms.data && rooms.data.length === 0 ? (
        <EmptyState icon={<TvIcon aria-hidden />} title="You have no rooms yet" description="Create a room to get a stream key and go live.">
          <Button onClick={() => setCreating(true)}>
            <PlusIcon aria-hidden /> Create your first room
          </Button>
        </EmptyState>
      ) : null}
      {rooms.data && rooms.data.length > 0 ? (
        <div className="grid gap-6 lg:grid-cols-[16rem_minmax(0,1fr)]">
          <nav aria-label="My rooms" className="lg:sticky lg:top-20 lg:self-start">
            <h2 className="mb-2 text-sm font-semibold text-muted-foreground">My rooms</h2>
            <ul className="flex gap-2 overflow-x-auto pb-1 lg:flex-col lg:overflow-visible">
              {rooms.data.map((room) => (
                <li key={room.id} className="shrink-0">
                  <Link
                    to={`/dashboard?room=${encodeURIComponent(room.id)}`}
                    aria-current={room.id === selectedId ? "page" : undefined}
                    className={cn(
                      "flex items-center gap-2 rounded-lg border px-3 py-2 text-sm outline-none transition-colors focus-visible:ring-2 focus-visible:ring-ring",
                      room.id === selectedId ? "border-primary bg-primary/10 font-medium" : "hover:bg-accent",
                    )}
                  >
                    <span className="max-w-48 truncate">{room.title}</span>
                    {room.live ? <LiveBadge className="ml-auto" /> : null}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          {selected ? (
            <RoomManager
              key={selected.id}
              initial={selected}
              presets={presets.data}
              keyInfo={keys[selected.id] ?? null}
              onKey={(key) => rememberKey(selected.id, key)}
              onDeleted={() => select(null)}
            />
          ) : (
            <EmptyState title="This room is not one of yours" description="Pick a room from the list." />
          )}
        </div>
      ) : null}
    </div>
  );
}
