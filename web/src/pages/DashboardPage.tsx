import { PlusIcon, TvIcon } from "lucide-react";
import { useCallback, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { presetsApi, roomsApi } from "@/api/endpoints";
import type { StreamKeyView } from "@/api/types";
import { useAuth } from "@/auth/auth-context";
import { RoomFormDialog } from "@/components/dashboard/RoomFormDialog";
import { RoomManager } from "@/components/dashboard/RoomManager";
import { EmptyState } from "@/components/EmptyState";
import { ErrorAlert } from "@/components/ErrorAlert";
import { LiveBadge } from "@/components/rooms/LiveBadge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useToast } from "@/hooks/toast-context";
import { usePolling } from "@/hooks/usePolling";
import { cn } from "@/lib/cn";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";

export function DashboardPage() {
  useDocumentTitle("Dashboard");
  const { user } = useAuth();
  const userId = user?.id ?? "";
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const [keys, setKeys] = useState<Record<string, StreamKeyView>>({});
  const { toast } = useToast();

  const fetchRooms = useCallback((signal: AbortSignal) => roomsApi.listOwned(userId, signal), [userId]);
  const rooms = usePolling(`my-rooms:${userId}`, fetchRooms, 15_000);
  const fetchPresets = useCallback((signal: AbortSignal) => presetsApi.list(signal), []);
  const presets = usePolling("presets", fetchPresets, null);

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
        onSaved={(created) => {
          rememberKey(created.room.id, { stream_key: created.stream_key, ingest_url: created.ingest_url });
          rooms.mutate((list) => [...(list ?? []), created.room]);
          rooms.reload();
          select(created.room.id);
          toast({ kind: "success", title: "Room created", description: "Copy your stream key now: it is shown only once." });
        }}
      />

      {rooms.error && !rooms.data ? <ErrorAlert error={rooms.error} title="Could not load your rooms" onRetry={rooms.reload} /> : null}
      {rooms.loading ? <Skeleton className="h-64 w-full rounded-xl" /> : null}
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
              onChanged={(updated) => rooms.mutate((list) => list?.map((r) => (r.id === updated.id ? updated : r)))}
              onDeleted={(id) => {
                rooms.mutate((list) => list?.filter((r) => r.id !== id));
                select(null);
              }}
            />
          ) : (
            <EmptyState title="This room is not one of yours" description="Pick a room from the list." />
          )}
        </div>
      ) : null}
    </div>
  );
}
