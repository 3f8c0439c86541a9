import { EyeIcon } from "lucide-react";
import { Link } from "react-router";
import type { RoomView } from "@/api/types";
import { formatViewers } from "@/lib/format";
import { LiveBadge } from "./LiveBadge";
import { RoomThumbnail } from "./RoomThumbnail";

export function RoomCard({ room, tick }: { room: RoomView; tick: number }) {
  const live = room.live;
  return (
    <article className="group overflow-hidden rounded-xl border bg-card text-card-foreground shadow-sm transition-shadow focus-within:ring-2 focus-within:ring-ring hover:shadow-md">
      <Link to={`/rooms/${room.id}`} className="block outline-none" aria-label={`${room.title} by ${room.owner_name}${live ? ", live" : ""}`}>
        <div className="relative">
          <RoomThumbnail url={live?.thumbnail_url} tick={tick} />
          {live ? <LiveBadge className="absolute left-2 top-2" /> : null}
          {live ? (
            <span className="absolute bottom-2 left-2 inline-flex items-center gap-1 rounded-md bg-black/70 px-1.5 py-0.5 text-xs font-medium text-white">
              <EyeIcon className="size-3" aria-hidden />
              {formatViewers(room.viewer_count)}
            </span>
          ) : null}
        </div>
        <div className="space-y-0.5 p-3">
          <h3 className="truncate font-semibold group-hover:text-primary">{room.title}</h3>
          <p className="truncate text-sm text-muted-foreground">{room.owner_name}</p>
          {!live && room.description ? <p className="line-clamp-1 text-xs text-muted-foreground">{room.description}</p> : null}
        </div>
      </Link>
    </article>
  );
}
