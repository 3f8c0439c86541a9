import { SearchIcon, TvIcon } from "lucide-react";
import { useSearchParams } from "react-router";
import type { RoomView } from "@/api/types";
import { EmptyState } from "@/components/EmptyState";
import { ErrorAlert } from "@/components/ErrorAlert";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { useRooms } from "@/features/rooms/api/rooms";
import { RoomCard } from "@/features/rooms/components/RoomCard";
import { useSearchText } from "@/features/rooms/hooks/useSearchText";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { useNow } from "@/hooks/useNow";

const POLL_MS = 10_000;

function RoomGrid({ rooms, tick }: { rooms: RoomView[]; tick: number }) {
  return (
    <ul className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4">
      {rooms.map((room) => (
        <li key={room.id}>
          <RoomCard room={room} tick={tick} />
        </li>
      ))}
    </ul>
  );
}

export function HomePage() {
  useDocumentTitle(null);
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const { text, onTextChange } = useSearchText(q, (next) =>
    setParams(
      (prev) => {
        const query = new URLSearchParams(prev);
        if (next) query.set("q", next);
        else query.delete("q");
        return query;
      },
      { replace: true },
    ),
  );
  const { data: rooms, error, isPending: loading, refetch } = useRooms({ q, limit: 100 }, POLL_MS);
  const reload = () => void refetch();
  const tick = useNow(POLL_MS);

  const live = rooms?.filter((r) => r.live) ?? [];
  const other = rooms?.filter((r) => !r.live) ?? [];

  return (
    <div className="space-y-8">
      <section aria-labelledby="home-title" className="flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
        <div>
          <h1 id="home-title" className="text-2xl font-bold tracking-tight sm:text-3xl">
            Watch live
          </h1>
          <p className="text-muted-foreground">Live rooms first, then everything else.</p>
        </div>
        <form role="search" className="w-full sm:w-80" onSubmit={(e) => e.preventDefault()}>
          <Label htmlFor="room-search" className="mb-1.5 block">
            Search rooms
          </Label>
          <div className="relative">
            <SearchIcon className="pointer-events-none absolute left-2.5 top-2.5 size-4 text-muted-foreground" aria-hidden />
            <Input
              id="room-search"
              type="search"
              placeholder="Title or description"
              className="pl-8"
              value={text}
              onChange={(e) => onTextChange(e.target.value)}
            />
          </div>
        </form>
      </section>

      {error && !rooms ? <ErrorAlert error={error} title="Could not load rooms" onRetry={reload} /> : null}

      {loading ? (
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4" aria-busy="true">
          <span className="sr-only" role="status">
            Loading rooms…
          </span>
          {Array.from({ length: 4 }, (_, i) => (
            <Skeleton key={i} className="aspect-video w-full rounded-xl" />
          ))}
        </div>
      ) : null}

      {rooms ? (
        <>
          <section aria-labelledby="live-title" className="space-y-3">
            <h2 id="live-title" className="flex items-center gap-2 text-lg font-semibold">
              <span className="size-2 rounded-full bg-live" aria-hidden /> Live now
            </h2>
            {live.length ? (
              <RoomGrid rooms={live} tick={tick} />
            ) : (
              <EmptyState
                icon={<TvIcon aria-hidden />}
                title={q ? "No live rooms match your search" : "Nobody is live right now"}
                description="This page refreshes on its own."
              />
            )}
          </section>
          {other.length ? (
            <section aria-labelledby="other-title" className="space-y-3">
              <h2 id="other-title" className="text-lg font-semibold">
                Other rooms
              </h2>
              <RoomGrid rooms={other} tick={tick} />
            </section>
          ) : rooms.length === 0 && q ? (
            <p className="text-sm text-muted-foreground">No rooms match “{q}”.</p>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
